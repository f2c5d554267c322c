// One client's view of a dataset: its render settings (camera, transfer function, organs, lights,
// crop, mode), frame size and what frame it needs next. Commands arrive from the network thread
// (Apply, quick: validation and bookkeeping only); the render thread takes the work (TakeWork) and
// renders with the session's own renderer on the shared volume.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "control/session_command.h"
#include "render/volume_renderer.h"
#include "service/scene_source.h"

namespace viscera {

class WebSocketPeer;
using SteadyTime = std::chrono::steady_clock::time_point;

// How long input must pause before the full-quality frame replaces the drafts.
inline constexpr std::chrono::milliseconds kRefineDelay{150};

struct FrameJob {
  RenderSettings settings;
  int width = 0, height = 0;
  int64_t input_id = 0;
  SteadyTime input_at;  // when the newest input this frame reflects arrived
  bool full = false;    // full quality (else a progressive draft)
};

class RenderSession {
 public:
  RenderSession(std::string id, std::shared_ptr<const Scene> scene, StartingSettings start,
                int width, int height);

  const std::string& id() const { return id_; }
  const Scene& scene() const { return *scene_; }

  // Applies a command (not Save: the caller runs that off the network thread and reports back via
  // MarkSaved). Errors name the field; the settings are unchanged then. Returns whether the
  // state message should be sent (settings other than the camera changed).
  Expected<bool> Apply(const SessionCommand& command, SteadyTime now);

  // The JSON state sent to the client: settings, size, saved version, "modified" (the view differs
  // from the saved settings: Clara's update semantics), labels.
  std::string StateJson() const;
  RenderSettings settings() const;
  void MarkSaved(const RenderSettings& saved, int64_t version);

  // For the render thread. When work is pending returns it (and clears it); otherwise nullopt with
  // *next_due set to when a refinement becomes due (or unchanged when nothing is pending).
  std::optional<FrameJob> TakeWork(SteadyTime now, SteadyTime* next_due);
  // Render thread only.
  RgbImage Render(const FrameJob& job, FrameStats* stats);
  int64_t NextSequence() { return ++sequence_; }

  void set_peer(std::shared_ptr<WebSocketPeer> peer);
  std::shared_ptr<WebSocketPeer> peer() const;

 private:
  void RequestDraft(int64_t input_id, SteadyTime now);

  const std::string id_;
  const std::shared_ptr<const Scene> scene_;
  mutable std::mutex mutex_;
  RenderSettings settings_;
  RenderSettings saved_;
  nlohmann::json saved_json_;  // SettingsToJson(saved_), for "modified"
  int64_t saved_version_ = 0;
  int width_, height_;
  int64_t input_id_ = 0;
  SteadyTime input_at_;
  bool draft_pending_ = false;
  bool full_pending_ = true;  // the first frame
  SteadyTime full_due_;
  std::shared_ptr<WebSocketPeer> peer_;
  // Render thread only.
  VolumeRenderer renderer_;
  ProgressiveRenderer progressive_;
  int64_t sequence_ = 0;
};

}  // namespace viscera
