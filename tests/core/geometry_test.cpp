#include "core/geometry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <string>

namespace viscera {
namespace {
using ::testing::HasSubstr;

// Rotation about x, then y, then z (radians); orthonormal columns, no axis-aligned column.
Mat3 Rotation(double ax, double ay, double az) {
  const double cx = std::cos(ax), sx = std::sin(ax);
  const double cy = std::cos(ay), sy = std::sin(ay);
  const double cz = std::cos(az), sz = std::sin(az);
  Mat3 r;
  r.m = {{{cz * cy, cz * sy * sx - sz * cx, cz * sy * cx + sz * sx},
          {sz * cy, sz * sy * sx + cz * cx, sz * sy * cx - cz * sx},
          {-sy, cy * sx, cy * cx}}};
  return r;
}

Mat3 Columns(const Vec3& c0, const Vec3& c1, const Vec3& c2) {
  Mat3 d;
  for (int r = 0; r < 3; ++r) d.m[r] = {c0[r], c1[r], c2[r]};
  return d;
}

Geometry ObliqueGeometry() {
  Geometry g;
  g.size = {17, 23, 9};
  g.spacing = {0.7, 1.3, 2.5};
  g.origin = {-120.25, 33.5, 402.0};
  g.direction = Rotation(0.3, -0.45, 0.8);
  return g;
}

Affine RasDiagonal(double sx, double sy, double sz, const Vec3& t) {
  Affine a;
  a.m = {{{sx, 0, 0, t[0]}, {0, sy, 0, t[1]}, {0, 0, sz, t[2]}, {0, 0, 0, 1}}};
  return a;
}

TEST(GeometryTest, IndexToLpsScalesDirectionColumnsBySpacing) {
  Geometry g;
  g.spacing = {0.5, 0.75, 2.5};
  g.origin = {10, -20, 30};
  Vec3 p = g.IndexToLpsPoint({2, 4, 3});
  EXPECT_DOUBLE_EQ(p[0], 11.0);
  EXPECT_DOUBLE_EQ(p[1], -17.0);
  EXPECT_DOUBLE_EQ(p[2], 37.5);

  // Oblique: one index step along axis c moves spacing[c] mm along direction column c.
  Geometry o = ObliqueGeometry();
  Affine a = o.IndexToLps();
  for (int c = 0; c < 3; ++c) {
    Vec3 step{0, 0, 0};
    step[c] = 1;
    Vec3 p0 = a.Apply({0, 0, 0});
    Vec3 p1 = a.Apply(step);
    for (int r = 0; r < 3; ++r) {
      EXPECT_NEAR(p0[r], o.origin[r], 1e-12);
      EXPECT_NEAR(p1[r] - p0[r], o.direction.m[r][c] * o.spacing[c], 1e-12) << r << "," << c;
    }
  }
  EXPECT_EQ(a.m[3][0], 0);
  EXPECT_EQ(a.m[3][3], 1);
}

TEST(GeometryTest, IndexToRasIsLpsWithXAndYNegated) {
  Geometry g = ObliqueGeometry();
  Affine lps = g.IndexToLps();
  Affine ras = g.IndexToRas();
  for (Vec3 ijk : {Vec3{0, 0, 0}, Vec3{1, 2, 3}, Vec3{16, 22, 8}, Vec3{-3.5, 7.25, 0.5}}) {
    Vec3 l = lps.Apply(ijk);
    Vec3 r = ras.Apply(ijk);
    EXPECT_NEAR(r[0], -l[0], 1e-12);
    EXPECT_NEAR(r[1], -l[1], 1e-12);
    EXPECT_NEAR(r[2], l[2], 1e-12);
  }
  // FlipXY is its own inverse.
  Affine back = FlipXY(ras);
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 4; ++c) EXPECT_EQ(back.m[r][c], lps.m[r][c]);
  }
}

void ExpectSamePlacement(const Geometry& a, const Geometry& b, double tol) {
  EXPECT_EQ(a.size, b.size);
  for (int r = 0; r < 3; ++r) {
    EXPECT_NEAR(a.spacing[r], b.spacing[r], tol) << r;
    EXPECT_NEAR(a.origin[r], b.origin[r], tol) << r;
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(a.direction.m[r][c], b.direction.m[r][c], tol);
  }
}

TEST(GeometryTest, FromIndexToLpsRoundTripsObliqueAnisotropic) {
  Geometry g = ObliqueGeometry();
  Expected<Geometry> back = Geometry::FromIndexToLps(g.IndexToLps(), g.size);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  ExpectSamePlacement(*back, g, 1e-12);
}

TEST(GeometryTest, FromIndexToRasRoundTripsObliqueAnisotropic) {
  Geometry g = ObliqueGeometry();
  g.direction = Rotation(-1.1, 0.2, 2.4);
  Expected<Geometry> back = Geometry::FromIndexToRas(g.IndexToRas(), g.size);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  ExpectSamePlacement(*back, g, 1e-12);
}

TEST(GeometryTest, FromIndexToRasOfCanonicalNiftiAffine) {
  // NIfTI: +x Right, +y Anterior. In LPS that is direction diag(-1,-1,1), origin (-tx,-ty,tz).
  Expected<Geometry> g =
      Geometry::FromIndexToRas(RasDiagonal(0.8, 0.9, 2.5, {-100, -120, 50}), {64, 64, 30});
  ASSERT_TRUE(g.ok()) << g.error().ToString();
  EXPECT_EQ(g->spacing, (Vec3{0.8, 0.9, 2.5}));
  EXPECT_EQ(g->origin, (Vec3{100, 120, 50}));
  EXPECT_EQ(g->direction.Column(0), (Vec3{-1, 0, 0}));
  EXPECT_EQ(g->direction.Column(1), (Vec3{0, -1, 0}));
  EXPECT_EQ(g->direction.Column(2), (Vec3{0, 0, 1}));
  EXPECT_EQ(g->AxisCodes(), "RAS");
}

TEST(GeometryTest, FromIndexToLpsRejectsZeroColumn) {
  Affine a = RasDiagonal(1, 0, 1, {0, 0, 0});
  Expected<Geometry> g = Geometry::FromIndexToLps(a, {4, 4, 4});
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, ErrorCode::kCorruptData);
  EXPECT_THAT(g.error().message, HasSubstr("column 1"));
}

TEST(GeometryTest, FromIndexToLpsRejectsSingularMatrix) {
  Affine a;
  a.m = {{{1, 2, 0, 0}, {1, 2, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}};  // columns 0 and 1 parallel
  Expected<Geometry> g = Geometry::FromIndexToLps(a, {4, 4, 4});
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, ErrorCode::kCorruptData);
  EXPECT_THAT(g.error().message, HasSubstr("singular"));

  // Three distinct, non-zero but coplanar columns.
  a.m = {{{1, 0, 1, 0}, {0, 1, 1, 0}, {0, 0, 0, 0}, {0, 0, 0, 1}}};
  EXPECT_FALSE(Geometry::FromIndexToLps(a, {4, 4, 4}).ok());
}

TEST(GeometryTest, FromIndexToLpsRejectsNonFinite) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (double bad : {nan, inf, -inf}) {
    for (int r = 0; r < 3; ++r) {
      for (int c = 0; c < 4; ++c) {
        Affine a = RasDiagonal(1, 2, 3, {4, 5, 6});
        a.m[r][c] = bad;
        Expected<Geometry> g = Geometry::FromIndexToLps(a, {2, 2, 2});
        ASSERT_FALSE(g.ok()) << "m[" << r << "][" << c << "] = " << bad;
        EXPECT_EQ(g.error().code, ErrorCode::kCorruptData);
      }
    }
  }
}

TEST(GeometryTest, AxisCodesOfAxisAlignedDirections) {
  Geometry g;
  EXPECT_EQ(g.AxisCodes(), "LPS");
  g.direction = Columns({-1, 0, 0}, {0, -1, 0}, {0, 0, 1});
  EXPECT_EQ(g.AxisCodes(), "RAS");
  g.direction = Columns({-1, 0, 0}, {0, 1, 0}, {0, 0, -1});
  EXPECT_EQ(g.AxisCodes(), "RPI");
  // Permuted: i runs inferior, j left, k anterior.
  g.direction = Columns({0, 0, -1}, {1, 0, 0}, {0, -1, 0});
  EXPECT_EQ(g.AxisCodes(), "ILA");
  // A sagittal-style acquisition: i posterior, j inferior, k left.
  g.direction = Columns({0, 1, 0}, {0, 0, -1}, {1, 0, 0});
  EXPECT_EQ(g.AxisCodes(), "PIL");
}

TEST(GeometryTest, AxisCodesOfObliqueUseNearestLetter) {
  const double deg = std::numbers::pi / 180;
  Geometry g;
  g.direction = Rotation(0, 0, 20 * deg);  // i mostly +x, j mostly +y
  EXPECT_EQ(g.AxisCodes(), "LPS");
  g.direction = Rotation(0, 0, 70 * deg);  // i mostly +y (P), j mostly -x (R)
  EXPECT_EQ(g.AxisCodes(), "PRS");
  g.direction = Rotation(-25 * deg, 0, 0);  // tilted gantry: j and k stay P and S
  EXPECT_EQ(g.AxisCodes(), "LPS");
  // Non-orthogonal, both i and j lean toward +x: the stronger one gets L, the other its next axis.
  const double n0 = std::hypot(0.9, 0.44), n1 = std::hypot(0.8, 0.6);
  g.direction = Columns({0.9 / n0, 0.44 / n0, 0}, {0.8 / n1, 0.6 / n1, 0}, {0, 0, 1});
  EXPECT_EQ(g.AxisCodes(), "LPS");
}

TEST(GeometryTest, AxisCodesAlwaysNameEachAxisOnce) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> angle(-std::numbers::pi, std::numbers::pi);
  for (int n = 0; n < 500; ++n) {
    Geometry g;
    g.direction = Rotation(angle(rng), angle(rng), angle(rng));
    std::string codes = g.AxisCodes();
    ASSERT_TRUE(ValidateAxisCodes(codes).ok()) << codes;
    // Each letter's sense matches the sign of the direction component along its world axis.
    for (int c = 0; c < 3; ++c) {
      const int w = std::string("LR").find(codes[c]) != std::string::npos   ? 0
                    : std::string("PA").find(codes[c]) != std::string::npos ? 1
                                                                            : 2;
      const bool positive = codes[c] == 'L' || codes[c] == 'P' || codes[c] == 'S';
      EXPECT_EQ(g.direction.m[w][c] > 0, positive) << codes << " column " << c;
    }
  }
}

TEST(GeometryTest, SameGridTolerances) {
  Geometry a = ObliqueGeometry();
  Geometry b = a;
  EXPECT_TRUE(a.SameGrid(b));

  b.origin[2] += 0.5e-3;
  EXPECT_TRUE(a.SameGrid(b));
  b.origin[2] += 2e-3;
  EXPECT_FALSE(a.SameGrid(b));
  EXPECT_TRUE(a.SameGrid(b, 1e-2));

  b = a;
  b.spacing[0] += 5e-3;
  EXPECT_FALSE(a.SameGrid(b));
  EXPECT_TRUE(a.SameGrid(b, 1e-2));

  b = a;
  b.size[1] += 1;
  EXPECT_FALSE(a.SameGrid(b, 1e6));

  b = a;
  b.direction.m[1][2] += 1e-3;  // direction tolerance is 1e-4 whatever tol_mm says
  EXPECT_FALSE(a.SameGrid(b));
  EXPECT_FALSE(a.SameGrid(b, 1.0));
  b.direction.m[1][2] = a.direction.m[1][2] + 5e-5;
  EXPECT_TRUE(a.SameGrid(b));
}

TEST(GeometryTest, ValidateAxisCodesAcceptsExactlyTheFortyEightOrientations) {
  for (std::string ok : {"RAS", "LPS", "PIR", "PIL", "SAR", "ILA", "AIR", "LAI"}) {
    EXPECT_TRUE(ValidateAxisCodes(ok).ok()) << ok;
  }
  const std::string letters = "LRPAISX";
  int accepted = 0;
  for (char a : letters) {
    for (char b : letters) {
      for (char c : letters) accepted += ValidateAxisCodes(std::string{a, b, c}).ok() ? 1 : 0;
    }
  }
  EXPECT_EQ(accepted, 48);  // 3! axis orders x 2^3 senses
}

TEST(GeometryTest, ValidateAxisCodesRejectsMalformed) {
  for (std::string bad : {"RAX", "RRS", "RA", "", "RASL", "ras", "LRS", "SIA", "R A"}) {
    Status s = ValidateAxisCodes(bad);
    ASSERT_FALSE(s.ok()) << "'" << bad << "'";
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(s.error().message, HasSubstr("'" + bad + "'"));
  }
}

}  // namespace
}  // namespace viscera
