#include "control/settings_json.h"

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "render/json_checks.h"
#include "render/presets.h"

namespace viscera {
namespace {

using namespace json_checks;  // NOLINT(google-build-using-namespace): the shared JSON checks

// The named ranges of the form (settings_json.h lists them with each field).
constexpr double kMaxMm = 1e6;     // positions and direction components
constexpr double kMaxHu = 1e5;     // HU values and widths
constexpr double kMaxScale = 1e6;  // density and gradient scale
constexpr double kMaxIntensity = 100;
constexpr double kMaxEmissive = 1000;
constexpr size_t kMaxNameChars = 256;
constexpr size_t kMaxCameras = 64;
constexpr size_t kMaxLights = 16;
constexpr size_t kMaxComponents = 1024;
constexpr size_t kMaxRegionIds = 65536;
constexpr size_t kMaxOrgans = 65536;

constexpr Names<RenderMode> kModes = {{"composite", RenderMode::kComposite},
                                      {"mip", RenderMode::kMaximumIntensity},
                                      {"slice", RenderMode::kSlice},
                                      {"slice-segmentation", RenderMode::kSliceSegmentation}};
constexpr Names<OpacityProfile> kProfiles = {{"square", OpacityProfile::kSquare},
                                             {"triangle", OpacityProfile::kTriangle},
                                             {"sine", OpacityProfile::kSine},
                                             {"trapezoid", OpacityProfile::kTrapezoid}};
constexpr Names<BlendingProfile> kBlendings = {{"maximum", BlendingProfile::kMaximumOpacity},
                                               {"blended", BlendingProfile::kBlendedOpacity}};
constexpr Names<SliceOrientation> kOrientations = {{"axial", SliceOrientation::kAxial},
                                                   {"coronal", SliceOrientation::kCoronal},
                                                   {"sagittal", SliceOrientation::kSagittal},
                                                   {"oblique", SliceOrientation::kOblique}};
constexpr Names<RenderQuality> kQualities = {{"draft", RenderQuality::kDraft},
                                             {"full", RenderQuality::kFull},
                                             {"cinematic", RenderQuality::kCinematic}};

// ---- Writing ----------------------------------------------------------------------------------

json CameraJson(const Camera& c) {
  return {{"name", c.name},
          {"eye", VectorJson(c.eye)},
          {"look_at", VectorJson(c.look_at)},
          {"up", VectorJson(c.up)},
          {"field_of_view_deg", c.field_of_view_deg}};
}

json RegionsJson(const std::vector<uint16_t>& ids) {
  json out = json::array();
  for (uint16_t id : ids) out.push_back(id);
  return out;
}

json ComponentJson(const TransferComponent& c) {
  return {{"min_hu", c.min_hu},
          {"max_hu", c.max_hu},
          {"profile", NameOf(kProfiles, c.profile)},
          {"transition_hu", c.transition_hu},
          {"opacity", c.opacity},
          {"diffuse_start", RgbJson(c.diffuse_start)},
          {"diffuse_end", RgbJson(c.diffuse_end)},
          {"specular_start", RgbJson(c.specular_start)},
          {"specular_end", RgbJson(c.specular_end)},
          {"emissive_start", RgbJson(c.emissive_start)},
          {"emissive_end", RgbJson(c.emissive_end)},
          {"emissive_strength", c.emissive_strength},
          {"roughness", c.roughness},
          {"active_regions", RegionsJson(c.active_regions)}};
}

json TransferJson(const TransferFunction& tf) {
  json components = json::array();
  for (const TransferComponent& c : tf.components) components.push_back(ComponentJson(c));
  return {{"components", std::move(components)},
          {"hidden_regions", RegionsJson(tf.hidden_regions)},
          {"blending", NameOf(kBlendings, tf.blending)},
          {"density_scale", tf.density_scale},
          {"global_opacity", tf.global_opacity},
          {"gradient_scale", tf.gradient_scale}};
}

json OrganJson(const OrganStyle& o) {
  return {{"label", o.label},
          {"visible", o.visible},
          {"color", o.has_color ? RgbJson(o.color) : json(nullptr)},
          {"opacity_scale", o.opacity_scale}};
}

json SliceJson(const SliceView& s) {
  return {{"orientation", NameOf(kOrientations, s.orientation)},
          {"center", VectorJson(s.center)},
          {"center_set", s.center_set},
          {"normal", VectorJson(s.normal)},
          {"up", VectorJson(s.up)},
          {"window_center", s.window_center},
          {"window_width", s.window_width},
          {"label_opacity", s.label_opacity},
          {"zoom", s.zoom}};
}

// ---- Reading ----------------------------------------------------------------------------------
// Each Merge* applies the members present in a JSON object onto an existing struct; lists are
// read whole, their entries merged onto defaults.

void MergeCamera(const json& v, const std::string& path, Camera& c) {
  Object(v, path);
  OnlyFields(v, path, {"name", "eye", "look_at", "up", "field_of_view_deg"});
  Optional(v, path, "name",
           [&](const json& x, const std::string& p) { c.name = StringUpTo(x, p, kMaxNameChars); });
  Optional(v, path, "eye",
           [&](const json& x, const std::string& p) { c.eye = Vector(x, p, kMaxMm, false); });
  Optional(v, path, "look_at",
           [&](const json& x, const std::string& p) { c.look_at = Vector(x, p, kMaxMm, false); });
  Optional(v, path, "up",
           [&](const json& x, const std::string& p) { c.up = Vector(x, p, kMaxMm, true); });
  Optional(v, path, "field_of_view_deg", [&](const json& x, const std::string& p) {
    c.field_of_view_deg = NumberAbove(x, p, 0, 180, /*open_hi=*/true);
  });
  if (c.eye == c.look_at) {
    Fail(path, "eye and look_at must differ, both are " + VectorText(c.eye));
  }
}

template <typename T, typename F>
std::vector<T> List(const json& v, const std::string& path, size_t max_count, F&& merge) {
  Array(v, path);
  if (v.size() > max_count) {
    Fail(path, std::to_string(v.size()) + " entries is more than the " + std::to_string(max_count) +
                   " allowed");
  }
  std::vector<T> out(v.size());
  for (size_t n = 0; n < v.size(); ++n) merge(v[n], At(path, n), out[n]);
  return out;
}

void MergeLight(const json& v, const std::string& path, Light& l) {
  Object(v, path);
  OnlyFields(v, path, {"enable", "direction", "color", "intensity"});
  Optional(v, path, "enable", [&](const json& x, const std::string& p) { l.enable = Bool(x, p); });
  Optional(v, path, "direction",
           [&](const json& x, const std::string& p) { l.direction = Vector(x, p, kMaxMm, true); });
  Optional(v, path, "color", [&](const json& x, const std::string& p) { l.color = Rgb(x, p); });
  Optional(v, path, "intensity", [&](const json& x, const std::string& p) {
    l.intensity = NumberIn(x, p, 0, kMaxIntensity);
  });
}

void MergeBackground(const json& v, const std::string& path, BackgroundLight& b) {
  Object(v, path);
  OnlyFields(v, path, {"enable", "show", "top", "horizon", "bottom", "intensity"});
  Optional(v, path, "enable", [&](const json& x, const std::string& p) { b.enable = Bool(x, p); });
  Optional(v, path, "show", [&](const json& x, const std::string& p) { b.show = Bool(x, p); });
  Optional(v, path, "top", [&](const json& x, const std::string& p) { b.top = Rgb(x, p); });
  Optional(v, path, "horizon", [&](const json& x, const std::string& p) { b.horizon = Rgb(x, p); });
  Optional(v, path, "bottom", [&](const json& x, const std::string& p) { b.bottom = Rgb(x, p); });
  Optional(v, path, "intensity", [&](const json& x, const std::string& p) {
    b.intensity = NumberIn(x, p, 0, kMaxIntensity);
  });
}

void MergeComponent(const json& v, const std::string& path, TransferComponent& c) {
  Object(v, path);
  OnlyFields(v, path,
             {"min_hu", "max_hu", "profile", "transition_hu", "opacity", "diffuse_start",
              "diffuse_end", "specular_start", "specular_end", "emissive_start", "emissive_end",
              "emissive_strength", "roughness", "active_regions"});
  Optional(v, path, "min_hu", [&](const json& x, const std::string& p) {
    c.min_hu = NumberIn(x, p, -kMaxHu, kMaxHu);
  });
  Optional(v, path, "max_hu", [&](const json& x, const std::string& p) {
    c.max_hu = NumberIn(x, p, -kMaxHu, kMaxHu);
  });
  Optional(v, path, "profile", [&](const json& x, const std::string& p) {
    c.profile = Named(kProfiles, x, p, "profile");
  });
  Optional(v, path, "transition_hu", [&](const json& x, const std::string& p) {
    c.transition_hu = NumberIn(x, p, 0, kMaxHu);
  });
  Optional(v, path, "opacity",
           [&](const json& x, const std::string& p) { c.opacity = NumberIn(x, p, 0, 1); });
  const std::pair<const char*, Color*> colours[] = {
      {"diffuse_start", &c.diffuse_start},   {"diffuse_end", &c.diffuse_end},
      {"specular_start", &c.specular_start}, {"specular_end", &c.specular_end},
      {"emissive_start", &c.emissive_start}, {"emissive_end", &c.emissive_end}};
  for (const auto& entry : colours) {
    Color* colour = entry.second;  // not a structured binding: lambdas cannot capture those
    Optional(v, path, entry.first,
             [&](const json& x, const std::string& p) { *colour = Rgb(x, p); });
  }
  Optional(v, path, "emissive_strength", [&](const json& x, const std::string& p) {
    c.emissive_strength = NumberIn(x, p, 0, kMaxEmissive);
  });
  Optional(v, path, "roughness",
           [&](const json& x, const std::string& p) { c.roughness = NumberIn(x, p, 0, 100); });
  Optional(v, path, "active_regions", [&](const json& x, const std::string& p) {
    c.active_regions = RegionIds(x, p, kMaxRegionIds);
  });
  if (c.min_hu > c.max_hu) {
    Fail(Join(path, "min_hu"), "must be <= max_hu (" + Num(c.min_hu) + " > " + Num(c.max_hu) + ")");
  }
}

void MergeTransfer(const json& v, const std::string& path, TransferFunction& tf) {
  Object(v, path);
  OnlyFields(v, path,
             {"components", "hidden_regions", "blending", "density_scale", "global_opacity",
              "gradient_scale"});
  Optional(v, path, "components", [&](const json& x, const std::string& p) {
    tf.components = List<TransferComponent>(x, p, kMaxComponents, MergeComponent);
  });
  Optional(v, path, "hidden_regions", [&](const json& x, const std::string& p) {
    tf.hidden_regions = RegionIds(x, p, kMaxRegionIds);
  });
  Optional(v, path, "blending", [&](const json& x, const std::string& p) {
    tf.blending = Named(kBlendings, x, p, "blending");
  });
  Optional(v, path, "density_scale", [&](const json& x, const std::string& p) {
    tf.density_scale = NumberIn(x, p, 0, kMaxScale);
  });
  Optional(v, path, "global_opacity",
           [&](const json& x, const std::string& p) { tf.global_opacity = NumberIn(x, p, 0, 1); });
  Optional(v, path, "gradient_scale", [&](const json& x, const std::string& p) {
    tf.gradient_scale = NumberIn(x, p, 0, kMaxScale);
  });
}

void MergeOrgan(const json& v, const std::string& path, OrganStyle& o) {
  Optional(v, path, "visible",
           [&](const json& x, const std::string& p) { o.visible = Bool(x, p); });
  Optional(v, path, "color", [&](const json& x, const std::string& p) {
    if (x.is_null()) {
      o.has_color = false;
      o.color = Color{};
      return;
    }
    o.color = Rgb(x, p);
    o.has_color = true;
  });
  Optional(v, path, "opacity_scale",
           [&](const json& x, const std::string& p) { o.opacity_scale = NumberIn(x, p, 0, 1); });
}

// Entries merge by label onto the existing styles (a new label starts from OrganStyle's defaults).
void MergeOrgans(const json& v, const std::string& path, std::vector<OrganStyle>& organs) {
  Array(v, path);
  if (v.size() > kMaxOrgans) {
    Fail(path, std::to_string(v.size()) + " entries is more than the " +
                   std::to_string(kMaxOrgans) + " allowed");
  }
  std::vector<bool> seen(65536, false);
  for (size_t n = 0; n < v.size(); ++n) {
    const json& entry = v[n];
    const std::string p = At(path, n);
    Object(entry, p);
    OnlyFields(entry, p, {"label", "visible", "color", "opacity_scale"});
    const json* label_json = Find(entry, "label");
    if (label_json == nullptr) Fail(p, "missing field \"label\"");
    const auto label = static_cast<uint16_t>(IntegerIn(*label_json, Join(p, "label"), 0, 65535));
    if (seen[label]) Fail(Join(p, "label"), "label " + Num(label) + " appears more than once");
    seen[label] = true;
    OrganStyle* style = nullptr;
    for (OrganStyle& o : organs) {
      if (o.label == label) style = &o;
    }
    if (style == nullptr) {
      organs.push_back(OrganStyle{});
      style = &organs.back();
      style->label = label;
    }
    MergeOrgan(entry, p, *style);
  }
}

void MergeCrop(const json& v, const std::string& path, DataCrop& crop) {
  Object(v, path);
  OnlyFields(v, path, {"min", "max"});
  for (const char* key : {"min", "max"}) {
    std::array<double, 3>& bound = key[1] == 'i' ? crop.min : crop.max;
    Optional(v, path, key, [&](const json& x, const std::string& p) {
      if (!x.is_array() || x.size() != 3) {
        Fail(p, "expected an array of 3 fractions [i, j, k] in 0..1, got " + Shown(x));
      }
      for (size_t a = 0; a < 3; ++a) bound[a] = NumberIn(x[a], At(p, a), 0, 1);
    });
  }
  for (size_t a = 0; a < 3; ++a) {
    if (crop.min[a] > crop.max[a]) {
      Fail(At(Join(path, "min"), a), "must be <= max[" + std::to_string(a) + "] (" +
                                         Num(crop.min[a]) + " > " + Num(crop.max[a]) + ")");
    }
  }
}

void MergeClip(const json& v, const std::string& path, ClipPlane& clip) {
  Object(v, path);
  OnlyFields(v, path, {"enable", "point", "normal"});
  Optional(v, path, "enable",
           [&](const json& x, const std::string& p) { clip.enable = Bool(x, p); });
  Optional(v, path, "point",
           [&](const json& x, const std::string& p) { clip.point = Vector(x, p, kMaxMm, false); });
  Optional(v, path, "normal",
           [&](const json& x, const std::string& p) { clip.normal = Vector(x, p, kMaxMm, true); });
}

void MergeSlice(const json& v, const std::string& path, SliceView& s) {
  Object(v, path);
  OnlyFields(v, path,
             {"orientation", "center", "center_set", "normal", "up", "window_center",
              "window_width", "label_opacity", "zoom"});
  Optional(v, path, "orientation", [&](const json& x, const std::string& p) {
    s.orientation = Named(kOrientations, x, p, "orientation");
  });
  Optional(v, path, "center",
           [&](const json& x, const std::string& p) { s.center = Vector(x, p, kMaxMm, false); });
  Optional(v, path, "center_set",
           [&](const json& x, const std::string& p) { s.center_set = Bool(x, p); });
  Optional(v, path, "normal",
           [&](const json& x, const std::string& p) { s.normal = Vector(x, p, kMaxMm, true); });
  Optional(v, path, "up",
           [&](const json& x, const std::string& p) { s.up = Vector(x, p, kMaxMm, true); });
  Optional(v, path, "window_center", [&](const json& x, const std::string& p) {
    s.window_center = NumberIn(x, p, -kMaxHu, kMaxHu);
  });
  Optional(v, path, "window_width", [&](const json& x, const std::string& p) {
    s.window_width = NumberAbove(x, p, 0, kMaxHu, /*open_hi=*/false);
  });
  Optional(v, path, "label_opacity",
           [&](const json& x, const std::string& p) { s.label_opacity = NumberIn(x, p, 0, 1); });
  Optional(v, path, "zoom",
           [&](const json& x, const std::string& p) { s.zoom = NumberIn(x, p, 0.1, 20); });
}

void Merge(const json& root, RenderSettings& s) {
  Object(root, "");
  OnlyFields(root, "",
             {"camera", "cameras", "lights", "background", "background_color", "ambient",
              "transfer_function", "organs", "crop", "clip", "mode", "slice", "quality",
              "step_voxels", "preset"});
  Optional(root, "", "camera",
           [&](const json& x, const std::string& p) { MergeCamera(x, p, s.camera); });
  Optional(root, "", "cameras", [&](const json& x, const std::string& p) {
    s.cameras = List<Camera>(x, p, kMaxCameras, MergeCamera);
  });
  Optional(root, "", "lights", [&](const json& x, const std::string& p) {
    s.lights = List<Light>(x, p, kMaxLights, MergeLight);
  });
  Optional(root, "", "background",
           [&](const json& x, const std::string& p) { MergeBackground(x, p, s.background); });
  Optional(root, "", "background_color",
           [&](const json& x, const std::string& p) { s.background_color = Rgb(x, p); });
  Optional(root, "", "ambient",
           [&](const json& x, const std::string& p) { s.ambient = NumberIn(x, p, 0, 1); });
  Optional(root, "", "preset", [&](const json& x, const std::string& p) {
    const std::string name = String(x, p);
    const std::optional<TransferFunction> preset = PresetTransferFunction(name);
    if (!preset) {
      Fail(p, "unknown preset " + Shown(x) + " (" + std::string(PresetNames()) + ")");
    }
    s.transfer_function.components = preset->components;
  });
  Optional(root, "", "transfer_function",
           [&](const json& x, const std::string& p) { MergeTransfer(x, p, s.transfer_function); });
  Optional(root, "", "organs",
           [&](const json& x, const std::string& p) { MergeOrgans(x, p, s.organs); });
  Optional(root, "", "crop", [&](const json& x, const std::string& p) { MergeCrop(x, p, s.crop); });
  Optional(root, "", "clip", [&](const json& x, const std::string& p) { MergeClip(x, p, s.clip); });
  Optional(root, "", "mode",
           [&](const json& x, const std::string& p) { s.mode = Named(kModes, x, p, "mode"); });
  Optional(root, "", "slice",
           [&](const json& x, const std::string& p) { MergeSlice(x, p, s.slice); });
  Optional(root, "", "quality", [&](const json& x, const std::string& p) {
    s.quality = Named(kQualities, x, p, "quality");
  });
  Optional(root, "", "step_voxels",
           [&](const json& x, const std::string& p) { s.step_voxels = NumberIn(x, p, 0.25, 4); });
}

}  // namespace

json SettingsToJson(const RenderSettings& s) {
  json cameras = json::array();
  for (const Camera& c : s.cameras) cameras.push_back(CameraJson(c));
  json lights = json::array();
  for (const Light& l : s.lights) {
    lights.push_back({{"enable", l.enable},
                      {"direction", VectorJson(l.direction)},
                      {"color", RgbJson(l.color)},
                      {"intensity", l.intensity}});
  }
  json organs = json::array();
  for (const OrganStyle& o : s.organs) organs.push_back(OrganJson(o));
  const BackgroundLight& b = s.background;
  return {{"camera", CameraJson(s.camera)},
          {"cameras", std::move(cameras)},
          {"lights", std::move(lights)},
          {"background",
           {{"enable", b.enable},
            {"show", b.show},
            {"top", RgbJson(b.top)},
            {"horizon", RgbJson(b.horizon)},
            {"bottom", RgbJson(b.bottom)},
            {"intensity", b.intensity}}},
          {"background_color", RgbJson(s.background_color)},
          {"ambient", s.ambient},
          {"transfer_function", TransferJson(s.transfer_function)},
          {"organs", std::move(organs)},
          {"crop", {{"min", s.crop.min}, {"max", s.crop.max}}},
          {"clip",
           {{"enable", s.clip.enable},
            {"point", VectorJson(s.clip.point)},
            {"normal", VectorJson(s.clip.normal)}}},
          {"mode", NameOf(kModes, s.mode)},
          {"slice", SliceJson(s.slice)},
          {"quality", NameOf(kQualities, s.quality)},
          {"step_voxels", s.step_voxels}};
}

Status ApplySettingsJson(const json& patch, RenderSettings& settings) {
  Expected<RenderSettings> merged = Checked<RenderSettings>("settings", [&] {
    RenderSettings copy = settings;
    Merge(patch, copy);
    return copy;
  });
  if (!merged) return merged.error();
  settings = std::move(merged).value();
  return Ok{};
}

Expected<RenderSettings> SettingsFromJson(const json& object) {
  RenderSettings settings;
  VISCERA_RETURN_IF_ERROR(ApplySettingsJson(object, settings));
  return settings;
}

}  // namespace viscera
