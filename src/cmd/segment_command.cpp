// `viscera segment INPUT -o OUTDIR`: CT in (DICOM folder, NIfTI, MetaImage), organs out: label
// map, Clara dataset, DICOM SEG, RTSTRUCT, meshes and stats, via the stages of
// segment/segmentation_pipeline.h.
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "cmd/commands.h"
#include "cmd/progress_bar.h"
#include "cmd/read_options.h"
#include "core/log.h"
#include "export/organ_stats.h"
#include "export/segmentation_outputs.h"
#include "io/atomic_file.h"
#include "segment/segmentation_pipeline.h"
#include "segment/torch_model.h"

#ifndef VISCERA_DEFAULT_MODEL_DIR
#define VISCERA_DEFAULT_MODEL_DIR "models/demo"
#endif

namespace viscera::cmd {
namespace {

struct Flags {
  std::string input;
  std::string output;
  std::string model;
  std::string device = "cpu";
  int threads = 0;
  int network_batch = -1;  // -1: by device
  bool largest_component = false;
  std::string name;
  std::string dump_window;
  ReadFlags read;
};

// The model folder: --model, else $VISCERA_MODEL, else the bundled demo model.
std::filesystem::path ModelFolder(const Flags& flags) {
  if (!flags.model.empty()) return flags.model;
  if (const char* env = std::getenv("VISCERA_MODEL"); env != nullptr && *env != '\0') return env;
  return VISCERA_DEFAULT_MODEL_DIR;
}

// A file stem from the input's name: letters, digits, '-', '_' and '.', never empty.
std::string DatasetName(const std::string& input) {
  std::filesystem::path p(input);
  if (p.filename().empty()) p = p.parent_path();
  std::string stem = p.filename().string();
  for (const char* ext : {".nii.gz", ".nii", ".mhd", ".mha"}) {
    std::string e(ext);
    if (stem.size() > e.size() && stem.compare(stem.size() - e.size(), e.size(), e) == 0) {
      stem.resize(stem.size() - e.size());
      break;
    }
  }
  std::string name;
  for (char c : stem) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    name += ok ? c : '_';
  }
  return name.empty() || name[0] == '.' ? "ct" + name : name;
}

Status DumpFloats(const std::vector<float>& values, const std::string& path) {
  std::string bytes(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  return WriteFileAtomically(path, bytes);
}

Status Run(const Flags& flags) {
  InferenceDevice device;
  if (flags.device == "cpu") {
    device = InferenceDevice::kCpu;
  } else if (flags.device == "cuda") {
    device = InferenceDevice::kCuda;
  } else {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--device must be cpu or cuda, got '" + flags.device + "'");
  }
  if (flags.threads < 0 || flags.threads > 1024) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--threads must be 0..1024, got " + std::to_string(flags.threads));
  }
  VISCERA_ASSIGN_OR_RETURN(VolumeReadOptions read_options, MakeReadOptions(flags.read));
  // The model is checked before the CT is read: a bad model fails in a second, not a minute.
  VISCERA_ASSIGN_OR_RETURN(ModelMetadata model, ReadModelMetadata(ModelFolder(flags)));
  VISCERA_ASSIGN_OR_RETURN(auto predictor,
                           LoadTorchModel(model.model_file, {device, flags.threads}));
  LogInfo("model " + model.Describe() + " (" + model.model_file.string() + "), " +
          predictor->Describe());

  auto start = std::chrono::steady_clock::now();
  VISCERA_ASSIGN_OR_RETURN(LoadedVolume loaded, ReadVolume(flags.input, read_options));
  VISCERA_ASSIGN_OR_RETURN(HounsfieldVolume hu, ToHounsfield(loaded.volume, flags.input));
  loaded.volume = AnyVolume();
  double load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  ProgressBar bar;
  SegmentOptions options;
  options.largest_component = flags.largest_component;
  // By default on a CPU one window per network call: a quarter of the activation memory.
  options.network_batch = flags.network_batch >= 0          ? flags.network_batch
                          : device == InferenceDevice::kCpu ? 1
                                                            : 0;
  options.on_progress = [&](SegmentStage stage, int64_t done, int64_t total) {
    bar.Update(SegmentStageName(stage), done, total, "windows");
  };
  std::vector<float> window_input, window_logits;
  if (!flags.dump_window.empty()) {
    options.first_window_input = &window_input;
    options.first_window_logits = &window_logits;
  }
  Expected<SegmentationResult> segmented = SegmentHounsfield(hu, model, *predictor, options);
  bar.Finish();
  if (!segmented) {
    return MakeError(segmented.error().code,
                     flags.input + ": segmentation failed: " + segmented.error().message);
  }
  SegmentationResult& result = *segmented;
  if (!flags.dump_window.empty()) {
    VISCERA_RETURN_IF_ERROR(DumpFloats(window_input, flags.dump_window + ".input.f32"));
    VISCERA_RETURN_IF_ERROR(DumpFloats(window_logits, flags.dump_window + ".logits.f32"));
  }
  VISCERA_ASSIGN_OR_RETURN(
      LabelMap labels,
      LabelMap::Create(hu.geometry(), AnyVolume(std::move(result.labels)), model.labels));
  start = std::chrono::steady_clock::now();
  bar.Update("write", 0, 1, "");
  SegmentationOutputOptions out;
  out.name = flags.name.empty() ? DatasetName(flags.input) : flags.name;
  out.algorithm.model_name = model.Describe();
  std::vector<OrganStats> organs;
  VISCERA_RETURN_IF_ERROR(
      WriteSegmentationOutputs(hu, labels, loaded.dicom, out, flags.output, &organs));
  double write_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const Geometry& g = result.network_grid;
  std::printf(
      "network grid: %lld x %lld x %lld at %g x %g x %g mm, crop %lld x %lld x %lld, "
      "%lld windows\n",
      static_cast<long long>(g.size[0]), static_cast<long long>(g.size[1]),
      static_cast<long long>(g.size[2]), g.spacing[0], g.spacing[1], g.spacing[2],
      static_cast<long long>(result.crop_size[0]), static_cast<long long>(result.crop_size[1]),
      static_cast<long long>(result.crop_size[2]), static_cast<long long>(result.windows));
  std::printf("seconds: load %.2f, preprocess %.2f, inference %.2f, postprocess %.2f, write %.2f\n",
              load_seconds, result.preprocess_seconds, result.inference_seconds,
              result.postprocess_seconds, write_seconds);
  for (const OrganStats& s : organs) {
    if (s.voxel_count > 0) std::printf("  %-26s %10.1f mL\n", s.name.c_str(), s.volume_ml);
  }
  std::printf("outputs: %s\n", flags.output.c_str());
  return Ok{};
}

}  // namespace

void RegisterSegment(CLI::App& app, int* exit_code) {
  auto* command = app.add_subcommand(
      "segment", "Segment the organs of a CT (UNETR) and write clinical outputs");
  auto flags = std::make_shared<Flags>();
  command->add_option("input", flags->input, "DICOM folder, .nii/.nii.gz or .mhd/.mha")->required();
  command->add_option("-o,--output", flags->output, "Output folder (replaced atomically)")
      ->required();
  command->add_option("--model", flags->model,
                      "Model folder with metadata.json (default $VISCERA_MODEL, else the "
                      "bundled demo model)");
  command->add_option("--device", flags->device, "cpu or cuda");
  command->add_option("--threads", flags->threads, "CPU threads for inference (0 = all cores)");
  command->add_option("--network-batch", flags->network_batch,
                      "Most windows per network call (0 = the model's sw_batch; default 1 on "
                      "cpu, sw_batch on cuda); the result does not depend on it");
  command->add_flag("--largest-component", flags->largest_component,
                    "Keep only each organ's largest connected component");
  command->add_option("--name", flags->name, "File stem of the image and mask outputs");
  command
      ->add_option("--dump-window", flags->dump_window,
                   "Write the first window's input and logits to PREFIX.{input,logits}.f32")
      ->group("");  // for parity tests
  AddReadFlags(*command, &flags->read);
  command->callback([flags, exit_code] {
    Status status = Run(*flags);
    if (!status) *exit_code = ReportError(status.error());
  });
}

}  // namespace viscera::cmd
