#include "render/clara_settings.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <optional>
#include <utility>

#include "io/clara_world.h"
#include "render/json_checks.h"

namespace viscera {
namespace {

using nlohmann::json;

// ---- Reading ----------------------------------------------------------------------------------
// A field that is wrong throws json_checks::FieldError inside the parser only (it keeps each check
// a line long); the one entry point turns it into an Error, so no exception leaves this file.
// Magnitudes beyond json_checks::kLargest are refused: they would overflow when scaled to
// millimetres and no real setting comes near them.
using json_checks::Array;
using json_checks::At;
using json_checks::Fail;
using json_checks::FieldError;
using json_checks::Find;
using json_checks::Join;
using json_checks::kLargest;
using json_checks::Named;
using json_checks::NameOf;
using json_checks::Names;
using json_checks::Num;
using json_checks::Number;
using json_checks::NumberAbove;
using json_checks::NumberIn;
using json_checks::Object;
using json_checks::Optional;
using json_checks::Shown;
using json_checks::String;

double NonNegative(const json& v, const std::string& path) {
  const double x = Number(v, path);
  if (x < 0) Fail(path, Shown(v) + " is negative");
  return x;
}

// Clara Viz's booleans or Clara Deploy's SWITCH_ENABLE / SWITCH_DISABLE.
bool Switch(const json& v, const std::string& path) {
  if (v.is_boolean()) return v.get<bool>();
  if (v == "SWITCH_ENABLE") return true;
  if (v == "SWITCH_DISABLE") return false;
  Fail(path, "expected true/false or \"SWITCH_ENABLE\"/\"SWITCH_DISABLE\", got " + Shown(v));
}

Vec3 Xyz(const json& v, const std::string& path) {
  Object(v, path);
  Vec3 out{};
  const char* keys[3] = {"x", "y", "z"};
  for (int a = 0; a < 3; ++a) {
    const json* c = Find(v, keys[a]);
    if (c == nullptr) Fail(path, "missing \"" + std::string(keys[a]) + "\" in " + Shown(v));
    out[a] = Number(*c, Join(path, keys[a]));
  }
  return out;
}

Color Rgb(const json& v, const std::string& path) {
  const Vec3 c = Xyz(v, path);
  for (double x : c) {
    if (x < 0) Fail(path, "negative colour " + Shown(v));
  }
  return {static_cast<float>(c[0]), static_cast<float>(c[1]), static_cast<float>(c[2])};
}

// Clara sets no limit on how many region ids a list holds (the file's size bounds it).
constexpr size_t kAnyCount = std::numeric_limits<size_t>::max();

// Clara's names for enumerations, read and written through one table each: reading accepts every
// name of a value, writing uses its first.
constexpr Names<RenderMode> kModes = {
    {"CINEMATIC", RenderMode::kComposite},
    {"SLICE", RenderMode::kSlice},
    {"TWOD", RenderMode::kSlice},
    {"SLICE_SEGMENTATION", RenderMode::kSliceSegmentation},
    {"MAXIMUM_INTENSITY_PROJECTION", RenderMode::kMaximumIntensity},  // Viscera's, not Clara's
    {"MIP", RenderMode::kMaximumIntensity}};
constexpr Names<OpacityProfile> kProfiles = {{"SQUARE", OpacityProfile::kSquare},
                                             {"TRIANGLE", OpacityProfile::kTriangle},
                                             {"SINE", OpacityProfile::kSine},
                                             {"TRAPEZIOD", OpacityProfile::kTrapezoid},  // sic
                                             {"TRAPEZOID", OpacityProfile::kTrapezoid}};
constexpr Names<BlendingProfile> kBlendings = {
    {"MAXIMUM_OPACITY", BlendingProfile::kMaximumOpacity},
    {"BLENDED_OPACITY", BlendingProfile::kBlendedOpacity}};

class SettingsReader {
 public:
  SettingsReader(const Geometry& geometry, double min_hu, double max_hu)
      : world_(geometry), density_{min_hu, max_hu} {}

  RenderSettings Read(const json& root) {
    Object(root, "(top level)");
    RenderSettings s;
    ReadCameras(root, s);
    ReadLights(root, s);
    Optional(root, "", "BackgroundLight",
             [&](const json& v, const std::string& p) { s.background = Background(v, p); });
    Optional(root, "", "DataCrop",
             [&](const json& v, const std::string& p) { s.crop = Crop(v, p); });
    Optional(root, "", "TransferFunction",
             [&](const json& v, const std::string& p) { s.transfer_function = Transfer(v, p); });
    Optional(root, "", "RenderSettings", [&](const json& v, const std::string& p) {
      Object(v, p);
      Optional(v, p, "stepSize", [&](const json& x, const std::string& q) {
        s.step_voxels = Number(x, q);
        if (s.step_voxels <= 0) Fail(q, Shown(x) + " is not positive");
      });
    });
    return s;
  }

 private:
  Camera ReadCamera(const json& v, const std::string& path) const {
    Object(v, path);
    Camera c;
    Optional(v, path, "name", [&](const json& x, const std::string& p) { c.name = String(x, p); });
    Optional(v, path, "eye",
             [&](const json& x, const std::string& p) { c.eye = world_.ToLps(Xyz(x, p)); });
    Optional(v, path, "lookAt",
             [&](const json& x, const std::string& p) { c.look_at = world_.ToLps(Xyz(x, p)); });
    Optional(v, path, "up",
             [&](const json& x, const std::string& p) { c.up = world_.DirectionToLps(Xyz(x, p)); });
    Optional(v, path, "fieldOfView", [&](const json& x, const std::string& p) {
      c.field_of_view_deg = NumberAbove(x, p, 0, 180, /*open_hi=*/true);
    });
    return c;
  }

  void ReadCameras(const json& root, RenderSettings& s) const {
    std::optional<Camera> single;
    Optional(root, "", "Camera",
             [&](const json& v, const std::string& p) { single = ReadCamera(v, p); });
    Optional(root, "", "Cameras", [&](const json& v, const std::string& p) {
      Array(v, p);
      for (size_t n = 0; n < v.size(); ++n) s.cameras.push_back(ReadCamera(v[n], At(p, n)));
    });
    if (s.cameras.empty() && single) s.cameras.push_back(*single);

    // The view: Views[0] (Clara Viz) or View (Clara Deploy).
    const json* view = nullptr;
    std::string view_path;
    if (const json* views = Find(root, "Views")) {
      Array(*views, "Views");
      if (!views->empty()) {
        view = &(*views)[0];
        view_path = "Views[0]";
      }
    } else if ((view = Find(root, "View")) != nullptr) {
      view_path = "View";
    }
    std::optional<std::string> camera_name;
    if (view != nullptr) {
      Object(*view, view_path);
      Optional(*view, view_path, "mode", [&](const json& v, const std::string& p) {
        s.mode = Named(kModes, v, p, "view mode");
      });
      Optional(*view, view_path, "cameraName",
               [&](const json& v, const std::string& p) { camera_name = String(v, p); });
    }

    if (camera_name) {
      for (const Camera& c : s.cameras) {
        if (c.name == *camera_name) {
          s.camera = c;
          return;
        }
      }
      if (!single) {
        Fail(Join(view_path, "cameraName"), "no camera named " + Shown(json(*camera_name)));
      }
    }
    if (single) {
      s.camera = *single;
    } else if (!s.cameras.empty()) {
      s.camera = s.cameras.front();
    }
  }

  // Lights: directional, so only direction, colour and intensity matter. A light without
  // `enable` is taken as on (it was listed to shine); disabled ones are dropped.
  void ReadLights(const json& root, RenderSettings& s) const {
    const std::string path = root.contains("Lights") ? "Lights" : "Light";  // Clara Viz's first
    const json* lights = Find(root, path.c_str());
    if (lights == nullptr) return;
    s.lights.clear();
    auto read = [&](const json& v, const std::string& p) {
      Object(v, p);
      Light light;
      Optional(v, p, "enable",
               [&](const json& x, const std::string& q) { light.enable = Switch(x, q); });
      Optional(v, p, "direction", [&](const json& x, const std::string& q) {
        light.direction = world_.DirectionToLps(Xyz(x, q));
      });
      Optional(v, p, "color",
               [&](const json& x, const std::string& q) { light.color = Rgb(x, q); });
      Optional(v, p, "intensity",
               [&](const json& x, const std::string& q) { light.intensity = NonNegative(x, q); });
      if (light.enable) s.lights.push_back(light);
    };
    if (lights->is_object()) {  // a lone light where an array is expected: accepted
      read(*lights, path);
      return;
    }
    Array(*lights, path);
    for (size_t n = 0; n < lights->size(); ++n) read((*lights)[n], At(path, n));
  }

  static BackgroundLight Background(const json& v, const std::string& path) {
    Object(v, path);
    BackgroundLight b;
    Optional(v, path, "enable",
             [&](const json& x, const std::string& p) { b.enable = Switch(x, p); });
    Optional(v, path, "show", [&](const json& x, const std::string& p) { b.show = Switch(x, p); });
    Optional(v, path, "topColor", [&](const json& x, const std::string& p) { b.top = Rgb(x, p); });
    Optional(v, path, "horizonColor",
             [&](const json& x, const std::string& p) { b.horizon = Rgb(x, p); });
    Optional(v, path, "bottomColor",
             [&](const json& x, const std::string& p) { b.bottom = Rgb(x, p); });
    Optional(v, path, "intensity",
             [&](const json& x, const std::string& p) { b.intensity = NonNegative(x, p); });
    return b;
  }

  // Normalised {min, max}, each bound in 0..1 when `unit`, min <= max.
  static std::pair<double, double> Limits(const json& v, const std::string& path, bool unit) {
    Object(v, path);
    const double lo_bound = unit ? 0 : -kLargest, hi_bound = unit ? 1 : kLargest;
    double lo = 0, hi = 1;
    Optional(v, path, "min",
             [&](const json& x, const std::string& p) { lo = NumberIn(x, p, lo_bound, hi_bound); });
    Optional(v, path, "max",
             [&](const json& x, const std::string& p) { hi = NumberIn(x, p, lo_bound, hi_bound); });
    if (lo > hi) Fail(path, "min " + Num(lo) + " > max " + Num(hi));
    return {lo, hi};
  }

  // limits: [D, X, Y, Z], or [] for no crop.
  static DataCrop Crop(const json& v, const std::string& path) {
    Object(v, path);
    DataCrop crop;
    Optional(v, path, "limits", [&](const json& limits, const std::string& p) {
      Array(limits, p);
      if (limits.empty()) return;
      if (limits.size() != 4) {
        Fail(p, "expected 4 limits (D, X, Y, Z), got " + std::to_string(limits.size()));
      }
      for (size_t n = 0; n < 4; ++n) {
        const auto [lo, hi] = Limits(limits[n], At(p, n), /*unit=*/true);
        if (n == 0) continue;  // the density axis is not a crop
        crop.min[n - 1] = lo;
        crop.max[n - 1] = hi;
      }
    });
    return crop;
  }

  TransferComponent Component(const json& v, const std::string& path) const {
    Object(v, path);
    TransferComponent c;
    // Without a range a component covers the whole density.
    c.min_hu = density_.ToHu(0);
    c.max_hu = density_.ToHu(1);
    Optional(v, path, "range", [&](const json& x, const std::string& p) {
      const auto [lo, hi] = Limits(x, p, /*unit=*/false);
      c.min_hu = density_.ToHu(lo);
      c.max_hu = density_.ToHu(hi);
    });
    Optional(v, path, "activeRegions", [&](const json& x, const std::string& p) {
      c.active_regions = json_checks::RegionIds(x, p, kAnyCount);
    });
    Optional(v, path, "opacityProfile", [&](const json& x, const std::string& p) {
      c.profile = Named(kProfiles, x, p, "profile");
    });
    Optional(v, path, "opacityTransition", [&](const json& x, const std::string& p) {
      c.transition_hu = density_.WidthToHu(NonNegative(x, p));
    });
    Optional(v, path, "opacity",
             [&](const json& x, const std::string& p) { c.opacity = NumberIn(x, p, 0, 1); });
    const std::pair<const char*, Color*> colours[] = {
        {"diffuseStart", &c.diffuse_start},   {"diffuseEnd", &c.diffuse_end},
        {"specularStart", &c.specular_start}, {"specularEnd", &c.specular_end},
        {"emissiveStart", &c.emissive_start}, {"emissiveEnd", &c.emissive_end}};
    for (const auto& entry : colours) {
      Color* colour = entry.second;  // not a structured binding: lambdas cannot capture those
      Optional(v, path, entry.first,
               [&](const json& x, const std::string& p) { *colour = Rgb(x, p); });
    }
    Optional(v, path, "emissiveStrength",
             [&](const json& x, const std::string& p) { c.emissive_strength = NonNegative(x, p); });
    Optional(v, path, "roughness",
             [&](const json& x, const std::string& p) { c.roughness = NumberIn(x, p, 0, 100); });
    return c;
  }

  TransferFunction Transfer(const json& v, const std::string& path) const {
    Object(v, path);
    TransferFunction tf;
    Optional(v, path, "components", [&](const json& x, const std::string& p) {
      Array(x, p);
      for (size_t n = 0; n < x.size(); ++n) tf.components.push_back(Component(x[n], At(p, n)));
    });
    Optional(v, path, "hiddenRegions", [&](const json& x, const std::string& p) {
      tf.hidden_regions = json_checks::RegionIds(x, p, kAnyCount);
    });
    Optional(v, path, "blendingProfile", [&](const json& x, const std::string& p) {
      tf.blending = Named(kBlendings, x, p, "blending profile");
    });
    Optional(v, path, "densityScale",
             [&](const json& x, const std::string& p) { tf.density_scale = NonNegative(x, p); });
    Optional(v, path, "globalOpacity", [&](const json& x, const std::string& p) {
      tf.global_opacity = NumberIn(x, p, 0, 1);
    });
    Optional(v, path, "gradientScale",
             [&](const json& x, const std::string& p) { tf.gradient_scale = NonNegative(x, p); });
    return tf;
  }

  ClaraWorld world_;
  ClaraDensity density_;
};

// ---- Writing ----------------------------------------------------------------------------------
json Xyz(const Vec3& v) {
  return {{"x", v[0]}, {"y", v[1]}, {"z", v[2]}};
}

json Rgb(const Color& c) {
  return Xyz({c.r, c.g, c.b});
}

json CameraJson(const Camera& c, const ClaraWorld& world) {
  return {{"eye", Xyz(world.FromLps(c.eye))},
          {"fieldOfView", c.field_of_view_deg},
          {"lookAt", Xyz(world.FromLps(c.look_at))},
          {"name", c.name},
          {"pixelAspectRatio", 1},
          {"up", Xyz(world.DirectionFromLps(c.up))}};
}

json ComponentJson(const TransferComponent& c, const ClaraDensity& density) {
  return {{"activeRegions", c.active_regions},
          {"diffuseEnd", Rgb(c.diffuse_end)},
          {"diffuseStart", Rgb(c.diffuse_start)},
          {"emissiveEnd", Rgb(c.emissive_end)},
          {"emissiveStart", Rgb(c.emissive_start)},
          {"emissiveStrength", c.emissive_strength},
          {"opacity", c.opacity},
          {"opacityProfile", NameOf(kProfiles, c.profile)},
          {"opacityTransition", density.WidthFromHu(c.transition_hu)},
          {"range", {{"max", density.Normalise(c.max_hu)}, {"min", density.Normalise(c.min_hu)}}},
          {"roughness", c.roughness},
          {"specularEnd", Rgb(c.specular_end)},
          {"specularStart", Rgb(c.specular_start)}};
}

}  // namespace

Expected<RenderSettings> ParseClaraRenderSettings(std::string_view json_text,
                                                  const Geometry& geometry, double min_hu,
                                                  double max_hu, const std::string& what) {
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::exception& e) {
    // Syntax errors say where; the other parse failure (a number overflowing a double) names it.
    std::string message = what;
    message += ": not valid JSON";
    if (const auto* syntax = dynamic_cast<const json::parse_error*>(&e)) {
      message += " at byte ";
      message += std::to_string(syntax->byte);
    }
    message += ": ";
    message += e.what();
    return MakeError(ErrorCode::kCorruptData, std::move(message));
  }
  try {
    return SettingsReader(geometry, min_hu, max_hu).Read(root);
  } catch (const FieldError& e) {
    return MakeError(ErrorCode::kInvalidArgument,
                     what + ": " + json_checks::Message(e.path, e.problem));
  } catch (const json::exception& e) {  // a type check missed above: still an input error
    return MakeError(ErrorCode::kInvalidArgument, what + ": " + e.what());
  }
}

std::string WriteClaraRenderSettings(const RenderSettings& settings, const Geometry& geometry,
                                     double min_hu, double max_hu) {
  const ClaraWorld world(geometry);
  const ClaraDensity density{min_hu, max_hu};

  // The current camera replaces the listed one of its name, or joins the list.
  json cameras = json::array();
  bool current_listed = false;
  for (const Camera& c : settings.cameras) {
    const bool current = c.name == settings.camera.name;
    if (current && current_listed) continue;  // one camera per name
    cameras.push_back(CameraJson(current ? settings.camera : c, world));
    current_listed = current_listed || current;
  }
  if (!current_listed) cameras.push_back(CameraJson(settings.camera, world));

  json lights = json::array();
  for (const Light& l : settings.lights) {
    lights.push_back({{"color", Rgb(l.color)},
                      {"direction", Xyz(world.DirectionFromLps(l.direction))},
                      {"enable", l.enable},
                      {"intensity", l.intensity}});
  }

  json limits = json::array({{{"max", 1}, {"min", 0}}});  // D: the whole density
  for (int a = 0; a < 3; ++a) {
    limits.push_back({{"max", settings.crop.max[a]}, {"min", settings.crop.min[a]}});
  }

  const TransferFunction& tf = settings.transfer_function;
  json components = json::array();
  for (const TransferComponent& c : tf.components) components.push_back(ComponentJson(c, density));

  const BackgroundLight& bg = settings.background;
  const json root = {{"BackgroundLight",
                      {{"bottomColor", Rgb(bg.bottom)},
                       {"enable", bg.enable},
                       {"horizonColor", Rgb(bg.horizon)},
                       {"intensity", bg.intensity},
                       {"show", bg.show},
                       {"topColor", Rgb(bg.top)}}},
                     {"Cameras", std::move(cameras)},
                     {"DataCrop", {{"limits", std::move(limits)}}},
                     {"Lights", std::move(lights)},
                     {"RenderSettings", {{"stepSize", settings.step_voxels}}},
                     {"TransferFunction",
                      {{"blendingProfile", NameOf(kBlendings, tf.blending)},
                       {"components", std::move(components)},
                       {"densityScale", tf.density_scale},
                       {"globalOpacity", tf.global_opacity},
                       {"gradientScale", tf.gradient_scale},
                       {"hiddenRegions", tf.hidden_regions},
                       {"shadingProfile", "HYBRID"}}},
                     {"Views", json::array({{{"cameraName", settings.camera.name},
                                             {"mode", NameOf(kModes, settings.mode)}}})}};
  return root.dump(4) + "\n";
}

}  // namespace viscera
