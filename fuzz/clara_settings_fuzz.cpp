// libFuzzer target for Clara render settings (render/clara_settings.h): config_render.json comes
// with a dataset folder from elsewhere, and what it says reaches the renderer's loops (component
// count, ranges, crop fractions, camera field of view).
#include <cmath>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "render/clara_settings.h"

namespace {

bool Finite(const viscera::Vec3& v) {
  return std::isfinite(v[0]) && std::isfinite(v[1]) && std::isfinite(v[2]);
}

// An oblique grid, so that every conversion does real work.
viscera::Geometry Grid() {
  viscera::Geometry g;
  g.size = {512, 512, 200};
  g.spacing = {0.7, 0.7, 1.25};
  g.origin = {-180, -170, -300};
  g.direction.m = {{{0.8, -0.6, 0}, {0.6, 0.8, 0}, {0, 0, 1}}};
  return g;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const viscera::Geometry geometry = Grid();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto settings = viscera::ParseClaraRenderSettings(text, geometry, -1024, 3071, "fuzz.json");
  if (!settings) return 0;
  // What the renderer relies on after a successful parse.
  const viscera::RenderSettings& s = *settings;
  VISCERA_CHECK(Finite(s.camera.eye) && Finite(s.camera.look_at) && Finite(s.camera.up), "camera");
  VISCERA_CHECK(s.camera.field_of_view_deg > 0 && s.camera.field_of_view_deg < 180, "fov");
  for (int a = 0; a < 3; ++a) {
    VISCERA_CHECK(0 <= s.crop.min[a] && s.crop.min[a] <= s.crop.max[a] && s.crop.max[a] <= 1,
                  "crop");
  }
  for (const viscera::Light& l : s.lights) {
    VISCERA_CHECK(l.enable && Finite(l.direction) && l.intensity >= 0, "light");
  }
  for (const viscera::TransferComponent& c : s.transfer_function.components) {
    VISCERA_CHECK(std::isfinite(c.min_hu) && c.min_hu <= c.max_hu && std::isfinite(c.max_hu),
                  "range");
    VISCERA_CHECK(c.opacity >= 0 && c.opacity <= 1 && c.transition_hu >= 0, "opacity");
  }
  // Whatever was read can be written back as JSON.
  const std::string written = viscera::WriteClaraRenderSettings(s, geometry, -1024, 3071);
  VISCERA_CHECK(nlohmann::json::accept(written), "written settings are not JSON");
  return 0;
}
