// Subcommands of the `viscera` executable; each lives in its own source file.
#pragma once

#include <CLI/CLI.hpp>

namespace viscera::cmd {

// Each registers a subcommand on `app`; the callback stores the exit status in *exit_code.
void RegisterInfo(CLI::App& app, int* exit_code);
void RegisterConvert(CLI::App& app, int* exit_code);
void RegisterExport(CLI::App& app, int* exit_code);
void RegisterSegment(CLI::App& app, int* exit_code);
void RegisterRender(CLI::App& app, int* exit_code);
void RegisterServe(CLI::App& app, int* exit_code);

}  // namespace viscera::cmd
