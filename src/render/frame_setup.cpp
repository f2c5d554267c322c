#include "render/frame_setup.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "render/camera_control.h"
#include "render/render_volume.h"

namespace viscera {
namespace {

Float3 ToFloat3(const Vec3& v) {
  return {static_cast<float>(v[0]), static_cast<float>(v[1]), static_cast<float>(v[2])};
}
Float3 ToFloat3(const Color& c) {
  return {c.r, c.g, c.b};
}

// Inverse of the index -> LPS linear part (direction * diag(spacing)).
Float3x3 LpsToIndex(const Geometry& g) {
  Mat3 a;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) a.m[r][c] = g.direction.m[r][c] * g.spacing[c];
  }
  const Mat3 inv = Inverse(a);
  Float3x3 out;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) out.m[r][c] = static_cast<float>(inv.m[r][c]);
  }
  return out;
}

}  // namespace

float StepMm(const RenderVolume& volume, const RenderSettings& settings, RenderQuality quality) {
  const Vec3& s = volume.geometry().spacing;
  // One sample per smallest spacing, but at least one per millimetre: surfaces in coarse
  // (3 mm) volumes otherwise show the step lattice.
  const double base = std::max(0.05, settings.step_voxels) * std::min({s[0], s[1], s[2], 1.0});
  switch (quality) {
    case RenderQuality::kDraft:
      return static_cast<float>(2 * base);
    case RenderQuality::kFull:
      return static_cast<float>(base);
    case RenderQuality::kCinematic:
      return static_cast<float>(0.75 * base);
  }
  return static_cast<float>(base);
}

FrameParams MakeFrameParams(const RenderVolume& volume, const RenderSettings& settings, int width,
                            int height, RenderQuality quality) {
  const Geometry& g = volume.geometry();
  FrameParams f;
  f.width = width;
  f.height = height;
  f.mode = settings.mode == RenderMode::kMaximumIntensity ? MarchMode::kMaximumIntensity
                                                          : MarchMode::kComposite;
  const CameraFrame cam = FrameOf(settings.camera);
  f.eye_lps = ToFloat3(settings.camera.eye);
  f.forward = ToFloat3(cam.forward);
  f.right = ToFloat3(cam.right);
  f.up = ToFloat3(cam.up);
  const double fov = std::clamp(settings.camera.field_of_view_deg, 1.0, 170.0);
  f.tan_half_fov = static_cast<float>(std::tan(fov / 2 * std::numbers::pi / 180));
  f.aspect = static_cast<float>(width) / static_cast<float>(std::max(1, height));
  f.origin_lps = ToFloat3(g.origin);
  f.lps_to_index = LpsToIndex(g);
  f.step_mm = StepMm(volume, settings, quality);

  // Crop: fractions of each axis's extent, the voxel box running from -0.5 to n - 0.5.
  float lo[3], hi[3];
  for (int a = 0; a < 3; ++a) {
    const double n = static_cast<double>(g.size[a]);
    const double cmin = std::clamp(settings.crop.min[static_cast<size_t>(a)], 0.0, 1.0);
    const double cmax = std::clamp(settings.crop.max[static_cast<size_t>(a)], cmin, 1.0);
    lo[a] = static_cast<float>(-0.5 + cmin * n);
    hi[a] = static_cast<float>(-0.5 + cmax * n);
  }
  f.box_lo = {lo[0], lo[1], lo[2]};
  f.box_hi = {hi[0], hi[1], hi[2]};

  if (settings.clip.enable) {
    // dot(N, A p + o - P) > 0  <=>  dot(A^T N, p) + dot(N, o - P) > 0, A = direction * spacing.
    const Vec3& n = settings.clip.normal;
    Vec3 an{};
    for (int c = 0; c < 3; ++c) {
      for (int r = 0; r < 3; ++r) an[c] += g.direction.m[r][c] * g.spacing[c] * n[r];
    }
    double offset = 0;
    for (int r = 0; r < 3; ++r) offset += n[r] * (g.origin[r] - settings.clip.point[r]);
    f.clip_enable = 1;
    f.clip_normal_index = ToFloat3(an);
    f.clip_offset = static_cast<float>(offset);
  }

  for (const Light& light : settings.lights) {
    if (!light.enable || f.light_count == kMaxLights) continue;
    f.light_to[f.light_count] = Normalize(ToFloat3(light.direction)) * -1.0f;
    f.light_color[f.light_count] = ToFloat3(light.color) * static_cast<float>(light.intensity);
    ++f.light_count;
  }
  const BackgroundLight& bg = settings.background;
  Float3 ambient{1, 1, 1};
  if (bg.enable) {
    ambient = (ToFloat3(bg.top) + ToFloat3(bg.horizon) + ToFloat3(bg.bottom)) *
              static_cast<float>(bg.intensity / 3);
  }
  f.ambient = ambient * static_cast<float>(settings.ambient);
  f.background = bg.show ? ToFloat3(bg.horizon) * static_cast<float>(bg.intensity)
                         : ToFloat3(settings.background_color);
  // Clara's gradientScale: how fast a sample turns from volumetric to surface-shaded as its
  // opacity gradient grows. Scaled so Clara's usual 110 makes a one-voxel opaque border a surface
  // (weight > 0.9) and a faint haze (opacity gradient < 0.01 per mm) volumetric.
  f.surface_scale = static_cast<float>(settings.transfer_function.gradient_scale / 4);
  f.shadows = quality == RenderQuality::kCinematic ? 1 : 0;
  f.jitter = quality == RenderQuality::kDraft ? 0 : 1;
  f.shadow_step_mm = 2 * f.step_mm;
  f.window_lo = static_cast<float>(settings.slice.window_center - settings.slice.window_width / 2);
  f.window_hi = static_cast<float>(settings.slice.window_center + settings.slice.window_width / 2);
  return f;
}

}  // namespace viscera
