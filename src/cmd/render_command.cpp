// `viscera render INPUT -o out.png`: one frame of a CT (DICOM folder, NIfTI, MetaImage or a Clara
// dataset folder), optionally with organ labels and Clara render settings. With --repeat N it
// renders N frames orbiting the patient and prints their timings (the benchmark's probe).
#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "cmd/commands.h"
#include "cmd/read_options.h"
#include "core/label_map.h"
#include "core/log.h"
#include "io/atomic_file.h"
#include "io/clara_dataset_reader.h"
#include "io/label_names.h"
#include "io/png_file.h"
#include "io/volume_file.h"
#include "render/camera_control.h"
#include "render/clara_settings.h"
#include "render/cuda_renderer.h"
#include "render/organ_colors.h"
#include "render/presets.h"
#include "render/transfer_table.h"
#include "render/volume_renderer.h"

namespace viscera::cmd {
namespace {

struct Flags {
  std::string input, labels, label_names, settings, output;
  std::string size = "512x512";
  std::string camera, preset, mode, quality = "full", slice = "axial", hide, window;
  std::string dump_transfer_function;
  std::string crop, clip, slice_at;
  int repeat = 0;
  std::string device = "cpu";
  ReadFlags read;
};

constexpr int64_t kMaxSettingsBytes = 16 << 20;

Expected<std::pair<int, int>> ParseSize(const std::string& text) {
  const size_t x = text.find('x');
  int w = 0, h = 0;
  if (x != std::string::npos) {
    const char* s = text.data();
    const auto a = std::from_chars(s, s + x, w);
    const auto b = std::from_chars(s + x + 1, s + text.size(), h);
    if (a.ec == std::errc{} && a.ptr == s + x && b.ec == std::errc{} && b.ptr == s + text.size() &&
        w >= 16 && h >= 16 && w <= 8192 && h <= 8192) {
      return std::pair{w, h};
    }
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "--size must be WIDTHxHEIGHT with each 16..8192, got '" + text + "'");
}

// "92-115,5" -> {92..115, 5}.
Expected<std::vector<uint16_t>> ParseLabelList(const std::string& text) {
  std::vector<uint16_t> ids;
  size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    const size_t end = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, end - start);
    const size_t dash = item.find('-');
    int lo = -1, hi = -1;
    const char* s = item.data();
    const char* e = s + item.size();
    bool ok;
    if (dash == std::string::npos) {
      ok = std::from_chars(s, e, lo).ptr == e;
      hi = lo;
    } else {
      ok = std::from_chars(s, s + dash, lo).ptr == s + dash &&
           std::from_chars(s + dash + 1, e, hi).ptr == e;
    }
    if (!ok || lo < 0 || hi < lo || hi > 65535) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "--hide takes label ids and ranges like 92-115,5; bad item '" + item + "'");
    }
    for (int id = lo; id <= hi; ++id) ids.push_back(static_cast<uint16_t>(id));
    start = end + 1;
  }
  return ids;
}

struct Scene {
  std::shared_ptr<const RenderVolume> volume;
  RenderSettings settings;
  bool has_settings = false;
};

Expected<Scene> LoadScene(const Flags& flags) {
  VISCERA_ASSIGN_OR_RETURN(VolumeReadOptions options, MakeReadOptions(flags.read));
  auto ct = std::make_shared<HounsfieldVolume>();
  std::optional<Volume<uint16_t>> mask;
  std::string settings_json, settings_name;
  if (IsClaraDatasetFolder(flags.input)) {
    VISCERA_ASSIGN_OR_RETURN(ClaraDatasetFiles dataset, ReadClaraDataset(flags.input));
    *ct = std::move(dataset.image);
    mask = std::move(dataset.mask);
    settings_json = std::move(dataset.settings_json);
    settings_name = dataset.settings_path.string();
  } else {
    VISCERA_ASSIGN_OR_RETURN(LoadedVolume loaded, ReadVolume(flags.input, options));
    VISCERA_ASSIGN_OR_RETURN(*ct, ToHounsfield(loaded.volume, flags.input));
  }
  if (!flags.labels.empty()) {
    VISCERA_ASSIGN_OR_RETURN(LoadedVolume file, ReadVolume(flags.labels, options));
    VISCERA_ASSIGN_OR_RETURN(LabelMap map,
                             LabelMap::Create(ct->geometry(), file.volume, LabelTable{}));
    mask = std::move(map.labels);
  }
  if (!flags.settings.empty()) {
    VISCERA_ASSIGN_OR_RETURN(settings_json, ReadWholeFile(flags.settings, kMaxSettingsBytes));
    settings_name = flags.settings;
  }
  Scene scene;
  if (!settings_json.empty()) {
    // Clara's densities are normalised over the CT's own range (read in place, not copied).
    const auto [lo, hi] = std::minmax_element(ct->voxels().begin(), ct->voxels().end());
    const VoxelRange range{static_cast<double>(*lo), static_cast<double>(*hi)};
    VISCERA_ASSIGN_OR_RETURN(scene.settings,
                             ParseClaraRenderSettings(settings_json, ct->geometry(), range.min,
                                                      range.max, settings_name));
    scene.has_settings = true;
  }
  VISCERA_ASSIGN_OR_RETURN(scene.volume, RenderVolume::Create(*ct, mask ? &*mask : nullptr));
  return scene;
}

Status ApplyFlags(const Flags& flags, Scene& scene) {
  RenderSettings& s = scene.settings;
  const RenderVolume& volume = *scene.volume;
  if (!flags.preset.empty() || !scene.has_settings) {
    const std::string name = flags.preset.empty() ? "bone" : flags.preset;
    std::optional<TransferFunction> preset = PresetTransferFunction(name);
    if (!preset) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          "--preset must be one of " + std::string(PresetNames()) + ", got '" + name + "'");
    }
    if (volume.has_labels()) {
      // Organ colours: by name where the label names are known, else a distinct palette.
      std::array<Color, 256> colors = LabelColors(s);
      if (!flags.label_names.empty()) {
        VISCERA_ASSIGN_OR_RETURN(LabelTable names, ReadLabelNames(flags.label_names));
        for (const LabelEntry& e : names.entries()) {
          if (e.id < colors.size()) colors[e.id] = AnatomicalColor(e.name, colors[e.id]);
        }
      }
      s.transfer_function = OrganTransferFunction(*preset, volume.present_labels(), colors);
    } else {
      s.transfer_function = *preset;
    }
  }
  if (!flags.camera.empty()) {
    if (auto view = ParseAnatomicalView(flags.camera)) {
      s.camera = AnatomicalCamera(volume, *view, s.camera.field_of_view_deg);
    } else {
      auto named = std::find_if(s.cameras.begin(), s.cameras.end(),
                                [&](const Camera& c) { return c.name == flags.camera; });
      if (named == s.cameras.end()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "--camera '" + flags.camera +
                             "' is neither an anatomical view (anterior, posterior, left, right, "
                             "superior, inferior) nor a camera of the settings");
      }
      s.camera = *named;
    }
  } else if (!scene.has_settings) {
    s.camera = AnatomicalCamera(volume, AnatomicalView::kAnterior);
  }
  if (!scene.has_settings) s.lights = {CameraKeyLight(s.camera)};
  if (!flags.mode.empty()) {
    static const std::pair<const char*, RenderMode> kModes[] = {
        {"composite", RenderMode::kComposite},
        {"mip", RenderMode::kMaximumIntensity},
        {"slice", RenderMode::kSlice},
        {"slice-segmentation", RenderMode::kSliceSegmentation}};
    auto it = std::find_if(std::begin(kModes), std::end(kModes),
                           [&](const auto& m) { return flags.mode == m.first; });
    if (it == std::end(kModes)) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          "--mode must be composite, mip, slice or slice-segmentation, got '" + flags.mode + "'");
    }
    s.mode = it->second;
  }
  static const std::pair<const char*, SliceOrientation> kSlices[] = {
      {"axial", SliceOrientation::kAxial},
      {"coronal", SliceOrientation::kCoronal},
      {"sagittal", SliceOrientation::kSagittal}};
  auto slice = std::find_if(std::begin(kSlices), std::end(kSlices),
                            [&](const auto& m) { return flags.slice == m.first; });
  if (slice == std::end(kSlices)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--slice must be axial, coronal or sagittal, got '" + flags.slice + "'");
  }
  s.slice.orientation = slice->second;
  if (!flags.slice_at.empty()) {
    Vec3& c = s.slice.center;
    if (std::sscanf(flags.slice_at.c_str(), "%lf,%lf,%lf", &c[0], &c[1], &c[2]) != 3) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "--slice-at must be x,y,z in LPS mm, got '" + flags.slice_at + "'");
    }
    s.slice.center_set = true;
  }
  if (!flags.window.empty()) {
    double center = 0, width = 0;
    if (std::sscanf(flags.window.c_str(), "%lf,%lf", &center, &width) != 2 || width <= 0) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          "--window must be CENTER,WIDTH in HU (width > 0), got '" + flags.window + "'");
    }
    s.slice.window_center = center;
    s.slice.window_width = width;
  }
  if (flags.quality == "draft") {
    s.quality = RenderQuality::kDraft;
  } else if (flags.quality == "full") {
    s.quality = RenderQuality::kFull;
  } else if (flags.quality == "cinematic") {
    s.quality = RenderQuality::kCinematic;
  } else {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--quality must be draft, full or cinematic, got '" + flags.quality + "'");
  }
  if (!flags.crop.empty()) {
    DataCrop& c = s.crop;
    if (std::sscanf(flags.crop.c_str(), "%lf,%lf,%lf,%lf,%lf,%lf", &c.min[0], &c.max[0], &c.min[1],
                    &c.max[1], &c.min[2], &c.max[2]) != 6) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          "--crop must be i0,i1,j0,j1,k0,k1 (fractions 0..1 of each index axis), got '" +
              flags.crop + "'");
    }
    for (size_t a = 0; a < 3; ++a) {
      if (!(c.min[a] >= 0 && c.min[a] < c.max[a] && c.max[a] <= 1)) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "--crop: each axis needs 0 <= min < max <= 1, got '" + flags.crop + "'");
      }
    }
  }
  if (!flags.clip.empty()) {
    ClipPlane& c = s.clip;
    if (std::sscanf(flags.clip.c_str(), "%lf,%lf,%lf,%lf,%lf,%lf", &c.point[0], &c.point[1],
                    &c.point[2], &c.normal[0], &c.normal[1], &c.normal[2]) != 6 ||
        c.normal[0] * c.normal[0] + c.normal[1] * c.normal[1] + c.normal[2] * c.normal[2] == 0) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "--clip must be px,py,pz,nx,ny,nz (LPS mm; the side the normal points to is "
                       "removed), got '" +
                           flags.clip + "'");
    }
    c.enable = true;
  }
  if (!flags.hide.empty()) {
    VISCERA_ASSIGN_OR_RETURN(std::vector<uint16_t> hidden, ParseLabelList(flags.hide));
    auto& regions = s.transfer_function.hidden_regions;
    regions.insert(regions.end(), hidden.begin(), hidden.end());
  }
  return Ok{};
}

// For benchmarks against other renderers: the transfer function of unlabelled voxels as
// extinction per mm and colour per HU bin, so a peer can be given exactly the same one.
Status DumpTransferFunction(const Scene& scene, const std::string& path) {
  const BakedTransferFunction baked =
      BakeTransferFunction(scene.settings.transfer_function, scene.settings.organs, 1.0f,
                           static_cast<float>(scene.volume->LargestExtentMm()));
  const int table = baked.label_table[0];
  std::string json = "{\"hu\":[";
  std::string sigma = "],\"extinction_per_mm\":[", rgb = "],\"rgb\":[";
  for (int bin = 0; bin < kHuBins; ++bin) {
    const TfEntry& e = baked.tables[static_cast<size_t>(table * kHuBins + bin)];
    const char* sep = bin ? "," : "";
    char item[96];
    std::snprintf(item, sizeof item, "%s%.1f", sep, kHuMin + (bin + 0.5) * kHuBinWidth);
    json += item;
    std::snprintf(item, sizeof item, "%s%.6g", sep, -std::log(1.0 - std::min(e.alpha, 0.999999f)));
    sigma += item;
    std::snprintf(item, sizeof item, "%s[%.4f,%.4f,%.4f]", sep, e.r, e.g, e.b);
    rgb += item;
  }
  json += sigma;
  json += rgb;
  json += "]}\n";
  return WriteFileAtomically(path, json);
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(std::min<double>(v.size() - 1, p * (v.size() - 1) + 0.5))];
}

Status Run(const Flags& flags) {
  VISCERA_ASSIGN_OR_RETURN(auto size, ParseSize(flags.size));
  if (flags.repeat < 0 || flags.repeat > 100000) {
    return MakeError(ErrorCode::kInvalidArgument, "--repeat must be 0..100000");
  }
  if (flags.device != "cpu" && flags.device != "cuda") {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--device must be cpu or cuda, got '" + flags.device + "'");
  }
  // Before loading the CT: a machine without a GPU learns it at once.
  if (std::string why; flags.device == "cuda" && !CudaDeviceAvailable(&why)) {
    return MakeError(ErrorCode::kUnsupported, "--device cuda: " + why);
  }
  VISCERA_ASSIGN_OR_RETURN(Scene scene, LoadScene(flags));
  VISCERA_RETURN_IF_ERROR(ApplyFlags(flags, scene));
  if (!flags.dump_transfer_function.empty()) {
    VISCERA_RETURN_IF_ERROR(DumpTransferFunction(scene, flags.dump_transfer_function));
  }
  VolumeRenderer renderer(scene.volume);
  ProgressiveRenderer progressive(renderer);
  const RenderSettings& settings = scene.settings;
  const bool draft = settings.quality == RenderQuality::kDraft;
  std::unique_ptr<CudaRenderer> cuda;  // every frame at full resolution, drafts included
  if (flags.device == "cuda") {
    VISCERA_ASSIGN_OR_RETURN(cuda, CudaRenderer::Create(scene.volume));
  }
  auto render = [&](const RenderSettings& s, FrameStats* stats) -> Expected<RgbImage> {
    if (cuda) return cuda->Render(s, size.first, size.second, s.quality, 1, stats);
    return draft ? progressive.RenderInteractive(s, size.first, size.second, stats)
                 : renderer.Render(s, size.first, size.second, s.quality, 1, stats);
  };
  FrameStats first;
  VISCERA_ASSIGN_OR_RETURN(RgbImage image, render(settings, &first));
  if (flags.repeat > 0) {
    // Orbit a full turn about the patient's superior axis, one step per frame.
    std::vector<double> ms;
    RenderSettings moving = settings;
    double scale_sum = 0;
    for (int n = 0; n < flags.repeat; ++n) {
      moving.camera = Orbit(moving.camera, 360.0 / flags.repeat, 0);
      if (!scene.has_settings) moving.lights = {CameraKeyLight(moving.camera)};
      FrameStats stats;
      VISCERA_ASSIGN_OR_RETURN(image, render(moving, &stats));
      ms.push_back(stats.milliseconds);
      scale_sum += static_cast<double>(size.first) / stats.marched_width;
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const RenderVolume& v = *scene.volume;
    std::printf(
        "{\"frames\":%d,\"size\":[%d,%d],\"quality\":\"%s\",\"mean_ms\":%.3f,\"median_ms\":%.3f,"
        "\"p95_ms\":%.3f,\"first_ms\":%.3f,\"mean_pixel_scale\":%.2f,\"occupied_bricks\":%.4f,"
        "\"volume_bytes\":%lld,\"renderer_bytes\":%lld,\"peak_rss_bytes\":%lld}\n",
        flags.repeat, size.first, size.second, flags.quality.c_str(),
        std::accumulate(ms.begin(), ms.end(), 0.0) / ms.size(), Percentile(ms, 0.5),
        Percentile(ms, 0.95), first.milliseconds, scale_sum / flags.repeat, first.occupied_fraction,
        static_cast<long long>(v.VoxelDataBytes()), static_cast<long long>(v.HeldBytes()),
        static_cast<long long>(usage.ru_maxrss) * 1024);
  } else {
    LogInfo("rendered " + std::to_string(size.first) + "x" + std::to_string(size.second) + " in " +
            std::to_string(static_cast<int>(first.milliseconds)) + " ms");
  }
  return WritePng(flags.output, image.width, image.height, image.rgb.data());
}

}  // namespace

void RegisterRender(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<Flags>();
  CLI::App* command = app.add_subcommand("render", "Render one frame of a CT (and organs) to PNG");
  command
      ->add_option("input", flags->input,
                   "DICOM folder, .nii/.nii.gz, .mhd/.mha, or a Clara dataset folder")
      ->required();
  command->add_option("-o,--output", flags->output, "PNG file to write")->required();
  command->add_option("--labels", flags->labels, "Label map on the CT's grid");
  command->add_option("--label-names", flags->label_names,
                      "JSON {\"1\": \"spleen\", ...}: organs coloured by name");
  command->add_option("--settings", flags->settings,
                      "Clara config_render.json (Clara Deploy or Clara Viz keys)");
  command->add_option("--size", flags->size, "Image size WIDTHxHEIGHT (default 512x512)");
  command->add_option("--camera", flags->camera,
                      "anterior, posterior, left, right, superior, inferior, or a settings camera");
  command->add_option("--preset", flags->preset,
                      "Transfer function: bone, soft-tissue, lung, angio");
  command->add_option("--mode", flags->mode, "composite, mip, slice or slice-segmentation");
  command->add_option("--slice", flags->slice, "Slice modes: axial, coronal or sagittal");
  command->add_option("--slice-at", flags->slice_at,
                      "Slice modes: the slice passes through x,y,z (LPS mm; default the centre)");
  command->add_option("--window", flags->window, "Slice/MIP window CENTER,WIDTH in HU");
  command->add_option("--quality", flags->quality, "draft, full (default) or cinematic");
  command->add_option("--crop", flags->crop,
                      "Keep i0,i1,j0,j1,k0,k1 (fractions of each index axis, Clara's DataCrop)");
  command->add_option("--clip", flags->clip,
                      "Clip plane px,py,pz,nx,ny,nz in LPS mm: the normal's side is removed");
  command->add_option("--hide", flags->hide, "Label ids to hide, e.g. 92-115 (the ribs)");
  command->add_option("--repeat", flags->repeat,
                      "Render N more frames orbiting the patient; print timings as JSON");
  command->add_option(
      "--device", flags->device,
      "cpu (default) or cuda: the GPU ray marcher (same image; needs a CUDA build)");
  command
      ->add_option("--dump-transfer-function", flags->dump_transfer_function,
                   "Write the transfer function as JSON (for benchmarks against other renderers)")
      ->group("");
  AddReadFlags(*command, &flags->read);
  command->callback([flags, exit_code] {
    Status status = Run(*flags);
    if (!status) *exit_code = ReportError(status.error());
  });
}

}  // namespace viscera::cmd
