#include "voice/voice_actions.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "render/camera_control.h"
#include "render/render_volume.h"
#include "render/slice_renderer.h"

namespace viscera {

namespace {

double Param(const IntentDefinition* intent, const char* key, double fallback) {
  if (intent && intent->params.contains(key) && intent->params.at(key).is_number())
    return intent->params.at(key).get<double>();
  return fallback;
}

double SlotNumber(const IntentMatch& match, const char* slot, double fallback) {
  if (match.slots.contains(slot) && match.slots.at(slot).is_number())
    return match.slots.at(slot).get<double>();
  return fallback;
}

std::string SlotText(const IntentMatch& match, const char* slot, const std::string& fallback) {
  if (match.slots.contains(slot) && match.slots.at(slot).is_string())
    return match.slots.at(slot).get<std::string>();
  return fallback;
}

std::set<int> SlotLabels(const IntentMatch& match) {
  std::set<int> labels;
  if (!match.slots.contains("structures")) return labels;
  for (const auto& s : match.slots.at("structures")) labels.insert(s.at("label").get<int>());
  return labels;
}

SettingsCommand OrganPatch(const std::map<int, std::string>& label_names,
                           const std::function<nlohmann::json(int)>& style_of) {
  nlohmann::json organs = nlohmann::json::array();
  for (const auto& [label, name] : label_names) {
    if (label == 0) continue;
    nlohmann::json style = style_of(label);
    if (style.is_null()) continue;
    style["label"] = label;
    organs.push_back(std::move(style));
  }
  return SettingsCommand{nlohmann::json{{"organs", std::move(organs)}}};
}

bool IsSliceMode(RenderMode mode) {
  return mode == RenderMode::kSlice || mode == RenderMode::kSliceSegmentation;
}

// One voxel along the slice's normal, in mm: where the next slice lies.
SettingsCommand SliceStep(const RenderSettings& settings, const RenderVolume& volume, int steps) {
  SliceView view = settings.slice;
  nlohmann::json patch = nlohmann::json::object();
  if (!IsSliceMode(settings.mode)) {
    view.orientation = SliceOrientation::kAxial;
    patch["mode"] = "slice-segmentation";
    patch["slice"]["orientation"] = "axial";
  }
  const Geometry& g = volume.geometry();
  const Vec3 normal = SliceAxesOf(view).normal;
  Mat3 linear;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) linear.m[r][c] = g.direction.m[r][c] * g.spacing[c];
  const Vec3 index_per_mm = Times(Inverse(linear), normal);
  const double voxels_per_mm =
      std::max({std::abs(index_per_mm[0]), std::abs(index_per_mm[1]), std::abs(index_per_mm[2])});
  const double step_mm = voxels_per_mm > 0 ? 1 / voxels_per_mm : 1;
  const Vec3 center = view.center_set ? view.center : volume.CenterLps();
  const Vec3 moved = Add(center, Scale(normal, step_mm * steps));
  patch["slice"]["center"] = {moved[0], moved[1], moved[2]};
  patch["slice"]["center_set"] = true;
  return SettingsCommand{std::move(patch)};
}

}  // namespace

Expected<VoicePlan> PlanVoiceActions(const IntentMatch& match, const RenderSettings& settings,
                                     const RenderVolume& volume,
                                     const std::map<int, std::string>& label_names) {
  VoicePlan plan;
  if (match.needs_confirmation || match.intent == "unknown") return plan;
  const std::string& action = match.action;
  const IntentDefinition* intent = match.definition;
  const double amount = SlotNumber(match, "amount", 1);

  if (action == "zoom") {
    const double factor = std::pow(Param(intent, "factor", 1.25), amount);
    plan.actions.push_back(ZoomCommand{std::clamp(factor, 0.05, 20.0)});
  } else if (action == "pan") {
    const double mm = SlotNumber(match, "number", Param(intent, "distance_mm", 25) * amount);
    const std::string direction = SlotText(match, "direction", "left");
    PanCommand pan;
    if (direction == "left") pan.dx_mm = -mm;
    if (direction == "right") pan.dx_mm = mm;
    if (direction == "up") pan.dy_mm = mm;
    if (direction == "down") pan.dy_mm = -mm;
    plan.actions.push_back(pan);
  } else if (action == "orbit") {
    double degrees = SlotNumber(match, "number", Param(intent, "angle_deg", 15) * amount);
    degrees = std::clamp(degrees, -360.0, 360.0);
    const std::string direction = SlotText(match, "direction", "right");
    OrbitCommand orbit;
    if (direction == "left") orbit.yaw_deg = -degrees;
    if (direction == "right") orbit.yaw_deg = degrees;
    if (direction == "up") orbit.pitch_deg = degrees;
    if (direction == "down") orbit.pitch_deg = -degrees;
    plan.actions.push_back(orbit);
  } else if (action == "view") {
    auto view = ParseAnatomicalView(SlotText(match, "view", "anterior"));
    if (!view) return MakeError(ErrorCode::kInvalidArgument, "unknown view in " + match.query);
    if (IsSliceMode(settings.mode))
      plan.actions.push_back(SettingsCommand{{{"mode", "composite"}}});
    plan.actions.push_back(ViewCommand{*view});
  } else if (action == "hide" || action == "show" || action == "isolate") {
    const std::set<int> named = SlotLabels(match);
    plan.actions.push_back(OrganPatch(label_names, [&](int label) -> nlohmann::json {
      const bool in = named.contains(label);
      if (action == "isolate") return {{"visible", in}};
      if (!in) return nullptr;
      return {{"visible", action == "show"}};
    }));
  } else if (action == "opacity") {
    const std::set<int> named = SlotLabels(match);
    const double opacity = std::clamp(Param(intent, "opacity", 0.3), 0.0, 1.0);
    plan.actions.push_back(OrganPatch(label_names, [&](int label) -> nlohmann::json {
      if (!named.contains(label)) return nullptr;
      return {{"visible", true}, {"opacity_scale", opacity}};
    }));
  } else if (action == "show_all" || action == "hide_all") {
    plan.actions.push_back(OrganPatch(label_names, [&](int) -> nlohmann::json {
      return {{"visible", action == "show_all"}};
    }));
  } else if (action == "preset") {
    nlohmann::json patch = {{"preset", SlotText(match, "preset", "soft-tissue")}};
    if (IsSliceMode(settings.mode)) patch["mode"] = "composite";
    plan.actions.push_back(SettingsCommand{std::move(patch)});
  } else if (action == "slice_view") {
    plan.actions.push_back(
        SettingsCommand{{{"mode", "slice-segmentation"},
                         {"slice", {{"orientation", SlotText(match, "orientation", "axial")}}}}});
  } else if (action == "volume_view") {
    plan.actions.push_back(SettingsCommand{{{"mode", "composite"}}});
  } else if (action == "slice_step") {
    const int steps = static_cast<int>(
        std::lround(Param(intent, "step", 1) * std::max(1.0, SlotNumber(match, "number", 1))));
    plan.actions.push_back(SliceStep(settings, volume, steps));
  } else if (action == "reset") {
    plan.actions.push_back(ResetCommand{});
  } else if (action == "save") {
    plan.save = true;
  } else if (action == "next_dataset") {
    plan.navigate = 1;
  } else if (action == "previous_dataset") {
    plan.navigate = -1;
  } else if (action != "help" && action != "confirm" && action != "deny") {
    return MakeError(ErrorCode::kInvalidArgument,
                     "intent \"" + match.intent + "\" names the unknown action \"" + action + "\"");
  }
  return plan;
}

IntentMatch Conversation::Resolve(IntentMatch heard) {
  if (heard.action == "confirm" && pending_) {
    IntentMatch confirmed = std::move(*pending_);
    pending_.reset();
    confirmed.needs_confirmation = false;
    confirmed.query = heard.query;
    confirmed.reply = confirmed.confirmed_reply;
    return confirmed;
  }
  if (heard.action == "confirm") {
    heard.reply = "There is nothing waiting for a yes.";
    return heard;
  }
  if (heard.action == "deny") pending_.reset();
  if (heard.needs_confirmation) {
    pending_ = heard;
  } else if (heard.intent != "unknown") {
    pending_.reset();
  }
  return heard;
}

}  // namespace viscera
