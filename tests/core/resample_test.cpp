#include "core/resample.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

namespace viscera {
namespace {
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Geometry ObliqueGeometry(Index3 size, Vec3 spacing) {
  Geometry g;
  g.size = size;
  g.spacing = spacing;
  g.origin = {-31.5, 12.25, 880};
  // Orthonormal, not axis-aligned.
  g.direction.m = {{{0.36, 0.48, -0.8}, {-0.8, 0.6, 0}, {0.48, 0.64, 0.6}}};
  return g;
}

template <typename T, typename F>
Volume<T> Filled(const Geometry& g, F value) {
  Volume<T> v(g);
  for (int64_t k = 0; k < g.size[2]; ++k) {
    for (int64_t j = 0; j < g.size[1]; ++j) {
      for (int64_t i = 0; i < g.size[0]; ++i) v.at(i, j, k) = static_cast<T>(value(i, j, k));
    }
  }
  return v;
}

Vec3 Point(const Geometry& g, double i, double j, double k) {
  return g.IndexToLpsPoint({i, j, k});
}

TEST(ResampleTest, LinearReproducesRampWhenUpsampling) {
  Geometry g = ObliqueGeometry({6, 5, 4}, {2, 2, 2});
  Volume<float> src =
      Filled<float>(g, [](auto i, auto j, auto k) { return 2 * i + 3 * j + 5 * k; });
  Expected<Volume<float>> out = Resample(src, {1, 1, 1}, Interpolation::kLinear);
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  const Geometry& d = out->geometry();
  ASSERT_EQ(d.size, (Index3{12, 10, 8}));
  EXPECT_EQ(d.spacing, (Vec3{1, 1, 1}));
  EXPECT_EQ(d.origin, g.origin);
  EXPECT_EQ(d.direction.m, g.direction.m);
  for (int64_t c = 0; c < 8; ++c) {
    for (int64_t b = 0; b < 10; ++b) {
      for (int64_t a = 0; a < 12; ++a) {
        // Source continuous index of this voxel; beyond the last source voxel, the edge value.
        const double x = std::min(a / 2.0, 5.0), y = std::min(b / 2.0, 4.0),
                     z = std::min(c / 2.0, 3.0);
        ASSERT_FLOAT_EQ(out->at(a, b, c), static_cast<float>(2 * x + 3 * y + 5 * z))
            << a << "," << b << "," << c;
      }
    }
  }
  // The new voxel (a,b,c) lies where the source's continuous index (a/2,b/2,c/2) lies.
  Vec3 p = Point(d, 7, 3, 5), q = Point(g, 3.5, 1.5, 2.5);
  for (int r = 0; r < 3; ++r) EXPECT_NEAR(p[r], q[r], 1e-9);
}

TEST(ResampleTest, LinearReproducesRampAnisotropic) {
  Geometry g = ObliqueGeometry({6, 5, 4}, {1, 2, 3});
  Volume<float> src =
      Filled<float>(g, [](auto i, auto j, auto k) { return 2 * i + 3 * j + 5 * k; });
  Expected<Volume<float>> out = Resample(src, {0.5, 1.5, 2}, Interpolation::kLinear);
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  ASSERT_EQ(out->size(), (Index3{12, 7, 6}));  // round(6/0.5), round(10/1.5), round(12/2)
  for (int64_t c = 0; c < 6; ++c) {
    for (int64_t b = 0; b < 7; ++b) {
      for (int64_t a = 0; a < 12; ++a) {
        const double x = a * 0.5, y = b * 0.75, z = c * 2.0 / 3.0;
        if (x > 5 || y > 4 || z > 3) continue;  // interior only
        ASSERT_NEAR(out->at(a, b, c), 2 * x + 3 * y + 5 * z, 1e-4) << a << "," << b << "," << c;
      }
    }
  }
}

TEST(ResampleTest, LinearDownsamplingPicksSourceSamples) {
  Geometry g = ObliqueGeometry({9, 7, 5}, {0.5, 0.5, 1});
  Volume<int32_t> src =
      Filled<int32_t>(g, [](auto i, auto j, auto k) { return 100 * i - 10 * j + 1000 * k; });
  Expected<Volume<int32_t>> out = Resample(src, {1, 1, 2}, Interpolation::kLinear);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), (Index3{5, 4, 3}));  // round(4.5)=5, round(3.5)=4, round(2.5)=3
  for (int64_t c = 0; c < 3; ++c) {
    for (int64_t b = 0; b < 4; ++b) {
      for (int64_t a = 0; a < 5; ++a) {
        const int64_t j = std::min<int64_t>(2 * b, 6), k = std::min<int64_t>(2 * c, 4);
        ASSERT_EQ(out->at(a, b, c), src.at(2 * a, j, k)) << a << "," << b << "," << c;
      }
    }
  }
}

TEST(ResampleTest, NewSizeIsRoundedExtentOverSpacingAtLeastOne) {
  Geometry g = ObliqueGeometry({5, 7, 3}, {1, 0.7, 2.5});
  Volume<uint8_t> src = Filled<uint8_t>(g, [](auto, auto, auto) { return 1; });
  Expected<Volume<uint8_t>> out = Resample(src, {2, 3, 1e3}, Interpolation::kNearest);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->size(), (Index3{3, 2, 1}));  // round(2.5)=3, round(1.63)=2, max(1, round(0.0075))
  EXPECT_EQ(out->geometry().spacing, (Vec3{2, 3, 1e3}));
  EXPECT_EQ(out->geometry().origin, g.origin);
  EXPECT_EQ(out->geometry().direction.m, g.direction.m);
}

TEST(ResampleTest, NearestNeverInventsLabels) {
  const uint8_t kLabels[4] = {0, 3, 7, 200};
  Geometry g = ObliqueGeometry({12, 12, 12}, {1, 1, 1});
  Volume<uint8_t> src = Filled<uint8_t>(
      g, [&](auto i, auto j, auto k) { return kLabels[(i / 3 + j / 4 + k / 5) % 4]; });
  const std::set<int> allowed{0, 3, 7, 200};
  for (Vec3 spacing : {Vec3{0.5, 0.5, 0.5}, Vec3{0.7, 1.3, 2.1}, Vec3{1.5, 0.4, 1}}) {
    Expected<Volume<uint8_t>> out = Resample(src, spacing, Interpolation::kNearest);
    ASSERT_TRUE(out.ok());
    std::set<int> values(out->voxels().begin(), out->voxels().end());
    for (int v : values) EXPECT_TRUE(allowed.count(v)) << "invented label " << v;
    EXPECT_EQ(values, allowed);  // none lost at these spacings either
    // Each voxel takes its nearest source voxel (a tie at exactly half may go either way).
    const Geometry& d = out->geometry();
    for (int64_t c = 0; c < d.size[2]; ++c) {
      for (int64_t b = 0; b < d.size[1]; ++b) {
        for (int64_t a = 0; a < d.size[0]; ++a) {
          const double x = std::min(a * spacing[0], 11.0), y = std::min(b * spacing[1], 11.0),
                       z = std::min(c * spacing[2], 11.0);
          auto near = [](double p) { return static_cast<int64_t>(std::floor(p + 0.5)); };
          auto tie = [](double p) { return std::abs(p - std::floor(p) - 0.5) < 1e-9; };
          if (tie(x) || tie(y) || tie(z)) continue;
          ASSERT_EQ(out->at(a, b, c), src.at(near(x), near(y), near(z)));
        }
      }
    }
  }
  // Linear interpolation of the same volume does blend labels: the check above can fail.
  Expected<Volume<uint8_t>> blended = Resample(src, {0.5, 0.5, 0.5}, Interpolation::kLinear);
  ASSERT_TRUE(blended.ok());
  std::set<int> values(blended->voxels().begin(), blended->voxels().end());
  EXPECT_GT(values.size(), allowed.size());
}

TEST(ResampleTest, NearestKeepsBlockLabelAtItsCentre) {
  Geometry g = ObliqueGeometry({16, 16, 16}, {1, 1, 1});
  auto in_box = [](int64_t v, int64_t lo) { return v >= lo && v < lo + 4; };
  Volume<uint16_t> src = Filled<uint16_t>(g, [&](auto i, auto j, auto k) {
    if (in_box(i, 4) && in_box(j, 4) && in_box(k, 4)) return 5;
    if (in_box(i, 10) && in_box(j, 2) && in_box(k, 8)) return 900;
    return 0;
  });
  for (double s : {0.6, 1.0, 1.7, 2.5}) {
    Expected<Volume<uint16_t>> out = Resample(src, {s, s, s}, Interpolation::kNearest);
    ASSERT_TRUE(out.ok());
    // The new voxel nearest each block's centre (source index lo + 1.5).
    auto at_centre = [&](double ci, double cj, double ck) {
      return out->at(std::llround(ci / s), std::llround(cj / s), std::llround(ck / s));
    };
    EXPECT_EQ(at_centre(5.5, 5.5, 5.5), 5) << "spacing " << s;
    EXPECT_EQ(at_centre(11.5, 3.5, 9.5), 900) << "spacing " << s;
    EXPECT_EQ(at_centre(0, 13, 0), 0) << "spacing " << s;
  }
}

TEST(ResampleTest, IntegerLinearRoundsHalfAwayFromZero) {
  Geometry g = ObliqueGeometry({3, 1, 1}, {1, 1, 1});
  std::vector<int16_t> values{-3, 0, 4};
  Volume<int16_t> src(g, values);
  Expected<Volume<int16_t>> out = Resample(src, {0.25, 1, 1}, Interpolation::kLinear);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), (Index3{12, 1, 1}));
  // Exact values -3, -2.25, -1.5, -0.75, 0, 1, 2, 3, 4, then the clamped edge.
  EXPECT_THAT(std::vector<int16_t>(out->voxels().begin(), out->voxels().end()),
              ElementsAre(-3, -2, -2, -1, 0, 1, 2, 3, 4, 4, 4, 4));

  std::vector<uint8_t> bytes{0, 1, 255};
  Volume<uint8_t> u8(g, bytes);
  Expected<Volume<uint8_t>> u8_out = Resample(u8, {0.5, 1, 1}, Interpolation::kLinear);
  ASSERT_TRUE(u8_out.ok());
  EXPECT_THAT(std::vector<int>(u8_out->voxels().begin(), u8_out->voxels().end()),
              ElementsAre(0, 1, 1, 128, 255, 255));
}

TEST(ResampleTest, AnyVolumeKeepsVoxelType) {
  Geometry g = ObliqueGeometry({4, 4, 4}, {1, 1, 1});
  AnyVolume any = Filled<uint16_t>(g, [](auto i, auto, auto) { return 10 * i; });
  Expected<AnyVolume> out = Resample(any, {2, 2, 2}, Interpolation::kLinear);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(VoxelTypeOfVolume(*out), VoxelType::kUInt16);
  const auto& v = std::get<Volume<uint16_t>>(*out);
  EXPECT_EQ(v.size(), (Index3{2, 2, 2}));
  EXPECT_EQ(v.at(1, 0, 0), 20);
}

TEST(ResampleTest, InvalidSpacingNamesTheAxis) {
  Geometry g = ObliqueGeometry({8, 8, 8}, {1, 1, 1});
  Volume<int16_t> src = Filled<int16_t>(g, [](auto, auto, auto) { return 0; });
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (int axis = 0; axis < 3; ++axis) {
    for (double bad : {0.0, -1.0, nan, inf, -inf, 1e-9, 1e-300}) {
      Vec3 spacing{1, 1, 1};
      spacing[axis] = bad;
      Expected<Volume<int16_t>> out = Resample(src, spacing, Interpolation::kLinear);
      ASSERT_FALSE(out.ok()) << "axis " << axis << " spacing " << bad;
      EXPECT_EQ(out.error().code, ErrorCode::kInvalidArgument);
      EXPECT_THAT(out.error().message, HasSubstr("spacing[" + std::to_string(axis) + "]"));
    }
  }
}

TEST(ResampleTest, RefusesTooManyVoxelsInTotal) {
  // Each axis alone stays modest (50,000 voxels), but together they would need 1.25e14 voxels.
  Geometry g = ObliqueGeometry({100, 100, 100}, {1, 1, 1});
  Volume<uint8_t> src = Filled<uint8_t>(g, [](auto, auto, auto) { return 0; });
  Expected<Volume<uint8_t>> out = Resample(src, {0.002, 0.002, 0.002}, Interpolation::kNearest);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(out.error().message, HasSubstr("voxels"));
}

TEST(ResampleTest, RefusesEmptyVolume) {
  Geometry g = ObliqueGeometry({0, 4, 4}, {1, 1, 1});
  Volume<float> src(g);
  Expected<Volume<float>> out = Resample(src, {1, 1, 1}, Interpolation::kLinear);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::kInvalidArgument);
}

TEST(CropTest, OriginMovesToWorldPointOfBegin) {
  Geometry g = ObliqueGeometry({7, 6, 5}, {0.8, 1.2, 2.5});
  Volume<int32_t> src =
      Filled<int32_t>(g, [](auto i, auto j, auto k) { return i + 100 * j + 10000 * k; });
  const Index3 begin{2, 1, 3}, size{4, 5, 2};
  Expected<Volume<int32_t>> out = Crop(src, begin, size);
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  const Geometry& d = out->geometry();
  EXPECT_EQ(d.size, size);
  EXPECT_EQ(d.spacing, g.spacing);
  EXPECT_EQ(d.direction.m, g.direction.m);
  for (int64_t k = 0; k < size[2]; ++k) {
    for (int64_t j = 0; j < size[1]; ++j) {
      for (int64_t i = 0; i < size[0]; ++i) {
        ASSERT_EQ(out->at(i, j, k), src.at(begin[0] + i, begin[1] + j, begin[2] + k));
        Vec3 p = Point(d, i, j, k);
        Vec3 q = Point(g, begin[0] + i, begin[1] + j, begin[2] + k);
        for (int r = 0; r < 3; ++r) ASSERT_NEAR(p[r], q[r], 1e-9);
      }
    }
  }
  Vec3 o = Point(g, 2, 1, 3);
  for (int r = 0; r < 3; ++r) EXPECT_NEAR(d.origin[r], o[r], 1e-12);
}

TEST(CropTest, WholeVolumeIsACopy) {
  Geometry g = ObliqueGeometry({3, 4, 5}, {1, 1, 1});
  AnyVolume any = Filled<float>(g, [](auto i, auto j, auto k) { return 0.5 * i - j + 7 * k; });
  Expected<AnyVolume> out = Crop(any, {0, 0, 0}, {3, 4, 5});
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(VoxelTypeOfVolume(*out), VoxelType::kFloat32);
  const auto& a = std::get<Volume<float>>(any);
  const auto& b = std::get<Volume<float>>(*out);
  EXPECT_TRUE(std::equal(a.voxels().begin(), a.voxels().end(), b.voxels().begin()));
  EXPECT_TRUE(b.geometry().SameGrid(a.geometry(), 0));
}

TEST(CropTest, BoxOutsideVolumeIsInvalidArgument) {
  Geometry g = ObliqueGeometry({7, 6, 5}, {1, 1, 1});
  Volume<int16_t> src = Filled<int16_t>(g, [](auto, auto, auto) { return 1; });
  const int64_t big = std::numeric_limits<int64_t>::max();
  struct Case {
    Index3 begin, size;
    int axis;
  };
  for (const Case& c :
       {Case{{-1, 0, 0}, {2, 2, 2}, 0}, Case{{0, 0, 0}, {2, 0, 2}, 1},
        Case{{0, 0, 4}, {1, 1, 2}, 2}, Case{{7, 0, 0}, {1, 1, 1}, 0}, Case{{6, 2, 0}, {2, 1, 1}, 0},
        Case{{0, 0, 0}, {1, 7, 1}, 1}, Case{{0, big, 0}, {1, 1, 1}, 1},
        Case{{0, 0, 1}, {1, 1, big}, 2}, Case{{0, 0, 0}, {1, 1, -3}, 2}}) {
    Expected<Volume<int16_t>> out = Crop(src, c.begin, c.size);
    ASSERT_FALSE(out.ok()) << "axis " << c.axis;
    EXPECT_EQ(out.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(out.error().message, HasSubstr("axis " + std::to_string(c.axis)));
  }
}

}  // namespace
}  // namespace viscera
