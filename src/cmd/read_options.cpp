#include "cmd/read_options.h"

#include <cstdio>

#include "io/atomic_file.h"

namespace viscera::cmd {

void AddReadFlags(CLI::App& command, ReadFlags* flags) {
  command.add_option("--rules", flags->rules_path,
                     "Series selection rules (MONAI Deploy selector JSON) for DICOM folders");
  command.add_option("--series", flags->series_uid,
                     "Load exactly this SeriesInstanceUID from a DICOM folder");
}

Expected<VolumeReadOptions> MakeReadOptions(const ReadFlags& flags) {
  VolumeReadOptions options;
  options.dicom.series_instance_uid = flags.series_uid;
  if (!flags.rules_path.empty()) {
    VISCERA_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(flags.rules_path, 1 << 20));
    VISCERA_ASSIGN_OR_RETURN(options.dicom.selector,
                             SeriesSelector::FromJson(text, flags.rules_path));
  }
  return options;
}

int ReportError(const Error& error) {
  std::fprintf(stderr, "viscera: error: %s\n", error.ToString().c_str());
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
      return 2;
    case ErrorCode::kNotFound:
      return 3;
    default:
      return 1;
  }
}

}  // namespace viscera::cmd
