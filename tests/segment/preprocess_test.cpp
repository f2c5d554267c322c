#include "segment/preprocess.h"

#include <gtest/gtest.h>

#include <cmath>

namespace viscera {
namespace {

ModelMetadata SmallModel() {
  ModelMetadata m;
  m.orientation = "RAS";
  m.spacing = {2.0, 2.0, 3.0};
  m.window = {-100, 300, 0, 1, true};
  m.roi = {8, 8, 8};
  return m;
}

// HU as a linear function of the LPS position, integer at every voxel centre, so trilinear
// resampling must reproduce it exactly anywhere inside the volume.
double LinearHu(const Vec3& p) {
  return 2 * p[0] - 2 * p[1] + 4 * (p[2] - 100);
}

HounsfieldVolume LinearLps(Index3 size, Vec3 spacing) {
  Geometry g;
  g.size = size;
  g.spacing = spacing;
  g.origin = {-40, -30, 100};
  HounsfieldVolume v(g);
  for (int64_t k = 0; k < size[2]; ++k) {
    for (int64_t j = 0; j < size[1]; ++j) {
      for (int64_t i = 0; i < size[0]; ++i) {
        v.at(i, j, k) = static_cast<int16_t>(
            std::lround(LinearHu(g.IndexToLpsPoint({double(i), double(j), double(k)}))));
      }
    }
  }
  return v;
}

TEST(Preprocess, ResampledSizesFollowMonaiSpacing) {
  // round((n - 1) * s / s') + 1, half to even as numpy rounds.
  EXPECT_EQ(MonaiResampledSize(512, 0.976562, 1.5), 334);  // 332.68 -> 333
  EXPECT_EQ(MonaiResampledSize(122, 3.0, 1.5), 243);
  EXPECT_EQ(MonaiResampledSize(20, 2.0, 2.0), 20);
  EXPECT_EQ(MonaiResampledSize(3, 1.25, 1.0), 3);   // 2.5 -> 2
  EXPECT_EQ(MonaiResampledSize(5, 0.875, 1.0), 5);  // 3.5 -> 4
}

TEST(Preprocess, OrientsResamplesAndWindowsAnLpsVolume) {
  HounsfieldVolume hu = LinearLps({20, 16, 12}, {1.0, 1.5, 2.0});
  const ModelMetadata model = SmallModel();
  auto pre = Preprocess(hu, model);
  ASSERT_TRUE(pre.ok()) << pre.error().ToString();
  const Geometry& g = pre->network_grid;
  EXPECT_EQ(g.AxisCodes(), "RAS");
  // 19*1/2 = 9.5 -> 10, 15*1.5/2 = 11.25 -> 11, 11*2/3 = 7.33 -> 7; each + 1.
  EXPECT_EQ(g.size, (Index3{11, 12, 8}));
  EXPECT_EQ(g.spacing, (Vec3{2, 2, 3}));
  // Voxel 0 of the RAS grid is the source's right-most, anterior-most voxel of the first slice.
  Vec3 origin = g.IndexToLpsPoint({0, 0, 0});
  EXPECT_NEAR(origin[0], -21, 1e-9);
  EXPECT_NEAR(origin[1], -7.5, 1e-9);
  EXPECT_NEAR(origin[2], 100, 1e-9);
  // Everything is above the window's floor: nothing cropped.
  EXPECT_EQ(pre->crop_begin, (Index3{0, 0, 0}));
  ASSERT_EQ(pre->image.size(), g.size);
  for (int64_t c = 0; c < g.size[2]; ++c) {
    for (int64_t b = 0; b < g.size[1]; ++b) {
      for (int64_t a = 0; a < g.size[0]; ++a) {
        Vec3 p = g.IndexToLpsPoint({double(a), double(b), double(c)});
        p[0] = std::max(p[0], -40.0);  // beyond the last voxel: border value
        double expected = std::clamp((LinearHu(p) + 100) / 400, 0.0, 1.0);
        ASSERT_NEAR(pre->image.at(a, b, c), expected, 1e-5) << a << "," << b << "," << c;
      }
    }
  }
}

TEST(Preprocess, CropsToTheForeground) {
  HounsfieldVolume hu = LinearLps({20, 16, 12}, {1.0, 1.5, 2.0});
  for (int64_t k = 0; k < 12; ++k) {
    for (int64_t j = 0; j < 16; ++j) {
      for (int64_t i = 0; i < 5; ++i) hu.at(i, j, k) = -1000;  // air on the patient's right
    }
  }
  auto pre = Preprocess(hu, SmallModel());
  ASSERT_TRUE(pre.ok()) << pre.error().ToString();
  // RAS voxel a sits at x = -21 - 2a; a >= 8 samples only air (x <= -37), a = 7 is x = -35.
  EXPECT_EQ(pre->crop_begin, (Index3{0, 0, 0}));
  EXPECT_EQ(pre->image.size(), (Index3{8, 12, 8}));
  Vec3 cropped_origin = pre->image.geometry().IndexToLpsPoint({0, 0, 0});
  EXPECT_NEAR(cropped_origin[0], -21, 1e-9);
}

TEST(Preprocess, ForegroundBoxOfEmptyVolumeIsTheWholeVolume) {
  Geometry g;
  g.size = {4, 5, 6};
  Volume<float> v(g);
  std::fill(v.voxels().begin(), v.voxels().end(), 0.0f);
  Index3 begin, size;
  ForegroundBox(v, 0.0f, &begin, &size);
  EXPECT_EQ(begin, (Index3{0, 0, 0}));
  EXPECT_EQ(size, g.size);
  v.at(1, 2, 3) = 0.5f;
  v.at(2, 4, 3) = 0.5f;
  ForegroundBox(v, 0.0f, &begin, &size);
  EXPECT_EQ(begin, (Index3{1, 2, 3}));
  EXPECT_EQ(size, (Index3{2, 3, 1}));
}

}  // namespace
}  // namespace viscera
