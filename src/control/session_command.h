// The messages a render-session client sends over its WebSocket, parsed and range-checked here
// before anything reaches the session's state or the render thread. One JSON object per text
// message, its "type" naming the command and "id" (optional, default 0) the client's input id,
// echoed in the frames that show its effect:
//   {"type": "orbit", "id": 7, "yaw_deg": 5, "pitch_deg": 0}    degrees, each -360..360
//   {"type": "pan", "dx_mm": 10, "dy_mm": -4}                   mm in the image plane, +-10000
//   {"type": "zoom", "factor": 1.25}                             0.05..20; 2 halves the distance
//   {"type": "view", "view": "left"}                             anterior, posterior, left, ...
//   {"type": "settings", "patch": {...}}                         settings_json.h's form
//   {"type": "resize", "width": 640, "height": 480}              pixels, 16..4096 each
//   {"type": "still"}                                            a full-quality frame now
//   {"type": "save", "note": "..."}                              note up to 500 characters
//   {"type": "reset"}                                            the dataset's saved settings
//   {"type": "state"}                                            send the current state
// Voice and text commands (voice/dialog_manager.h; the socket answers with "reply"):
//   {"type": "query", "id": 9, "text": "hide the liver"}         up to 500 characters
//   {"type": "listen", "id": 9, "sample_rate": 16000}            binary messages follow: 16 kHz
//                                                                mono 16-bit little-endian PCM
//   {"type": "listen_end"}                                       the user stopped speaking
//   {"type": "voice", "spoken_replies": false}                   replies as text only
// Numbers left out take the defaults below; fields a type does not have are refused.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "core/expected.h"
#include "render/camera_control.h"
#include "render/render_settings.h"

namespace viscera {

class RenderVolume;

constexpr size_t kMaxSessionMessageBytes = 64 * 1024;
// Input ids are what JavaScript counts exactly (2^53 - 1).
constexpr int64_t kMaxSessionInputId = (int64_t{1} << 53) - 1;
constexpr size_t kMaxSaveNoteChars = 500;
constexpr size_t kMaxQueryChars = 500;
constexpr int kListenSampleRate = 16000;  // the only rate the recogniser takes

struct OrbitCommand {
  double yaw_deg = 0, pitch_deg = 0;  // each -360..360
};
struct PanCommand {
  double dx_mm = 0, dy_mm = 0;  // each -10000..10000
};
struct ZoomCommand {
  double factor = 1;  // 0.05..20
};
struct ViewCommand {
  AnatomicalView view = AnatomicalView::kAnterior;
};
// Checked to be an object only: ApplySettingsJson validates it against the session's settings.
struct SettingsCommand {
  nlohmann::json patch;
};
struct ResizeCommand {
  int width = 512, height = 512;  // 16..4096 each
};
struct StillCommand {};  // render a full-quality frame now
struct SaveCommand {
  std::string note;  // at most kMaxSaveNoteChars characters
};
struct ResetCommand {};  // back to the dataset's saved (or default) settings
struct StateCommand {};  // send the current state
struct QueryCommand {
  std::string text;  // a typed (or otherwise transcribed) sentence, 1..kMaxQueryChars
};
struct ListenCommand {
  int sample_rate = kListenSampleRate;
};
struct ListenEndCommand {};
struct VoiceCommand {
  bool spoken_replies = true;
};

using SessionAction =
    std::variant<OrbitCommand, PanCommand, ZoomCommand, ViewCommand, SettingsCommand, ResizeCommand,
                 StillCommand, SaveCommand, ResetCommand, StateCommand, QueryCommand, ListenCommand,
                 ListenEndCommand, VoiceCommand>;

struct SessionCommand {
  int64_t id = 0;  // the client's input id, 0..kMaxSessionInputId, echoed in frames
  SessionAction action;
};

// The "type" of an action: "orbit", "pan", ...
const char* SessionActionName(const SessionAction& action);

// Parses one text message. Errors: kTooLarge for text longer than kMaxSessionMessageBytes;
// kCorruptData for text that is not JSON ("not JSON at byte 3: ..."); kInvalidArgument naming the
// field, range and value ("zoom.factor: 0 is outside 0.05..20", "unknown message type \"fly\"
// (orbit, pan, ...)", "orbit: unknown field \"yaw\" (type, id, yaw_deg, pitch_deg)").
Expected<SessionCommand> ParseSessionCommand(std::string_view text);

// The camera after a camera-moving action: orbit, pan and zoom move `camera` (render/
// camera_control.h's Orbit, Pan, Zoom); view puts it on that side of `volume`, keeping its field
// of view (AnatomicalCamera). Other actions return `camera` unchanged.
Camera ApplyCameraCommand(const SessionAction& action, const Camera& camera,
                          const RenderVolume& volume);

}  // namespace viscera
