// `viscera convert IN OUT`: DICOM folder / NIfTI / MetaImage to NIfTI or MetaImage, geometry kept.
// Optional reorientation and resampling happen between reading and writing.
#include <cstdio>
#include <sstream>

#include "cmd/commands.h"
#include "cmd/read_options.h"
#include "core/log.h"
#include "core/reorient.h"
#include "core/resample.h"

namespace viscera::cmd {
namespace {

Expected<Vec3> ParseSpacing(const std::string& text) {
  Vec3 spacing{};
  std::istringstream in(text);
  char comma = 0;
  if (!(in >> spacing[0] >> comma >> spacing[1] >> comma >> spacing[2]) || !in.eof()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--spacing '" + text + "' must be three numbers in mm, e.g. 1.5,1.5,2");
  }
  return spacing;
}

struct Flags {
  std::string input;
  std::string output;
  std::string orient;
  std::string spacing;
  bool labels = false;
  bool compress = false;
  ReadFlags read;
};

Status Run(const Flags& flags) {
  VISCERA_ASSIGN_OR_RETURN(VolumeReadOptions options, MakeReadOptions(flags.read));
  // Validate cheap arguments before the (possibly long) read.
  std::optional<Vec3> spacing;
  if (!flags.spacing.empty()) {
    VISCERA_ASSIGN_OR_RETURN(spacing, ParseSpacing(flags.spacing));
  }
  if (!flags.orient.empty()) VISCERA_RETURN_IF_ERROR(ValidateAxisCodes(flags.orient));
  if (auto format = DetectVolumeFormat(flags.output);
      !format || *format == VolumeFormat::kDicomFolder) {
    return MakeError(ErrorCode::kInvalidArgument,
                     flags.output + ": output must be a .nii, .nii.gz, .mhd or .mha file name");
  }
  VISCERA_ASSIGN_OR_RETURN(LoadedVolume loaded, ReadVolume(flags.input, options));
  AnyVolume volume = std::move(loaded.volume);
  if (!flags.orient.empty()) {
    VISCERA_ASSIGN_OR_RETURN(volume, Reorient(volume, flags.orient));
  }
  if (spacing) {
    auto interpolation = flags.labels ? Interpolation::kNearest : Interpolation::kLinear;
    VISCERA_ASSIGN_OR_RETURN(volume, Resample(volume, *spacing, interpolation));
  }
  VISCERA_RETURN_IF_ERROR(WriteVolume(volume, flags.output, VolumeWriteOptions{flags.compress}));
  const Geometry& g = GeometryOf(volume);
  LogInfo("wrote " + flags.output + ": " + std::to_string(g.size[0]) + "x" +
          std::to_string(g.size[1]) + "x" + std::to_string(g.size[2]) + " " +
          VoxelTypeName(VoxelTypeOfVolume(volume)) + ", orientation " + g.AxisCodes());
  return Ok{};
}

}  // namespace

void RegisterConvert(CLI::App& app, int* exit_code) {
  auto* command = app.add_subcommand(
      "convert", "Convert a DICOM folder, NIfTI or MetaImage to .nii/.nii.gz/.mhd/.mha");
  auto flags = std::make_shared<Flags>();
  command->add_option("input", flags->input, "DICOM folder, .nii/.nii.gz, .mhd/.mha")->required();
  command->add_option("output", flags->output, ".nii, .nii.gz, .mhd or .mha")->required();
  command->add_option("--orient", flags->orient,
                      "Reorient (lossless axis permutation/flip) to e.g. RAS or LPS");
  command->add_option("--spacing", flags->spacing, "Resample to this spacing in mm: x,y,z");
  command->add_flag("--labels", flags->labels,
                    "Input is a label map: resample with nearest neighbour");
  command->add_flag("--compress", flags->compress, "MetaImage: zlib-compress the data (.zraw)");
  AddReadFlags(*command, &flags->read);
  command->callback([flags, exit_code] {
    Status status = Run(*flags);
    if (!status) *exit_code = ReportError(status.error());
  });
}

}  // namespace viscera::cmd
