// Options shared by commands that read a volume (series selection for DICOM folders).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "io/volume_file.h"

namespace viscera::cmd {

struct ReadFlags {
  std::string rules_path;  // MONAI Deploy series-selector JSON
  std::string series_uid;
};

void AddReadFlags(CLI::App& command, ReadFlags* flags);
// Builds read options from flags; fails on an unreadable or invalid rules file.
Expected<VolumeReadOptions> MakeReadOptions(const ReadFlags& flags);
// Prints "viscera: error: <code>: <message>" to stderr and returns the exit status for it.
int ReportError(const Error& error);

}  // namespace viscera::cmd
