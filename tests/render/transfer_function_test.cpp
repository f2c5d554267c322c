// The transfer function as baked for the ray marcher: profile shapes, blending of overlapping
// components, per-organ overrides (hidden, colour), opacity that does not depend on the step,
// and, in a rendered frame, hiding an organ changing only the pixels it covers.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "render/camera_control.h"
#include "render/transfer_table.h"
#include "render/volume_renderer.h"
#include "render_test_support.h"

namespace viscera {
namespace {
using namespace render_test;

TransferComponent Range(double min_hu, double max_hu, OpacityProfile profile,
                        double transition_hu = 0) {
  TransferComponent c;
  c.min_hu = min_hu;
  c.max_hu = max_hu;
  c.profile = profile;
  c.transition_hu = transition_hu;
  return c;
}

TEST(TransferFunctionTest, ProfileShapes) {
  const auto square = Range(100, 300, OpacityProfile::kSquare);
  EXPECT_EQ(ProfileWeight(square, 99), 0);
  EXPECT_EQ(ProfileWeight(square, 100), 1);
  EXPECT_EQ(ProfileWeight(square, 200), 1);
  EXPECT_EQ(ProfileWeight(square, 300), 1);
  EXPECT_EQ(ProfileWeight(square, 301), 0);

  // Soft edges: smoothstep over transition_hu from each end.
  const auto soft = Range(100, 300, OpacityProfile::kSquare, 40);
  EXPECT_NEAR(ProfileWeight(soft, 100), 0, 1e-12);
  EXPECT_NEAR(ProfileWeight(soft, 120), 0.5, 1e-12);
  EXPECT_NEAR(ProfileWeight(soft, 110), 0.15625, 1e-12);  // 3t^2 - 2t^3, t = 1/4
  EXPECT_NEAR(ProfileWeight(soft, 200), 1, 1e-12);
  EXPECT_NEAR(ProfileWeight(soft, 280), 0.5, 1e-12);

  const auto triangle = Range(-100, 100, OpacityProfile::kTriangle);
  EXPECT_NEAR(ProfileWeight(triangle, -100), 0, 1e-12);
  EXPECT_NEAR(ProfileWeight(triangle, -50), 0.5, 1e-12);
  EXPECT_NEAR(ProfileWeight(triangle, 0), 1, 1e-12);
  EXPECT_NEAR(ProfileWeight(triangle, 80), 0.2, 1e-12);
  EXPECT_EQ(ProfileWeight(triangle, 101), 0);

  const auto sine = Range(0, 400, OpacityProfile::kSine);
  EXPECT_NEAR(ProfileWeight(sine, 100), std::sin(std::numbers::pi / 4), 1e-12);
  EXPECT_NEAR(ProfileWeight(sine, 200), 1, 1e-12);
  EXPECT_NEAR(ProfileWeight(sine, 400), 0, 1e-12);

  const auto trapezoid = Range(0, 1000, OpacityProfile::kTrapezoid, 200);
  EXPECT_NEAR(ProfileWeight(trapezoid, 0), 0, 1e-12);
  EXPECT_NEAR(ProfileWeight(trapezoid, 50), 0.25, 1e-12);
  EXPECT_NEAR(ProfileWeight(trapezoid, 200), 1, 1e-12);
  EXPECT_NEAR(ProfileWeight(trapezoid, 500), 1, 1e-12);
  EXPECT_NEAR(ProfileWeight(trapezoid, 900), 0.5, 1e-12);
  EXPECT_EQ(ProfileWeight(trapezoid, -1), 0);
}

// The entry a label's table holds at `hu`.
const TfEntry& EntryAt(const BakedTransferFunction& baked, int label, double hu) {
  const int bin = static_cast<int>((hu - kHuMin) / kHuBinWidth);
  return baked.tables[static_cast<size_t>(baked.label_table[static_cast<size_t>(label)]) * kHuBins +
                      static_cast<size_t>(bin)];
}

constexpr float kStepMm = 1, kExtentMm = 710;  // density_scale 710 over 710 mm: sigma = opacity/mm

// Alpha of one step for a component opacity: absorption e^-(opacity * sigma * step).
double AlphaOf(double opacity, double step_mm = kStepMm) {
  return 1 - std::exp(-opacity * 710 / kExtentMm * step_mm);
}

TransferFunction TwoOverlapping(BlendingProfile blending) {
  TransferFunction tf;
  tf.blending = blending;
  TransferComponent red = Range(-500, 500, OpacityProfile::kSquare);
  red.opacity = 0.8;
  red.diffuse_start = red.diffuse_end = {1, 0, 0};
  TransferComponent blue = Range(0, 1000, OpacityProfile::kSquare);
  blue.opacity = 0.4;
  blue.diffuse_start = blue.diffuse_end = {0, 0, 1};
  tf.components = {red, blue};
  return tf;
}

TEST(TransferFunctionTest, MaximumOpacityTakesTheMostOpaqueComponent) {
  const auto baked = BakeTransferFunction(TwoOverlapping(BlendingProfile::kMaximumOpacity), {},
                                          kStepMm, kExtentMm);
  const TfEntry& both = EntryAt(baked, 0, 250);
  EXPECT_FLOAT_EQ(both.r, 1);
  EXPECT_FLOAT_EQ(both.b, 0);
  EXPECT_NEAR(both.alpha, AlphaOf(0.8), 1e-6);
  const TfEntry& blue_only = EntryAt(baked, 0, 750);
  EXPECT_FLOAT_EQ(blue_only.r, 0);
  EXPECT_FLOAT_EQ(blue_only.b, 1);
  EXPECT_NEAR(blue_only.alpha, AlphaOf(0.4), 1e-6);
  EXPECT_EQ(EntryAt(baked, 0, -900).alpha, 0);
}

TEST(TransferFunctionTest, BlendedOpacityMixesByOpacity) {
  const auto baked = BakeTransferFunction(TwoOverlapping(BlendingProfile::kBlendedOpacity), {},
                                          kStepMm, kExtentMm);
  const TfEntry& both = EntryAt(baked, 0, 250);
  EXPECT_NEAR(both.r, 0.8 / 1.2, 1e-6);
  EXPECT_NEAR(both.g, 0, 1e-6);
  EXPECT_NEAR(both.b, 0.4 / 1.2, 1e-6);
  // Two independent absorbers: 1 - (1 - 0.8)(1 - 0.4).
  EXPECT_NEAR(both.alpha, AlphaOf(1 - 0.2 * 0.6), 1e-6);
  const TfEntry& red_only = EntryAt(baked, 0, -250);
  EXPECT_NEAR(red_only.r, 1, 1e-6);
  EXPECT_NEAR(red_only.alpha, AlphaOf(0.8), 1e-6);
}

TEST(TransferFunctionTest, HiddenLabelsGetTheEmptyTable) {
  TransferFunction tf = TwoOverlapping(BlendingProfile::kMaximumOpacity);
  tf.hidden_regions = {7};
  OrganStyle invisible;
  invisible.label = 9;
  invisible.visible = false;
  const auto baked = BakeTransferFunction(tf, {invisible}, kStepMm, kExtentMm);
  for (int label : {7, 9}) {
    EXPECT_EQ(baked.label_table[static_cast<size_t>(label)], 0) << label;
    EXPECT_EQ(baked.label_visible[static_cast<size_t>(label)], 0) << label;
    EXPECT_FALSE(baked.AnyVisible(label, -1024, 3071)) << label;
  }
  for (int label : {0, 8, 10}) {
    EXPECT_NE(baked.label_table[static_cast<size_t>(label)], 0) << label;
    EXPECT_EQ(baked.label_visible[static_cast<size_t>(label)], 1) << label;
    EXPECT_GT(EntryAt(baked, label, 250).alpha, 0) << label;
  }
  // Table 0 is empty everywhere.
  for (int bin = 0; bin < kHuBins; ++bin)
    EXPECT_EQ(baked.tables[static_cast<size_t>(bin)].alpha, 0);
}

TEST(TransferFunctionTest, OrganStyleOverridesColourAndScalesOpacity) {
  TransferFunction tf = TwoOverlapping(BlendingProfile::kMaximumOpacity);
  OrganStyle style;
  style.label = 5;
  style.has_color = true;
  style.color = {0.1f, 0.7f, 0.3f};
  style.opacity_scale = 0.5;
  const auto baked = BakeTransferFunction(tf, {style}, kStepMm, kExtentMm);
  const TfEntry& e = EntryAt(baked, 5, 250);
  EXPECT_FLOAT_EQ(e.r, 0.1f);
  EXPECT_FLOAT_EQ(e.g, 0.7f);
  EXPECT_FLOAT_EQ(e.b, 0.3f);
  EXPECT_NEAR(e.alpha, AlphaOf(0.8 * 0.5), 1e-6);
  // Other labels keep the components' colours.
  EXPECT_FLOAT_EQ(EntryAt(baked, 4, 250).r, 1);
  EXPECT_NE(baked.label_table[5], baked.label_table[4]);
  // And slice overlays use the organ's colour too.
  RenderSettings s;
  s.organs = {style};
  EXPECT_EQ(LabelColors(s)[5], style.color);
}

TEST(TransferFunctionTest, OpacityDoesNotDependOnTheStep) {
  // Two steps of s absorb what one step of 2s does: 1 - (1 - a_s)^2 == a_2s.
  const auto preset = *PresetTransferFunction("soft-tissue");
  for (float step : {0.25f, 0.7f, 1.5f, 3.0f}) {
    const auto one = BakeTransferFunction(preset, {}, step, 400);
    const auto two = BakeTransferFunction(preset, {}, 2 * step, 400);
    ASSERT_EQ(one.tables.size(), two.tables.size());
    double worst = 0;
    int visible = 0;
    for (size_t n = 0; n < one.tables.size(); ++n) {
      const double a = one.tables[n].alpha;
      worst = std::max(worst, std::abs((1 - (1 - a) * (1 - a)) - two.tables[n].alpha));
      visible += a > 0.01 ? 1 : 0;
    }
    EXPECT_LT(worst, 1e-5) << "step " << step;
    EXPECT_GT(visible, 100) << "step " << step;
  }
}

TEST(TransferFunctionTest, HidingAnOrganChangesOnlyItsPixels) {
  // Two markers, left (1) and anterior (2), seen from the front and from above; hiding the left
  // one may change only the pixels it covers (plus a pixel for the interpolated border).
  const auto volume =
      MakeRenderVolume(SamplePhantom(CenteredLpsGrid({56, 64, 72}, {2, 2, 2}), [](const Vec3& p) {
        Voxel v = MarkerPhantomAt(p);
        if (v.label == kSuperiorMarker) v.label = 0;  // bone of label 0: stays drawn
        return v;
      }));
  VolumeRenderer renderer(volume);
  constexpr int kSize = 96;
  for (AnatomicalView view :
       {AnatomicalView::kAnterior, AnatomicalView::kSuperior, AnatomicalView::kLeft}) {
    RenderSettings s = MarkerSettings();
    s.camera = AnatomicalCamera(*volume, view);
    const RgbImage all = renderer.Render(s, kSize, kSize, RenderQuality::kFull);
    RenderSettings hidden = s;
    hidden.transfer_function.hidden_regions = {kLeftMarker};
    const RgbImage without = renderer.Render(hidden, kSize, kSize, RenderQuality::kFull);
    // The marker's footprint: everything else hidden.
    RenderSettings alone = s;
    alone.transfer_function.hidden_regions = {0, kAnteriorMarker};
    const RgbImage footprint_image = renderer.Render(alone, kSize, kSize, RenderQuality::kFull);
    const auto footprint =
        Dilate(MaskOf(footprint_image, [](const uint8_t* p) { return Lit(p); }), kSize, kSize, 1);
    int outside_changed = 0, inside = 0, inside_changed = 0;
    for (int y = 0; y < kSize; ++y) {
      for (int x = 0; x < kSize; ++x) {
        const bool same = SamePixel(all, without, x, y);
        if (footprint[static_cast<size_t>(y) * kSize + x]) {
          ++inside;
          inside_changed += same ? 0 : 1;
        } else {
          outside_changed += same ? 0 : 1;
        }
      }
    }
    const char* name = AnatomicalViewName(view);
    EXPECT_EQ(outside_changed, 0) << name;
    ASSERT_GT(inside, 20) << name;
    EXPECT_GT(inside_changed, inside / 2) << name;
    // And the red marker is gone from the picture.
    EXPECT_EQ(CentroidOf(without, [](const uint8_t* p) { return DominantChannel(p) == 0; }).count,
              0)
        << name;
  }
}

}  // namespace
}  // namespace viscera
