#include "export/clara_dataset.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>
#include <string_view>

#include "io/atomic_file.h"
#include "io/clara_world.h"
#include "io/volume_file.h"

namespace viscera {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// ---- Density: how a transfer-function range relates to HU ----------------------------------
// A component's `range` (each bound in [0, 1], min < max) is normalised density, (HU - min_HU) /
// (max_HU - min_HU) over the density file's own extremes (io/clara_world.h says why). We choose
// each component's window in HU and normalise it with the volume written, clamped to [0, 1].

// HU windows. Organ parenchyma enhances to ~40-200 HU; -200 keeps partial-volume voxels at the
// organ's edge (fat is ~-100). Contrast-filled vessels reach 200-500 HU in the arterial and
// portal phases, so their window goes higher. Bone (cortex ~700-1900 HU, cancellous 200-400)
// starts at 200 HU.
struct HuWindow {
  double lo, hi;
};
constexpr HuWindow kSoftTissueWindow{-200, 300};
constexpr HuWindow kVesselWindow{-200, 600};
constexpr double kBoneMinHu = 200;
constexpr double kMinRangeWidth = 1e-3;  // Clara needs min < max

bool IsVessel(std::string_view name) {
  for (std::string_view word : {"aorta", "vena", "vein", "artery", "arteries", "vessel"}) {
    if (name.find(word) != std::string_view::npos) return true;
  }
  return false;
}

// A valid Clara range for an HU window: widened to kMinRangeWidth when the window lies outside
// the data (e.g. no voxel above 200 HU), staying inside [0, 1].
json Range(const ClaraDensity& density, double lo_hu, double hi_hu) {
  double lo = density.Normalise(lo_hu), hi = density.Normalise(hi_hu);
  if (hi - lo < kMinRangeWidth) {
    if (lo + kMinRangeWidth <= 1.0) {
      hi = lo + kMinRangeWidth;
    } else {
      lo = 1.0 - kMinRangeWidth;
      hi = 1.0;
    }
  }
  return {{"max", hi}, {"min", lo}};
}

// ---- Clara's world, for cameras and lights -------------------------------------------------
// Clara's world is the volume centred on the origin, axes along the index axes, largest extent 1
// (io/clara_world.h). That is what the reference dataset's cameras show: lookAt near (0, 0, 0),
// the "Cinematic" eye ~0.8 from it, slice cameras at 10, a light at (0.4, 1, 0.85). So an LPS
// direction v is the world direction D^-1 v, whatever the grid's orientation, and a camera at
// distance r / sin(fov / 2) from the origin frames the whole volume (r: the half-diagonal of the
// normalised box). A left-handed grid (det D < 0, e.g. LAS) is shown mirrored by Clara; the
// cameras still sit on the anatomical side they are named for.
json Xyz(const Vec3& v) {
  return {{"x", v[0]}, {"y", v[1]}, {"z", v[2]}};
}

Vec3 Rgb(const std::array<uint8_t, 3>& c) {
  return {c[0] / 255.0, c[1] / 255.0, c[2] / 255.0};
}

// a + s * b
Vec3 AddScaled(const Vec3& a, const Vec3& b, double s) {
  return {a[0] + s * b[0], a[1] + s * b[1], a[2] + s * b[2]};
}

struct World {
  ClaraWorld clara;
  double camera_distance;                     // frames the whole volume
  static constexpr double kFieldOfView = 30;  // degrees, as in the reference

  explicit World(const Geometry& g) : clara(g) {
    Vec3 extent{};
    for (int a = 0; a < 3; ++a) extent[a] = static_cast<double>(g.size[a]) * g.spacing[a];
    const double largest = clara.largest_extent_mm();
    double radius = 0;
    for (double e : extent) radius += (e / largest / 2) * (e / largest / 2);
    radius = std::sqrt(radius);
    camera_distance = radius / std::sin(kFieldOfView / 2 * std::numbers::pi / 180) * 1.05;
  }
  Vec3 Direction(const Vec3& lps) const { return Unit(clara.DirectionFromLps(lps)); }

  // A camera on the `from` side of the patient (an LPS direction), `up` toward an LPS direction.
  json Camera(const std::string& name, const Vec3& from, const Vec3& up_lps) const {
    const Vec3 eye_dir = Direction(from);
    Vec3 up = Direction(up_lps);
    // Exactly perpendicular to the view (oblique or sheared grids would tilt it otherwise).
    const double along = up[0] * eye_dir[0] + up[1] * eye_dir[1] + up[2] * eye_dir[2];
    up = Unit({up[0] - along * eye_dir[0], up[1] - along * eye_dir[1], up[2] - along * eye_dir[2]});
    return {{"eye", Xyz(AddScaled({0, 0, 0}, eye_dir, camera_distance))},
            {"fieldOfView", kFieldOfView},
            {"lookAt", Xyz({0, 0, 0})},
            {"name", name},
            {"pixelAspectRatio", 1},
            {"up", Xyz(up)}};
  }
};

// LPS unit directions.
constexpr Vec3 kLeft{1, 0, 0}, kRight{-1, 0, 0}, kPosterior{0, 1, 0}, kAnterior{0, -1, 0},
    kSuperior{0, 0, 1}, kInferior{0, 0, -1};

// ---- Colours --------------------------------------------------------------------------------
// The table's colours, except that black (unset) and repeats are replaced, so every organ can be
// told apart: hues stepped by the golden ratio until an unused colour comes up.
std::vector<std::array<uint8_t, 3>> DistinctColours(const std::vector<const LabelEntry*>& organs) {
  std::set<std::array<uint8_t, 3>> used;
  std::vector<std::array<uint8_t, 3>> out;
  double hue = 0.13;
  for (const LabelEntry* e : organs) {
    std::array<uint8_t, 3> c = e->color;
    while (c == std::array<uint8_t, 3>{0, 0, 0} || used.count(c) != 0) {
      hue = std::fmod(hue + 0.618033988749895, 1.0);
      // HSV (hue, 0.65, 0.9) to RGB.
      const double h6 = hue * 6, f = h6 - std::floor(h6), v = 0.9, p = v * 0.35,
                   q = v * (1 - 0.65 * f), t = v * (1 - 0.65 * (1 - f));
      const std::array<std::array<double, 3>, 6> sector{
          {{v, t, p}, {q, v, p}, {p, v, t}, {p, q, v}, {t, p, v}, {v, p, q}}};
      const auto& rgb = sector[static_cast<size_t>(h6) % 6];
      for (int k = 0; k < 3; ++k) c[k] = static_cast<uint8_t>(std::lround(rgb[k] * 255));
    }
    used.insert(c);
    out.push_back(c);
  }
  return out;
}

// ---- config_render.json ----------------------------------------------------------------------
json Component(const std::vector<uint16_t>& regions, const Vec3& diffuse_start,
               const Vec3& diffuse_end, double opacity, double transition, double roughness,
               json range) {
  return {{"activeRegions", regions},
          {"diffuseEnd", Xyz(diffuse_end)},
          {"diffuseStart", Xyz(diffuse_start)},
          {"emissiveEnd", Xyz({0, 0, 0})},
          {"emissiveStart", Xyz({0, 0, 0})},
          {"emissiveStrength", 0},
          {"opacity", opacity},
          {"opacityProfile", "SQUARE"},
          {"opacityTransition", transition},
          {"range", std::move(range)},
          {"roughness", roughness},
          {"specularEnd", Xyz({1, 1, 1})},
          {"specularStart", Xyz({1, 1, 1})}};
}

json RenderConfig(const Geometry& geometry, const LabelMap& labels, const ClaraDensity& density) {
  const World world(geometry);
  // Six views around the patient; the first, from the front, is the default.
  json cameras = json::array(
      {world.Camera("Anterior", kAnterior, kSuperior),
       world.Camera("Posterior", kPosterior, kSuperior), world.Camera("Left", kLeft, kSuperior),
       world.Camera("Right", kRight, kSuperior), world.Camera("Superior", kSuperior, kAnterior),
       world.Camera("Inferior", kInferior, kAnterior)});

  // Organs present, in table order, then ids missing from the table (shown too, in generated
  // colours, so that no masked region silently disappears).
  std::vector<const LabelEntry*> organs;
  std::vector<LabelEntry> unnamed;
  const std::vector<uint16_t> present = labels.PresentIds();
  for (const LabelEntry& e : labels.table.entries()) {
    if (std::binary_search(present.begin(), present.end(), e.id)) organs.push_back(&e);
  }
  for (uint16_t id : present) {
    if (labels.table.Find(id) == nullptr) {
      LabelEntry e;
      e.id = id;
      e.name = "label " + std::to_string(id);
      unnamed.push_back(e);
    }
  }
  for (const LabelEntry& e : unnamed) organs.push_back(&e);
  const auto colours = DistinctColours(organs);

  // Region 0 (everything outside the organs): bone, opaque, in the reference's ivory.
  json components = json::array({Component({0}, {1, 0.9647058823529412, 0.9215686274509803},
                                           {1, 0.8549019607843137, 0.6980392156862745}, 1.0, 0.06,
                                           9.8, Range(density, kBoneMinHu, density.max_hu))});
  for (size_t n = 0; n < organs.size(); ++n) {
    const HuWindow w = IsVessel(organs[n]->name) ? kVesselWindow : kSoftTissueWindow;
    const Vec3 c = Rgb(colours[n]);
    components.push_back(Component({organs[n]->id}, c, c, 0.5, 0, 90, Range(density, w.lo, w.hi)));
  }

  // One area light on the default camera's side, above it, pointing at the volume centre.
  const Vec3 toward_light =
      Unit(AddScaled(AddScaled(world.Direction(kAnterior), world.Direction(kSuperior), 0.8),
                     world.Direction(kLeft), 0.4));
  json light = {{"color", Xyz({1, 1, 1})},
                {"direction", Xyz(AddScaled({0, 0, 0}, toward_light, -1))},
                {"enable", "SWITCH_ENABLE"},
                {"index", 0},
                {"intensity", 1.1},
                {"position", Xyz(AddScaled({0, 0, 0}, toward_light, 1.5))},
                {"size", 0.5}};
  json full = {{"max", 1}, {"min", 0}};

  // Singular keys and SWITCH_* values: Clara Deploy's config_render.json (not Clara Viz's
  // plural-key settings). Values not derived from the data are the reference dataset's.
  return {{"BackgroundLight",
           {{"bottomColor", Xyz({1, 1, 1})},
            {"enable", "SWITCH_ENABLE"},
            {"horizonColor", Xyz({1, 1, 1})},
            {"intensity", 1},
            {"show", "SWITCH_DISABLE"},
            {"topColor", Xyz({1, 1, 1})}}},
          {"Camera", cameras[0]},
          // Depth of field off: with auto focus on a close organ it blurs the rest of the body.
          {"CameraAperture",
           {{"aperture", 0.0051},
            {"autoFocus", "SWITCH_DISABLE"},
            {"enable", "SWITCH_DISABLE"},
            {"focusDistance", 1.0}}},
          {"Cameras", cameras},
          {"DataCrop", {{"limits", json::array({full, full, full, full})}}},  // D, X, Y, Z: all
          {"DataView", json::object()},
          {"Light", json::array({light})},
          {"PostProcessDenoise",
           {{"depthWeight", 3},
            {"enableIterationLimit", "SWITCH_ENABLE"},
            {"iterationLimit", 500},
            {"method", "AI"},
            {"noiseThreshold", 0.01},
            {"radius", 1},
            {"spatialWeight", 0.05}}},
          {"PostProcessTonemap", {{"enable", "SWITCH_ENABLE"}, {"exposure", 0.5}}},
          {"RenderSettings",
           {{"interpolationMode", "CATMULLROM"},
            {"maxIterations", 1000},
            {"shadowStepSize", 1},
            {"stepSize", 1}}},
          {"TransferFunction",
           {{"blendingProfile", "MAXIMUM_OPACITY"},
            {"components", std::move(components)},
            {"densityScale", 710},
            {"globalOpacity", 1},
            {"gradientScale", 110},
            {"shadingProfile", "HYBRID"}}},
          {"View", {{"cameraName", "Anterior"}, {"mode", "CINEMATIC"}}}};
}

Status ValidateName(const std::string& name) {
  if (name.empty() || name == "." || name == ".." ||
      name.find_first_of("/\\") != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "dataset name '" + name + "' is not a plain file name");
  }
  return Ok{};
}

// The mask as Clara reads it: uint8 when every id fits, else uint16.
AnyVolume MaskVolume(const Volume<uint16_t>& labels) {
  const auto voxels = labels.voxels();
  const uint16_t max_id = voxels.empty() ? 0 : *std::max_element(voxels.begin(), voxels.end());
  if (max_id > 255) return labels;
  Volume<uint8_t> mask(labels.geometry());
  auto out = mask.voxels();
  std::transform(voxels.begin(), voxels.end(), out.begin(),
                 [](uint16_t v) { return static_cast<uint8_t>(v); });
  return mask;
}

}  // namespace

Status WriteClaraDataset(const HounsfieldVolume& image, const LabelMap& labels,
                         const std::string& name, const fs::path& folder) {
  VISCERA_RETURN_IF_ERROR(ValidateName(name));
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    return MakeError(ErrorCode::kNotFound, folder.string() + ": dataset folder does not exist");
  }
  if (!labels.labels.geometry().SameGrid(image.geometry())) {
    return MakeError(ErrorCode::kInvalidArgument,
                     (folder / name).string() + ": label map is not on the image's grid");
  }
  const auto voxels = image.voxels();
  ClaraDensity density;
  if (!voxels.empty()) {
    const auto [lo, hi] = std::minmax_element(voxels.begin(), voxels.end());
    density.min_hu = *lo;
    density.max_hu = *hi;
  }

  // Data first, config.meta last: a reader that finds config.meta finds everything it names.
  const AnyVolume density_volume = image;
  VISCERA_RETURN_IF_ERROR(WriteVolume(density_volume, folder / (name + ".nii.gz")));
  VISCERA_RETURN_IF_ERROR(WriteVolume(density_volume, folder / (name + ".mhd")));
  VISCERA_RETURN_IF_ERROR(WriteVolume(MaskVolume(labels.labels), folder / (name + ".output.mhd")));
  const json render = RenderConfig(image.geometry(), labels, density);
  VISCERA_RETURN_IF_ERROR(
      WriteFileAtomically(folder / "config_render.json", render.dump(4) + "\n"));
  const json meta = {{"data", json::array({{{"file", name + ".mhd"}, {"order", "DXYZ"}},
                                           {{"file", name + ".output.mhd"}, {"order", "MXYZ"}}})},
                     {"name", name},
                     {"settings", "config_render.json"}};
  return WriteFileAtomically(folder / "config.meta", meta.dump(2) + "\n");
}

}  // namespace viscera
