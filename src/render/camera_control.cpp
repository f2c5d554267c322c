#include "render/camera_control.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numbers>
#include <string>

#include "render/render_volume.h"

namespace viscera {
namespace {

// Rodrigues' rotation of v about a unit axis.
Vec3 Rotate(const Vec3& v, const Vec3& axis, double degrees) {
  const double a = degrees * std::numbers::pi / 180, c = std::cos(a), s = std::sin(a);
  return Add(Add(Scale(v, c), Scale(Cross(axis, v), s)), Scale(axis, Dot(axis, v) * (1 - c)));
}

struct ViewDirections {
  AnatomicalView view;
  const char* name;
  Vec3 from;  // LPS direction from the target to the eye
  Vec3 up;
};
// LPS: +x left, +y posterior, +z superior.
constexpr ViewDirections kViews[] = {
    {AnatomicalView::kAnterior, "anterior", {0, -1, 0}, {0, 0, 1}},
    {AnatomicalView::kPosterior, "posterior", {0, 1, 0}, {0, 0, 1}},
    {AnatomicalView::kLeft, "left", {1, 0, 0}, {0, 0, 1}},
    {AnatomicalView::kRight, "right", {-1, 0, 0}, {0, 0, 1}},
    {AnatomicalView::kSuperior, "superior", {0, 0, 1}, {0, -1, 0}},
    {AnatomicalView::kInferior, "inferior", {0, 0, -1}, {0, -1, 0}},
};

}  // namespace

std::optional<AnatomicalView> ParseAnatomicalView(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const ViewDirections& v : kViews) {
    if (lower == v.name) return v.view;
  }
  return std::nullopt;
}

const char* AnatomicalViewName(AnatomicalView view) {
  for (const ViewDirections& v : kViews) {
    if (v.view == view) return v.name;
  }
  return "?";
}

Camera AnatomicalCamera(const RenderVolume& volume, AnatomicalView view, double field_of_view_deg) {
  const ViewDirections* d = &kViews[0];
  for (const ViewDirections& v : kViews) {
    if (v.view == view) d = &v;
  }
  Camera camera;
  camera.name = d->name;
  camera.field_of_view_deg = field_of_view_deg;
  camera.look_at = volume.CenterLps();
  const double half = field_of_view_deg / 2 * std::numbers::pi / 180;
  const double distance = volume.BoundingRadiusMm() / std::sin(half) * 1.02;
  camera.eye = Add(camera.look_at, Scale(d->from, distance));
  camera.up = d->up;
  return camera;
}

CameraFrame FrameOf(const Camera& camera) {
  CameraFrame f;
  f.forward = Unit(Sub(camera.look_at, camera.eye));
  if (Dot(f.forward, f.forward) == 0) f.forward = {0, 1, 0};
  Vec3 right = Cross(f.forward, camera.up);
  if (Dot(right, right) < 1e-12) {
    // Up parallel to the view: pick any perpendicular.
    right = Cross(f.forward, std::abs(f.forward[2]) < 0.9 ? Vec3{0, 0, 1} : Vec3{0, -1, 0});
  }
  f.right = Unit(right);
  f.up = Cross(f.right, f.forward);
  return f;
}

Light CameraKeyLight(const Camera& camera) {
  const CameraFrame f = FrameOf(camera);
  Light light;
  // Travelling away from the viewer, downward and to the right.
  light.direction = Unit(Add(Add(f.forward, Scale(f.up, -0.5)), Scale(f.right, 0.35)));
  light.intensity = 1.0;
  return light;
}

Camera Orbit(const Camera& camera, double yaw_deg, double pitch_deg) {
  const CameraFrame f = FrameOf(camera);
  Camera out = camera;
  Vec3 offset = Sub(camera.eye, camera.look_at);
  offset = Rotate(offset, f.up, -yaw_deg);
  const Vec3 right = Rotate(f.right, f.up, -yaw_deg);
  offset = Rotate(offset, right, pitch_deg);
  out.eye = Add(camera.look_at, offset);
  out.up = Rotate(f.up, right, pitch_deg);
  return out;
}

Camera Pan(const Camera& camera, double dx_mm, double dy_mm) {
  const CameraFrame f = FrameOf(camera);
  const Vec3 shift = Add(Scale(f.right, dx_mm), Scale(f.up, dy_mm));
  Camera out = camera;
  out.eye = Add(camera.eye, shift);
  out.look_at = Add(camera.look_at, shift);
  return out;
}

Camera Zoom(const Camera& camera, double factor) {
  factor = std::clamp(factor, 1e-3, 1e3);
  Camera out = camera;
  const Vec3 offset = Sub(camera.eye, camera.look_at);
  const double distance = std::sqrt(Dot(offset, offset));
  const double target = std::max(distance / factor, 1.0);  // keep the eye 1 mm away at least
  out.eye = Add(camera.look_at, Scale(Unit(offset), target));
  return out;
}

}  // namespace viscera
