#include "core/reorient.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include "test_data.h"

namespace viscera {
namespace {
using viscera::testing::ScratchDir;

Mat3 Columns(const Vec3& c0, const Vec3& c1, const Vec3& c2) {
  Mat3 d;
  for (int r = 0; r < 3; ++r) d.m[r] = {c0[r], c1[r], c2[r]};
  return d;
}

Mat3 Multiply(const Mat3& a, const Mat3& b) {
  Mat3 out;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) {
      out.m[r][c] = 0;
      for (int k = 0; k < 3; ++k) out.m[r][c] += a.m[r][k] * b.m[k][c];
    }
  }
  return out;
}

// Small rotation (a few degrees about each axis): oblique, but every axis keeps its nearest letter.
Mat3 Tilt(double ax_deg, double ay_deg, double az_deg) {
  const double k = std::numbers::pi / 180;
  const double cx = std::cos(ax_deg * k), sx = std::sin(ax_deg * k);
  const double cy = std::cos(ay_deg * k), sy = std::sin(ay_deg * k);
  const double cz = std::cos(az_deg * k), sz = std::sin(az_deg * k);
  Mat3 rx = Columns({1, 0, 0}, {0, cx, sx}, {0, -sx, cx});
  Mat3 ry = Columns({cy, 0, -sy}, {0, 1, 0}, {sy, 0, cy});
  Mat3 rz = Columns({cz, sz, 0}, {-sz, cz, 0}, {0, 0, 1});
  return Multiply(rz, Multiply(ry, rx));
}

// A DICOM-style axial grid: identity direction (LPS), anisotropic, every dimension distinct.
Geometry AxialGeometry() {
  Geometry g;
  g.size = {5, 6, 7};
  g.spacing = {0.7, 0.9, 2.5};
  g.origin = {-100.5, 80.25, -300};
  return g;
}

// i posterior, j inferior, k right, tilted by a few degrees.
Geometry ObliqueSagittalGeometry() {
  Geometry g;
  g.size = {6, 4, 5};
  g.spacing = {1.1, 0.6, 3.0};
  g.origin = {12.5, -40, 95};
  g.direction = Multiply(Tilt(9, -7, 12), Columns({0, 1, 0}, {0, 0, -1}, {-1, 0, 0}));
  return g;
}

// Voxel value = its offset, so the value tells where in the source it came from.
template <typename T>
Volume<T> NumberedVolume(const Geometry& g) {
  Volume<T> v(g);
  for (size_t n = 0; n < v.voxels().size(); ++n) v.voxels()[n] = static_cast<T>(n);
  return v;
}

std::vector<std::string> AllOrientations() {
  std::vector<std::string> out;
  const std::string pairs[3] = {"LR", "PA", "SI"};
  const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  for (const auto& order : orders) {
    for (int signs = 0; signs < 8; ++signs) {
      std::string codes;
      for (int t = 0; t < 3; ++t) codes += pairs[order[t]][(signs >> t) & 1];
      out.push_back(codes);
    }
  }
  return out;
}

// Every voxel of `out` sits at the world position of the source voxel holding the same value.
void ExpectSameWorldPositions(const Volume<int32_t>& src, const Volume<int32_t>& out) {
  const Geometry& s = src.geometry();
  const Geometry& d = out.geometry();
  ASSERT_EQ(out.voxels().size(), src.voxels().size());
  std::vector<int> seen(src.voxels().size(), 0);
  for (int64_t k = 0; k < d.size[2]; ++k) {
    for (int64_t j = 0; j < d.size[1]; ++j) {
      for (int64_t i = 0; i < d.size[0]; ++i) {
        const int32_t v = out.at(i, j, k);
        ASSERT_GE(v, 0);
        ASSERT_LT(v, static_cast<int32_t>(seen.size()));
        ++seen[static_cast<size_t>(v)];
        const Vec3 src_ijk{static_cast<double>(v % s.size[0]),
                           static_cast<double>(v / s.size[0] % s.size[1]),
                           static_cast<double>(v / (s.size[0] * s.size[1]))};
        const Vec3 want = s.IndexToLpsPoint(src_ijk);
        const Vec3 got = d.IndexToLpsPoint(
            {static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)});
        for (int r = 0; r < 3; ++r) {
          ASSERT_NEAR(got[r], want[r], 1e-9)
              << d.AxisCodes() << " voxel (" << i << "," << j << "," << k << ") value " << v;
        }
      }
    }
  }
  for (size_t n = 0; n < seen.size(); ++n) ASSERT_EQ(seen[n], 1) << "source voxel " << n;
}

TEST(ReorientTest, LpsToRasKeepsWorldPositions) {
  Volume<int32_t> src = NumberedVolume<int32_t>(AxialGeometry());
  Expected<Volume<int32_t>> ras = Reorient(src, "RAS");
  ASSERT_TRUE(ras.ok()) << ras.error().ToString();
  EXPECT_EQ(ras->geometry().AxisCodes(), "RAS");
  EXPECT_EQ(ras->size(), src.size());
  EXPECT_EQ(ras->geometry().spacing, src.geometry().spacing);
  // Voxel (0,0,0) of the RAS volume is the right-anterior corner of the LPS one.
  EXPECT_EQ(ras->at(0, 0, 0), src.at(4, 5, 0));
  ExpectSameWorldPositions(src, *ras);
}

TEST(ReorientTest, EveryOrientationKeepsWorldPositions) {
  for (const Geometry& g : {AxialGeometry(), ObliqueSagittalGeometry()}) {
    Volume<int32_t> src = NumberedVolume<int32_t>(g);
    ASSERT_EQ(g.AxisCodes(), g.size[0] == 5 ? "LPS" : "PIR");
    for (const std::string& codes : AllOrientations()) {
      SCOPED_TRACE(g.AxisCodes() + " -> " + codes);
      Expected<Volume<int32_t>> out = Reorient(src, codes);
      ASSERT_TRUE(out.ok()) << out.error().ToString();
      EXPECT_EQ(out->geometry().AxisCodes(), codes);
      ExpectSameWorldPositions(src, *out);
    }
  }
}

TEST(ReorientTest, PermutesSizeAndSpacingWithTheAxes) {
  Volume<int32_t> src = NumberedVolume<int32_t>(AxialGeometry());  // LPS, size 5x6x7
  Expected<Volume<int32_t>> pil = Reorient(src, "PIL");
  ASSERT_TRUE(pil.ok());
  EXPECT_EQ(pil->size(), (Index3{6, 7, 5}));
  EXPECT_EQ(pil->geometry().spacing, (Vec3{0.9, 2.5, 0.7}));
  Expected<Volume<int32_t>> sar = Reorient(src, "SAR");
  ASSERT_TRUE(sar.ok());
  EXPECT_EQ(sar->size(), (Index3{7, 6, 5}));
  EXPECT_EQ(sar->geometry().spacing, (Vec3{2.5, 0.9, 0.7}));
  EXPECT_EQ(sar->geometry().direction.Column(0), (Vec3{0, 0, 1}));
  EXPECT_EQ(sar->geometry().direction.Column(1), (Vec3{0, -1, 0}));
  EXPECT_EQ(sar->geometry().direction.Column(2), (Vec3{-1, 0, 0}));
}

TEST(ReorientTest, ReorientingBackRestoresVoxelsAndGeometry) {
  for (const Geometry& g : {AxialGeometry(), ObliqueSagittalGeometry()}) {
    Volume<int32_t> src = NumberedVolume<int32_t>(g);
    const std::string home = g.AxisCodes();
    for (const std::string codes : {"RAS", "PIL", "SAR", "IRA"}) {
      SCOPED_TRACE(home + " -> " + codes + " -> " + home);
      Expected<Volume<int32_t>> there = Reorient(src, codes);
      ASSERT_TRUE(there.ok());
      Expected<Volume<int32_t>> back = Reorient(*there, home);
      ASSERT_TRUE(back.ok());
      EXPECT_TRUE(std::equal(back->voxels().begin(), back->voxels().end(), src.voxels().begin(),
                             src.voxels().end()));
      const Geometry& b = back->geometry();
      EXPECT_EQ(b.size, g.size);
      EXPECT_EQ(b.spacing, g.spacing);
      EXPECT_EQ(b.direction.m, g.direction.m);  // only sign flips and column swaps: exact
      for (int r = 0; r < 3; ++r) EXPECT_NEAR(b.origin[r], g.origin[r], 1e-9);
    }
  }
}

TEST(ReorientTest, SameOrientationIsIdentity) {
  Volume<int32_t> src = NumberedVolume<int32_t>(ObliqueSagittalGeometry());
  Expected<Volume<int32_t>> out = Reorient(src, "PIR");
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(std::equal(out->voxels().begin(), out->voxels().end(), src.voxels().begin()));
  EXPECT_EQ(out->geometry().origin, src.geometry().origin);
}

TEST(ReorientTest, AnyVolumeKeepsVoxelType) {
  AnyVolume any = NumberedVolume<int16_t>(AxialGeometry());
  Expected<AnyVolume> out = Reorient(any, "RAS");
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  ASSERT_EQ(VoxelTypeOfVolume(*out), VoxelType::kInt16);
  EXPECT_EQ(GeometryOf(*out).AxisCodes(), "RAS");
  EXPECT_EQ(std::get<Volume<int16_t>>(*out).at(0, 0, 0), 29);  // source (4,5,0)
}

TEST(ReorientTest, InvalidCodeIsInvalidArgument) {
  Volume<int32_t> src = NumberedVolume<int32_t>(AxialGeometry());
  AnyVolume any = src;
  for (std::string bad : {"RAX", "RRS", "RA", "", "ras", "RASL"}) {
    Expected<Volume<int32_t>> out = Reorient(src, bad);
    ASSERT_FALSE(out.ok()) << bad;
    EXPECT_EQ(out.error().code, ErrorCode::kInvalidArgument);
    Expected<AnyVolume> any_out = Reorient(any, bad);
    ASSERT_FALSE(any_out.ok()) << bad;
    EXPECT_EQ(any_out.error().code, ErrorCode::kInvalidArgument);
  }
}

// Outside truth: nibabel's orientation functions, run on the same voxels and affine.
constexpr char kNibabelScript[] = R"PY(
import json, sys
import numpy as np
from nibabel import orientations as o

d = sys.argv[1]
meta = json.load(open(d + "/in.json"))
shape = tuple(meta["shape"])
aff = np.array(meta["affine"], dtype=np.float64)
arr = np.fromfile(d + "/in.raw", dtype="<i2").reshape(shape, order="F")
t = o.ornt_transform(o.io_orientation(aff), o.axcodes2ornt("RAS"))
out = o.apply_orientation(arr, t)
new_aff = aff @ o.inv_ornt_aff(t, arr.shape)
out.ravel(order="F").astype("<i2").tofile(d + "/out.raw")
with open(d + "/out.txt", "w") as f:
    f.write(" ".join(str(int(s)) for s in out.shape) + "\n")
    f.write(" ".join(repr(float(x)) for x in new_aff.ravel()) + "\n")
)PY";

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void CheckAgainstNibabel(const Geometry& g) {
  ScratchDir dir;
  Volume<int16_t> src(g);
  for (size_t n = 0; n < src.voxels().size(); ++n) {
    src.voxels()[n] = static_cast<int16_t>(static_cast<int>(n * 37 % 1999) - 999);
  }
  {
    std::ofstream raw(dir / "in.raw", std::ios::binary);
    raw.write(reinterpret_cast<const char*>(src.voxels().data()),
              static_cast<std::streamsize>(src.voxels().size() * sizeof(int16_t)));
    const Affine a = g.IndexToRas();
    char buf[64];
    std::ostringstream json;
    json << "{\"shape\": [" << g.size[0] << ", " << g.size[1] << ", " << g.size[2]
         << "], \"affine\": [";
    for (int r = 0; r < 4; ++r) {
      json << (r ? ", [" : "[");
      for (int c = 0; c < 4; ++c) {
        std::snprintf(buf, sizeof(buf), "%.17g", a.m[r][c]);
        json << (c ? ", " : "") << buf;
      }
      json << "]";
    }
    json << "]}\n";
    std::ofstream(dir / "in.json") << json.str();
    std::ofstream(dir / "reorient.py") << kNibabelScript;
  }
  const std::string command = std::string(VISCERA_PYTHON) + " " + (dir / "reorient.py").string() +
                              " " + dir.path().string() + " > " + (dir / "log.txt").string() +
                              " 2>&1";
  const int rc = std::system(command.c_str());
  ASSERT_EQ(rc, 0) << command << "\n" << ReadText(dir / "log.txt");

  std::ifstream text(dir / "out.txt");
  Index3 shape{};
  Affine want;
  text >> shape[0] >> shape[1] >> shape[2];
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 4; ++c) text >> want.m[r][c];
  }
  ASSERT_TRUE(text) << ReadText(dir / "out.txt");
  std::vector<int16_t> want_voxels(static_cast<size_t>(shape[0] * shape[1] * shape[2]));
  std::ifstream(dir / "out.raw", std::ios::binary)
      .read(reinterpret_cast<char*>(want_voxels.data()),
            static_cast<std::streamsize>(want_voxels.size() * sizeof(int16_t)));

  Expected<Volume<int16_t>> ours = Reorient(src, "RAS");
  ASSERT_TRUE(ours.ok()) << ours.error().ToString();
  ASSERT_EQ(ours->size(), shape);
  const Affine got = ours->geometry().IndexToRas();
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 4; ++c) EXPECT_NEAR(got.m[r][c], want.m[r][c], 1e-9) << r << "," << c;
  }
  ASSERT_EQ(ours->voxels().size(), want_voxels.size());
  for (size_t n = 0; n < want_voxels.size(); ++n) {
    ASSERT_EQ(ours->voxels()[n], want_voxels[n]) << "voxel " << n;
  }
}

TEST(ReorientTest, MatchesNibabelForAxialLps) {
  CheckAgainstNibabel(AxialGeometry());
}

TEST(ReorientTest, MatchesNibabelForObliquePermutedFlipped) {
  CheckAgainstNibabel(ObliqueSagittalGeometry());
  Geometry g = ObliqueSagittalGeometry();
  g.direction = Multiply(Tilt(-5, 11, 3), Columns({0, 0, 1}, {-1, 0, 0}, {0, 1, 0}));  // "SRP"
  ASSERT_EQ(g.AxisCodes(), "SRP");
  CheckAgainstNibabel(g);
}

}  // namespace
}  // namespace viscera
