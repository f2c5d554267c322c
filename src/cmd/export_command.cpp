// `viscera export IMAGE --labels LABELS -o OUTDIR`: an existing label map (from any tool) to the
// same clinical outputs `viscera segment` writes: Clara dataset, DICOM SEG, RTSTRUCT, meshes,
// stats. The label table (names, colours, SNOMED codes) comes from a model's metadata.json.
#include "cmd/commands.h"
#include "cmd/read_options.h"
#include "core/log.h"
#include "core/reorient.h"
#include "export/segmentation_outputs.h"
#include "io/atomic_file.h"
#include "segment/model_metadata.h"

namespace viscera::cmd {
namespace {

struct Flags {
  std::string input;
  std::string labels;
  std::string model;
  std::string output;
  std::string name;
  ReadFlags read;
};

// The label map on the image's grid: as stored, or after a lossless reorientation.
Expected<AnyVolume> OnImageGrid(AnyVolume labels, const Geometry& image, const std::string& what) {
  if (GeometryOf(labels).SameGrid(image)) return labels;
  VISCERA_ASSIGN_OR_RETURN(AnyVolume reoriented, Reorient(labels, image.AxisCodes()));
  if (GeometryOf(reoriented).SameGrid(image)) return reoriented;
  return MakeError(ErrorCode::kInconsistentData,
                   what +
                       ": label map grid differs from the image's (size, spacing, origin or "
                       "direction)");
}

Status Run(const Flags& flags) {
  VISCERA_ASSIGN_OR_RETURN(VolumeReadOptions options, MakeReadOptions(flags.read));
  std::filesystem::path meta_path = std::filesystem::path(flags.model) / "metadata.json";
  VISCERA_ASSIGN_OR_RETURN(std::string meta_text, ReadWholeFile(meta_path, int64_t{1} << 20));
  VISCERA_ASSIGN_OR_RETURN(ModelMetadata meta, ParseModelMetadata(meta_text, meta_path));
  VISCERA_ASSIGN_OR_RETURN(LoadedVolume image, ReadVolume(flags.input, options));
  VISCERA_ASSIGN_OR_RETURN(HounsfieldVolume hu, ToHounsfield(image.volume, flags.input));
  VISCERA_ASSIGN_OR_RETURN(LoadedVolume label_file, ReadVolume(flags.labels, options));
  VISCERA_ASSIGN_OR_RETURN(AnyVolume on_grid,
                           OnImageGrid(std::move(label_file.volume), hu.geometry(), flags.labels));
  VISCERA_ASSIGN_OR_RETURN(LabelMap labels, LabelMap::Create(hu.geometry(), on_grid, meta.labels));
  for (uint16_t id : labels.PresentIds()) {
    if (labels.table.Find(id) == nullptr) {
      return MakeError(ErrorCode::kInvalidArgument, flags.labels + ": label " + std::to_string(id) +
                                                        " is not in " + meta_path.string() +
                                                        "'s label table");
    }
  }
  SegmentationOutputOptions out;
  out.name = flags.name.empty() ? "ct" : flags.name;
  out.algorithm.model_name = meta.Describe();
  return WriteSegmentationOutputs(hu, labels, image.dicom, out, flags.output);
}

}  // namespace

void RegisterExport(CLI::App& app, int* exit_code) {
  auto* command = app.add_subcommand(
      "export", "Write a label map as a Clara dataset, DICOM SEG, RTSTRUCT, meshes and stats");
  auto flags = std::make_shared<Flags>();
  command->add_option("input", flags->input, "The image: DICOM folder, .nii/.nii.gz, .mhd/.mha")
      ->required();
  command->add_option("--labels", flags->labels, "Label map on the image's grid")->required();
  command->add_option("--model", flags->model, "Model folder whose metadata.json names the labels")
      ->required();
  command->add_option("-o,--output", flags->output, "Output folder (replaced atomically)")
      ->required();
  command->add_option("--name", flags->name, "File stem of the image and mask (default ct)");
  AddReadFlags(*command, &flags->read);
  command->callback([flags, exit_code] {
    Status status = Run(*flags);
    if (!status) *exit_code = ReportError(status.error());
  });
}

}  // namespace viscera::cmd
