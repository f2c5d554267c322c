// libFuzzer target for render-session messages (control/session_command.h): every WebSocket
// text message a client sends is parsed here, and a settings patch then goes through
// ApplySettingsJson (control/settings_json.h) onto the session's settings.
#include <cmath>
#include <cstdint>
#include <memory>
#include <string_view>
#include <variant>

#include "control/session_command.h"
#include "control/settings_json.h"
#include "core/volume.h"
#include "render/render_volume.h"

namespace {

bool Finite(const viscera::Vec3& v) {
  return std::isfinite(v[0]) && std::isfinite(v[1]) && std::isfinite(v[2]);
}

// A tiny oblique volume for the camera commands.
std::shared_ptr<const viscera::RenderVolume> TinyVolume() {
  viscera::Geometry g;
  g.size = {4, 5, 3};
  g.spacing = {0.7, 0.8, 2.5};
  g.origin = {-10, 20, -30};
  g.direction.m = {{{0.8, -0.6, 0}, {0.6, 0.8, 0}, {0, 0, 1}}};
  viscera::HounsfieldVolume ct(g);
  auto volume = viscera::RenderVolume::Create(ct, nullptr);
  VISCERA_CHECK(volume.ok(), "tiny volume");
  return volume.value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::shared_ptr<const viscera::RenderVolume> volume = TinyVolume();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto command = viscera::ParseSessionCommand(text);
  if (!command) return 0;
  VISCERA_CHECK(command->id >= 0, "id");
  const viscera::SessionAction& action = command->action;
  if (const auto* settings = std::get_if<viscera::SettingsCommand>(&action)) {
    viscera::RenderSettings s;
    const viscera::RenderSettings before = s;
    const viscera::Status applied = viscera::ApplySettingsJson(settings->patch, s);
    if (!applied) {
      // All-or-nothing: a refused patch changes nothing.
      VISCERA_CHECK(viscera::SettingsToJson(s) == viscera::SettingsToJson(before), "partial");
      return 0;
    }
    // What was accepted is what the renderer relies on, and it reads back the same.
    VISCERA_CHECK(s.camera.field_of_view_deg > 0 && s.camera.field_of_view_deg < 180, "fov");
    VISCERA_CHECK(Finite(s.camera.eye) && Finite(s.camera.look_at) && Finite(s.camera.up), "cam");
    VISCERA_CHECK(s.step_voxels >= 0.25 && s.step_voxels <= 4, "step");
    for (int a = 0; a < 3; ++a) {
      VISCERA_CHECK(0 <= s.crop.min[a] && s.crop.min[a] <= s.crop.max[a] && s.crop.max[a] <= 1,
                    "crop");
    }
    for (const viscera::TransferComponent& c : s.transfer_function.components) {
      VISCERA_CHECK(c.min_hu <= c.max_hu && c.opacity >= 0 && c.opacity <= 1, "component");
    }
    const auto written = viscera::SettingsToJson(s);
    auto reread = viscera::SettingsFromJson(written);
    VISCERA_CHECK(reread.ok(), "written settings do not read back: " + reread.error().ToString());
    VISCERA_CHECK(viscera::SettingsToJson(*reread) == written, "round trip");
    return 0;
  }
  const viscera::Camera start;
  const viscera::Camera moved = viscera::ApplyCameraCommand(action, start, *volume);
  VISCERA_CHECK(Finite(moved.eye) && Finite(moved.look_at) && Finite(moved.up), "moved camera");
  return 0;
}
