#include "control/session_command.h"

#include <iterator>
#include <optional>
#include <string>
#include <utility>

#include "render/json_checks.h"
#include "render/render_volume.h"

namespace viscera {
namespace {

using namespace json_checks;  // NOLINT(google-build-using-namespace): the shared JSON checks

constexpr double kMaxOrbitDeg = 360;
constexpr double kMaxPanMm = 10000;
constexpr double kMinZoom = 0.05, kMaxZoom = 20;
constexpr int kMinImageSide = 16, kMaxImageSide = 4096;

// In the order of SessionAction's alternatives.
constexpr const char* kTypes[] = {"orbit",  "pan",    "zoom",       "view",  "settings",
                                  "resize", "still",  "save",       "reset", "state",
                                  "query",  "listen", "listen_end", "voice"};
static_assert(std::size(kTypes) == std::variant_size_v<SessionAction>);

// A member that defaults when absent.
double NumberOr(const json& v, const std::string& type, const char* key, double lo, double hi,
                double fallback) {
  const json* x = Find(v, key);
  return x == nullptr ? fallback : NumberIn(*x, Join(type, key), lo, hi);
}

const json& Required(const json& v, const std::string& type, const char* key) {
  const json* x = Find(v, key);
  if (x == nullptr) Fail(type, std::string("missing field \"") + key + "\"");
  return *x;
}

SessionAction ReadAction(const json& v, const std::string& type) {
  if (type == "orbit") {
    OnlyFields(v, type, {"type", "id", "yaw_deg", "pitch_deg"});
    return OrbitCommand{NumberOr(v, type, "yaw_deg", -kMaxOrbitDeg, kMaxOrbitDeg, 0),
                        NumberOr(v, type, "pitch_deg", -kMaxOrbitDeg, kMaxOrbitDeg, 0)};
  }
  if (type == "pan") {
    OnlyFields(v, type, {"type", "id", "dx_mm", "dy_mm"});
    return PanCommand{NumberOr(v, type, "dx_mm", -kMaxPanMm, kMaxPanMm, 0),
                      NumberOr(v, type, "dy_mm", -kMaxPanMm, kMaxPanMm, 0)};
  }
  if (type == "zoom") {
    OnlyFields(v, type, {"type", "id", "factor"});
    return ZoomCommand{NumberOr(v, type, "factor", kMinZoom, kMaxZoom, 1)};
  }
  if (type == "view") {
    OnlyFields(v, type, {"type", "id", "view"});
    const json& name = Required(v, type, "view");
    const std::string path = Join(type, "view");
    const std::optional<AnatomicalView> view = ParseAnatomicalView(String(name, path));
    if (!view) {
      Fail(path, "unknown view " + Shown(name) +
                     " (anterior, posterior, left, right, superior, inferior)");
    }
    return ViewCommand{*view};
  }
  if (type == "settings") {
    OnlyFields(v, type, {"type", "id", "patch"});
    return SettingsCommand{Object(Required(v, type, "patch"), Join(type, "patch"))};
  }
  if (type == "resize") {
    OnlyFields(v, type, {"type", "id", "width", "height"});
    ResizeCommand resize;
    Optional(v, type, "width", [&](const json& x, const std::string& p) {
      resize.width = static_cast<int>(IntegerIn(x, p, kMinImageSide, kMaxImageSide));
    });
    Optional(v, type, "height", [&](const json& x, const std::string& p) {
      resize.height = static_cast<int>(IntegerIn(x, p, kMinImageSide, kMaxImageSide));
    });
    return resize;
  }
  if (type == "save") {
    OnlyFields(v, type, {"type", "id", "note"});
    SaveCommand save;
    Optional(v, type, "note", [&](const json& x, const std::string& p) {
      save.note = StringUpTo(x, p, kMaxSaveNoteChars);
    });
    return save;
  }
  if (type == "query") {
    OnlyFields(v, type, {"type", "id", "text"});
    const std::string text =
        StringUpTo(Required(v, type, "text"), Join(type, "text"), kMaxQueryChars);
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)
      Fail(Join(type, "text"), "is empty");
    return QueryCommand{text};
  }
  if (type == "listen") {
    OnlyFields(v, type, {"type", "id", "sample_rate"});
    ListenCommand listen;
    Optional(v, type, "sample_rate", [&](const json& x, const std::string& p) {
      listen.sample_rate = static_cast<int>(IntegerIn(x, p, kListenSampleRate, kListenSampleRate));
    });
    return listen;
  }
  if (type == "voice") {
    OnlyFields(v, type, {"type", "id", "spoken_replies"});
    const json& spoken = Required(v, type, "spoken_replies");
    if (!spoken.is_boolean()) Fail(Join(type, "spoken_replies"), "must be true or false");
    return VoiceCommand{spoken.get<bool>()};
  }
  // The commands without parameters.
  OnlyFields(v, type, {"type", "id"});
  if (type == "listen_end") return ListenEndCommand{};
  if (type == "still") return StillCommand{};
  if (type == "reset") return ResetCommand{};
  return StateCommand{};
}

SessionCommand Read(const json& v) {
  Object(v, "message");
  const json* type_json = Find(v, "type");
  if (type_json == nullptr) Fail("message", "missing field \"type\"");
  const std::string type = String(*type_json, "type");
  bool known = false;
  std::string list;
  for (const char* t : kTypes) {
    known = known || type == t;
    if (!list.empty()) list += ", ";
    list += t;
  }
  if (!known) Fail("", "unknown message type " + Shown(*type_json) + " (" + list + ")");
  SessionCommand command;
  Optional(v, type, "id", [&](const json& x, const std::string& p) {
    command.id = IntegerIn(x, p, 0, kMaxSessionInputId);
  });
  command.action = ReadAction(v, type);
  return command;
}

}  // namespace

const char* SessionActionName(const SessionAction& action) {
  return kTypes[action.index()];
}

Expected<SessionCommand> ParseSessionCommand(std::string_view text) {
  if (text.size() > kMaxSessionMessageBytes) {
    return MakeError(ErrorCode::kTooLarge,
                     "message of " + std::to_string(text.size()) + " bytes is longer than the " +
                         std::to_string(kMaxSessionMessageBytes) + " allowed");
  }
  // The parser stops at a NUL byte as at the end of the text, which would hide what follows.
  if (const size_t nul = text.find('\0'); nul != std::string_view::npos) {
    return MakeError(ErrorCode::kCorruptData,
                     "not JSON at byte " + std::to_string(nul + 1) + ": a NUL byte");
  }
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {
    // Syntax errors say where (the 1-based byte); the other parse failure (a number overflowing
    // a double) names the number.
    std::string message = "not JSON";
    if (const auto* syntax = dynamic_cast<const json::parse_error*>(&e)) {
      message += " at byte " + std::to_string(syntax->byte);
    }
    message += ": ";
    message += JsonErrorText(e);
    return MakeError(ErrorCode::kCorruptData, std::move(message));
  }
  return Checked<SessionCommand>("message", [&] { return Read(root); });
}

Camera ApplyCameraCommand(const SessionAction& action, const Camera& camera,
                          const RenderVolume& volume) {
  if (const auto* orbit = std::get_if<OrbitCommand>(&action)) {
    return Orbit(camera, orbit->yaw_deg, orbit->pitch_deg);
  }
  if (const auto* pan = std::get_if<PanCommand>(&action)) {
    return Pan(camera, pan->dx_mm, pan->dy_mm);
  }
  if (const auto* zoom = std::get_if<ZoomCommand>(&action)) return Zoom(camera, zoom->factor);
  if (const auto* view = std::get_if<ViewCommand>(&action)) {
    return AnatomicalCamera(volume, view->view, camera.field_of_view_deg);
  }
  return camera;
}

}  // namespace viscera
