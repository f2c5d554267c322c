#include "service/render_session.h"

#include <nlohmann/json.hpp>
#include <variant>

#include "control/settings_json.h"
#include "render/camera_control.h"
#include "service/api_types.h"

namespace viscera {

namespace {

// Directions expressed in the old camera's frame keep those coordinates in the new one: lights
// stay where they were relative to the viewer as the camera orbits (a studio, not a room).
Vec3 CarryWithCamera(const Vec3& v, const CameraFrame& from, const CameraFrame& to) {
  const double r = Dot(v, from.right), u = Dot(v, from.up), f = Dot(v, from.forward);
  return Add(Add(Scale(to.right, r), Scale(to.up, u)), Scale(to.forward, f));
}

bool IsCameraMove(const SessionAction& action) {
  return std::holds_alternative<OrbitCommand>(action) ||
         std::holds_alternative<PanCommand>(action) ||
         std::holds_alternative<ZoomCommand>(action) || std::holds_alternative<ViewCommand>(action);
}

bool IsSliceMode(RenderMode mode) {
  return mode == RenderMode::kSlice || mode == RenderMode::kSliceSegmentation;
}

}  // namespace

RenderSession::RenderSession(std::string id, std::shared_ptr<const Scene> scene,
                             StartingSettings start, int width, int height)
    : id_(std::move(id)),
      scene_(std::move(scene)),
      settings_(start.settings),
      saved_(start.settings),
      saved_json_(SettingsToJson(saved_)),
      saved_version_(start.version),
      width_(width),
      height_(height),
      input_at_(std::chrono::steady_clock::now()),
      full_due_(input_at_),
      renderer_(scene_->volume),
      progressive_(renderer_) {}

void RenderSession::RequestDraft(int64_t input_id, SteadyTime now) {
  input_id_ = std::max(input_id_, input_id);
  input_at_ = now;
  // Slices are cheap: straight to the full frame.
  if (IsSliceMode(settings_.mode)) {
    full_pending_ = true;
    full_due_ = now;
    return;
  }
  draft_pending_ = true;
  full_pending_ = true;
  full_due_ = now + kRefineDelay;
}

Expected<bool> RenderSession::Apply(const SessionCommand& command, SteadyTime now) {
  std::lock_guard lock(mutex_);
  const SessionAction& action = command.action;
  if (IsCameraMove(action)) {
    const Camera moved = ApplyCameraCommand(action, settings_.camera, *scene_->volume);
    const CameraFrame from = FrameOf(settings_.camera), to = FrameOf(moved);
    for (Light& light : settings_.lights)
      light.direction = CarryWithCamera(light.direction, from, to);
    settings_.camera = moved;
    RequestDraft(command.id, now);
    return false;
  }
  if (const auto* patch = std::get_if<SettingsCommand>(&action)) {
    VISCERA_RETURN_IF_ERROR(ApplySettingsJson(patch->patch, settings_));
    RequestDraft(command.id, now);
    return true;
  }
  if (const auto* resize = std::get_if<ResizeCommand>(&action)) {
    width_ = resize->width;
    height_ = resize->height;
    RequestDraft(command.id, now);
    return true;
  }
  if (std::holds_alternative<StillCommand>(action)) {
    input_id_ = std::max(input_id_, command.id);
    input_at_ = now;
    full_pending_ = true;
    full_due_ = now;
    return false;
  }
  if (std::holds_alternative<ResetCommand>(action)) {
    settings_ = saved_;
    RequestDraft(command.id, now);
    return true;
  }
  if (std::holds_alternative<StateCommand>(action)) return true;
  return MakeError(ErrorCode::kInvalidArgument, "this message is not handled by the session");
}

std::string RenderSession::StateJson() const {
  std::lock_guard lock(mutex_);
  nlohmann::json labels = nlohmann::json::array();
  for (const auto& [label, name] : scene_->label_names) {
    labels.push_back({{"id", label}, {"name", name}});
  }
  nlohmann::json settings = SettingsToJson(settings_);
  const bool modified = settings != saved_json_;
  nlohmann::json state = {{"type", "state"},
                          {"session", id_},
                          {"dataset", scene_->dataset_id},
                          {"width", width_},
                          {"height", height_},
                          {"input_id", input_id_},
                          {"saved_version", saved_version_},
                          {"modified", modified},
                          {"labels", labels},
                          {"settings", std::move(settings)}};
  return JsonText(state);
}

RenderSettings RenderSession::settings() const {
  std::lock_guard lock(mutex_);
  return settings_;
}

void RenderSession::MarkSaved(const RenderSettings& saved, int64_t version) {
  std::lock_guard lock(mutex_);
  saved_ = saved;
  saved_json_ = SettingsToJson(saved_);
  saved_version_ = version;
}

std::optional<FrameJob> RenderSession::TakeWork(SteadyTime now, SteadyTime* next_due) {
  std::lock_guard lock(mutex_);
  if (!draft_pending_ && !(full_pending_ && now >= full_due_)) {
    if (full_pending_ && full_due_ < *next_due) *next_due = full_due_;
    return std::nullopt;
  }
  FrameJob job;
  job.settings = settings_;
  job.width = width_;
  job.height = height_;
  job.input_id = input_id_;
  job.input_at = input_at_;
  job.full = !draft_pending_;
  if (draft_pending_) {
    draft_pending_ = false;
  } else {
    full_pending_ = false;
  }
  return job;
}

RgbImage RenderSession::Render(const FrameJob& job, FrameStats* stats) {
  return job.full ? progressive_.RenderRefined(job.settings, job.width, job.height, stats)
                  : progressive_.RenderInteractive(job.settings, job.width, job.height, stats);
}

void RenderSession::set_peer(std::shared_ptr<WebSocketPeer> peer) {
  std::lock_guard lock(mutex_);
  peer_ = std::move(peer);
}

std::shared_ptr<WebSocketPeer> RenderSession::peer() const {
  std::lock_guard lock(mutex_);
  return peer_;
}

}  // namespace viscera
