// Voxel spacing is honoured: a sphere stored in anisotropic voxels renders round, at the size a
// pinhole camera predicts, and the same as in isotropic voxels.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "render/camera_control.h"
#include "render/volume_renderer.h"
#include "render_test_support.h"

namespace viscera {
namespace {
using namespace render_test;

constexpr double kRadiusMm = 40;
constexpr int kSize = 160;

// A bone-dense sphere (1000 HU) in air, with a linear 6 mm ramp through 0 HU at the radius:
// wider than the largest spacing, so trilinear interpolation puts the 0 HU surface at the
// radius on any grid instead of on a voxel staircase.
Voxel SphereAt(const Vec3& p) {
  const double r = std::sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
  const double hu = std::clamp((kRadiusMm - r) / 3 * 1000, -1000.0, 1000.0);
  return {static_cast<int16_t>(std::lround(hu)), 0};
}

// Both grids span the same 100.8 mm cube centred at 0, so AnatomicalCamera frames them alike.
Geometry AnisotropicGrid() {
  return CenteredLpsGrid({144, 144, 40}, {0.7, 0.7, 2.52});
}
Geometry IsotropicGrid() {
  return CenteredLpsGrid({84, 84, 84}, {1.2, 1.2, 1.2});
}

RenderSettings SphereSettings() {
  RenderSettings s;
  TransferComponent c;  // opaque from 0 HU up, so the silhouette is the 0 HU surface
  c.min_hu = 0;
  c.max_hu = 3071;
  c.opacity = 1;
  c.diffuse_start = c.diffuse_end = {0.9f, 0.9f, 0.9f};
  s.transfer_function.components = {c};
  return s;
}

// The silhouette's diameter in pixels for a sphere of kRadiusMm centred on the view axis: the
// tangent cone's half-angle is asin(R / D), its image radius tan(asin(R / D)) / tan(fov / 2)
// half-heights.
double ExpectedDiameterPx(const Camera& camera, int height) {
  const Vec3& e = camera.eye;
  const double distance = std::sqrt(e[0] * e[0] + e[1] * e[1] + e[2] * e[2]);
  const double tan_radius = kRadiusMm / std::sqrt(distance * distance - kRadiusMm * kRadiusMm);
  const double tan_half_fov = std::tan(camera.field_of_view_deg / 2 * std::numbers::pi / 180);
  return tan_radius / tan_half_fov * height;
}

struct Silhouette {
  int width, height;
};
Silhouette Measure(const RgbImage& image) {
  const Extent e = ExtentOf(image, [](const uint8_t* p) { return Lit(p, 20); });
  return {e.width(), e.height()};
}

TEST(SpacingTest, SphereInAnisotropicVoxelsIsRoundAndTrueToSize) {
  const auto aniso = MakeRenderVolume(SamplePhantom(AnisotropicGrid(), SphereAt), false);
  const auto iso = MakeRenderVolume(SamplePhantom(IsotropicGrid(), SphereAt), false);
  VolumeRenderer aniso_renderer(aniso), iso_renderer(iso);
  RenderSettings s = SphereSettings();
  for (AnatomicalView view : {AnatomicalView::kAnterior, AnatomicalView::kLeft}) {
    const char* name = AnatomicalViewName(view);
    s.camera = AnatomicalCamera(*aniso, view);
    const double expected = ExpectedDiameterPx(s.camera, kSize);
    ASSERT_GT(expected, 40) << "the sphere should fill a good part of the frame";

    const Silhouette a = Measure(aniso_renderer.Render(s, kSize, kSize, RenderQuality::kFull));
    EXPECT_NEAR(a.width, a.height, 0.03 * expected) << name << ": anisotropic sphere not round";
    EXPECT_NEAR(a.width, expected, 0.03 * expected) << name << ": width";
    EXPECT_NEAR(a.height, expected, 0.03 * expected) << name << ": height (along 2.52 mm voxels)";

    s.camera = AnatomicalCamera(*iso, view);
    const Silhouette i = Measure(iso_renderer.Render(s, kSize, kSize, RenderQuality::kFull));
    EXPECT_NEAR(i.width, expected, 0.03 * expected) << name << ": isotropic width";
    EXPECT_NEAR(a.width, i.width, 2) << name << ": anisotropic vs isotropic width";
    EXPECT_NEAR(a.height, i.height, 2) << name << ": anisotropic vs isotropic height";
  }
}

TEST(SpacingTest, SphereOnAnObliqueGridIsRound) {
  // The anisotropic grid rotated 30 degrees about z: rays march in index space through
  // direction * spacing, so the silhouette must not change.
  Geometry g = AnisotropicGrid();
  const double a = 30 * std::numbers::pi / 180, c = std::cos(a), sn = std::sin(a);
  g.direction.m = {{{c, -sn, 0}, {sn, c, 0}, {0, 0, 1}}};
  Vec3 half{};
  for (int axis = 0; axis < 3; ++axis) half[axis] = (g.size[axis] - 1) * g.spacing[axis] / 2;
  g.origin = {-(c * half[0] - sn * half[1]), -(sn * half[0] + c * half[1]), -half[2]};
  const auto oblique = MakeRenderVolume(SamplePhantom(g, SphereAt), false);
  EXPECT_NEAR(oblique->CenterLps()[0], 0, 1e-9);
  EXPECT_NEAR(oblique->CenterLps()[1], 0, 1e-9);
  VolumeRenderer renderer(oblique);
  RenderSettings s = SphereSettings();
  s.camera = AnatomicalCamera(*oblique, AnatomicalView::kAnterior);
  const double expected = ExpectedDiameterPx(s.camera, kSize);
  const Silhouette sil = Measure(renderer.Render(s, kSize, kSize, RenderQuality::kFull));
  EXPECT_NEAR(sil.width, expected, 0.03 * expected);
  EXPECT_NEAR(sil.height, expected, 0.03 * expected);
}

}  // namespace
}  // namespace viscera
