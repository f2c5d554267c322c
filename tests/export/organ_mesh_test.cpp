#include "export/organ_mesh.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <numbers>
#include <random>
#include <unordered_map>

#include "io/atomic_file.h"
#include "io/volume_file.h"
#include "test_data.h"

namespace viscera {
namespace {
using ::testing::HasSubstr;

// Checks every edge is used once in each direction (closed, 2-manifold, consistently oriented)
// and no triangle repeats a vertex.
void ExpectClosedAndOriented(const TriangleMesh& mesh) {
  std::unordered_map<uint64_t, int> directed;
  for (const auto& t : mesh.triangles) {
    ASSERT_TRUE(t[0] != t[1] && t[1] != t[2] && t[0] != t[2]) << "degenerate triangle";
    for (int e = 0; e < 3; ++e) {
      ++directed[(uint64_t{t[e]} << 32) | t[(e + 1) % 3]];
    }
  }
  int64_t bad = 0;
  for (const auto& [key, count] : directed) {
    const uint64_t reverse = (key << 32) | (key >> 32);
    auto it = directed.find(reverse);
    if (count != 1 || it == directed.end() || it->second != 1) ++bad;
  }
  EXPECT_EQ(bad, 0) << "edges not shared by exactly two oppositely oriented triangles";
}

struct MeshMeasures {
  double volume = 0;  // signed: positive when normals point outward
  Vec3 centroid{0, 0, 0};
  Vec3 lo{1e30, 1e30, 1e30}, hi{-1e30, -1e30, -1e30};
};

MeshMeasures Measure(const TriangleMesh& mesh) {
  MeshMeasures m;
  for (const auto& t : mesh.triangles) {
    const auto& a = mesh.vertices[t[0]];
    const auto& b = mesh.vertices[t[1]];
    const auto& c = mesh.vertices[t[2]];
    const double v = (double(a[0]) * (double(b[1]) * c[2] - double(b[2]) * c[1]) -
                      double(a[1]) * (double(b[0]) * c[2] - double(b[2]) * c[0]) +
                      double(a[2]) * (double(b[0]) * c[1] - double(b[1]) * c[0])) /
                     6.0;
    m.volume += v;
    for (int k = 0; k < 3; ++k) m.centroid[k] += v * (double(a[k]) + b[k] + c[k]) / 4.0;
  }
  for (int k = 0; k < 3; ++k) m.centroid[k] /= m.volume;
  for (const auto& p : mesh.vertices) {
    for (int k = 0; k < 3; ++k) {
      m.lo[k] = std::min(m.lo[k], double(p[k]));
      m.hi[k] = std::max(m.hi[k], double(p[k]));
    }
  }
  return m;
}

Geometry Grid(Index3 size, Vec3 spacing, Vec3 origin, Mat3 direction = {}) {
  Geometry g;
  g.size = size;
  g.spacing = spacing;
  g.origin = origin;
  g.direction = direction;
  return g;
}

Volume<uint16_t> Zeros(const Geometry& g) {
  Volume<uint16_t> v(g);
  std::fill(v.voxels().begin(), v.voxels().end(), uint16_t{0});
  return v;
}

// Voxels whose LPS centre lies within radius of centre get `id`.
Volume<uint16_t> Sphere(const Geometry& g, const Vec3& centre, double radius, uint16_t id) {
  Volume<uint16_t> v = Zeros(g);
  for (int64_t k = 0; k < g.size[2]; ++k) {
    for (int64_t j = 0; j < g.size[1]; ++j) {
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const Vec3 p = g.IndexToLpsPoint({double(i), double(j), double(k)});
        const double d2 = (p[0] - centre[0]) * (p[0] - centre[0]) +
                          (p[1] - centre[1]) * (p[1] - centre[1]) +
                          (p[2] - centre[2]) * (p[2] - centre[2]);
        if (d2 <= radius * radius) v.at(i, j, k) = id;
      }
    }
  }
  return v;
}

TEST(OrganMeshTest, SingleVoxelIsAClosedOctahedron) {
  Geometry g = Grid({3, 3, 3}, {1, 1, 1}, {0, 0, 0});
  Volume<uint16_t> v = Zeros(g);
  v.at(1, 1, 1) = 7;
  auto mesh = ExtractOrganMesh(v, 7, MeshOptions{0});
  ASSERT_TRUE(mesh.ok()) << mesh.error().ToString();
  EXPECT_EQ(mesh->vertices.size(), 6u);
  EXPECT_EQ(mesh->triangles.size(), 8u);
  ExpectClosedAndOriented(*mesh);
  MeshMeasures m = Measure(*mesh);
  EXPECT_NEAR(m.volume, 1.0 / 6.0, 1e-6);  // the octahedron through the six face centres
  EXPECT_NEAR(m.centroid[0], 1.0, 1e-6);
}

// Random masks exercise every cube case, ambiguous faces included, next to each other.
TEST(OrganMeshTest, RandomMasksGiveClosedOrientedMeshesInAnyOrientation) {
  std::mt19937 rng(12345);
  const std::array<Mat3, 3> directions = {
      Mat3{}, Mat3{{{{-1, 0, 0}, {0, -1, 0}, {0, 0, 1}}}},  // RAS-like, det +1
      Mat3{{{{-1, 0, 0}, {0, 1, 0}, {0, 0, 1}}}}};          // mirrored, det -1
  for (int trial = 0; trial < 30; ++trial) {
    Geometry g = Grid({7, 6, 5}, {0.7, 0.9, 1.6}, {10, -20, 30}, directions[trial % 3]);
    Volume<uint16_t> v = Zeros(g);
    std::bernoulli_distribution coin(trial < 10 ? 0.5 : 0.3);
    for (auto& x : v.voxels()) x = coin(rng) ? 3 : (coin(rng) ? 1 : 0);
    auto mesh = ExtractOrganMesh(v, 3, MeshOptions{trial % 2 == 0 ? 0 : 5});
    ASSERT_TRUE(mesh.ok()) << mesh.error().ToString();
    ASSERT_FALSE(mesh->triangles.empty());
    ExpectClosedAndOriented(*mesh);
    if (trial % 2 == 0) {  // unsmoothed: every component encloses positive volume
      EXPECT_GT(Measure(*mesh).volume, 0) << "trial " << trial;
    }
  }
}

TEST(OrganMeshTest, AnisotropicFlippedSphereKeepsVolumeCentreAndOrientation) {
  // 0.8 x 0.8 x 2.5 mm voxels, axes pointing right and anterior (RAS order, as NIfTI stores).
  Mat3 ras{{{{-1, 0, 0}, {0, -1, 0}, {0, 0, 1}}}};
  Geometry g = Grid({70, 70, 24}, {0.8, 0.8, 2.5}, {30, 40, -20}, ras);
  const Vec3 centre{30 - 27.7, 40 - 28.1, -20 + 29.3};
  const double r = 20;
  Volume<uint16_t> v = Sphere(g, centre, r, 4);
  const double exact = 4.0 / 3.0 * std::numbers::pi * r * r * r;

  auto raw = ExtractOrganMesh(v, 4, MeshOptions{0});
  auto smooth = ExtractOrganMesh(v, 4);
  ASSERT_TRUE(raw.ok() && smooth.ok());
  ExpectClosedAndOriented(*smooth);
  MeshMeasures m0 = Measure(*raw), m = Measure(*smooth);
  std::printf(
      "sphere r=20 mm, 0.8x0.8x2.5 mm: exact %.0f mm3, marching cubes %.0f (%+.2f%%), "
      "smoothed %.0f (%+.2f%%), %zu triangles\n",
      exact, m0.volume, 100 * (m0.volume / exact - 1), m.volume, 100 * (m.volume / exact - 1),
      smooth->triangles.size());
  EXPECT_GT(m.volume, 0) << "normals point inward";
  EXPECT_NEAR(m.volume / exact, 1.0, 0.03);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(m.centroid[k], centre[k], 0.5) << "axis " << k;
  for (int k = 0; k < 3; ++k) {
    EXPECT_NEAR(m.hi[k] - m.lo[k], 2 * r, k == 2 ? 2.5 : 1.0) << "extent along axis " << k;
  }
}

TEST(OrganMeshTest, ObliqueGridSphereStaysInPlace) {
  // Rotated 30 degrees about S and mirrored along the slice axis.
  const double c = std::cos(std::numbers::pi / 6), s = std::sin(std::numbers::pi / 6);
  Mat3 oblique{{{{c, -s, 0}, {s, c, 0}, {0, 0, -1}}}};
  Geometry g = Grid({60, 60, 40}, {1.0, 1.0, 1.5}, {-10, -35, 50}, oblique);
  const Vec3 centre = g.IndexToLpsPoint({30.3, 29.6, 19.8});
  Volume<uint16_t> v = Sphere(g, centre, 15, 2);
  auto mesh = ExtractOrganMesh(v, 2);
  ASSERT_TRUE(mesh.ok());
  ExpectClosedAndOriented(*mesh);
  MeshMeasures m = Measure(*mesh);
  EXPECT_NEAR(m.volume / (4.0 / 3.0 * std::numbers::pi * 15 * 15 * 15), 1.0, 0.03);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(m.centroid[k], centre[k], 0.5);
}

TEST(OrganMeshTest, RealLiverVolumeMatchesVoxelVolume) {
  auto loaded = ReadVolume(testing::SharedData("totalseg-example/example_seg_dicom.nii.gz"));
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  auto map = LabelMap::Create(GeometryOf(loaded->volume), loaded->volume, LabelTable{});
  ASSERT_TRUE(map.ok()) << map.error().ToString();
  const Geometry& g = map->labels.geometry();
  int64_t voxels = 0;
  for (uint16_t x : map->labels.voxels()) voxels += x == 5;  // 'total' id 5: liver
  const double voxel_volume = voxels * g.spacing[0] * g.spacing[1] * g.spacing[2];

  auto start = std::chrono::steady_clock::now();
  auto mesh = ExtractOrganMesh(map->labels, 5);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(mesh.ok());
  ExpectClosedAndOriented(*mesh);
  MeshMeasures m = Measure(*mesh);
  std::printf("liver: %lld voxels, %.1f mL; mesh %.1f mL (%+.2f%%), %zu triangles, %.0f ms\n",
              static_cast<long long>(voxels), voxel_volume / 1000, m.volume / 1000,
              100 * (m.volume / voxel_volume - 1), mesh->triangles.size(), ms);
  EXPECT_GT(voxels, 100000);
  EXPECT_NEAR(m.volume / voxel_volume, 1.0, 0.05);
}

TEST(OrganMeshTest, AbsentLabelGivesEmptyMeshAndBadRequestsAreRefused) {
  Geometry g = Grid({4, 4, 4}, {1, 1, 1}, {0, 0, 0});
  Volume<uint16_t> v = Zeros(g);
  v.at(1, 1, 1) = 2;
  auto empty = ExtractOrganMesh(v, 9);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->triangles.empty());
  EXPECT_TRUE(empty->vertices.empty());

  auto background = ExtractOrganMesh(v, 0);
  ASSERT_FALSE(background.ok());
  EXPECT_EQ(background.error().code, ErrorCode::kInvalidArgument);
  auto bad = ExtractOrganMesh(v, 2, MeshOptions{-1});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("smoothing_iterations"));

  testing::ScratchDir dir;
  Status status = WriteBinaryStl(*empty, dir / "none.stl");
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message, HasSubstr("none.stl"));
  EXPECT_FALSE(std::filesystem::exists(dir / "none.stl"));
}

TEST(OrganMeshTest, LabelTouchingTheVolumeBorderIsClosed) {
  Geometry g = Grid({5, 4, 3}, {1, 1, 1}, {0, 0, 0});
  Volume<uint16_t> v = Zeros(g);
  std::fill(v.voxels().begin(), v.voxels().end(), uint16_t{1});  // fills the whole grid
  auto mesh = ExtractOrganMesh(v, 1, MeshOptions{0});
  ASSERT_TRUE(mesh.ok());
  ExpectClosedAndOriented(*mesh);
  EXPECT_GT(Measure(*mesh).volume, 0);
}

TEST(OrganMeshTest, BinaryStlHasSlicerHeaderFacetNormalsAndLpsVertices) {
  TriangleMesh mesh;
  mesh.vertices = {{0, 0, 0}, {10, 0, 0}, {0, 10, 0}, {0, 0, 10}};
  mesh.triangles = {{0, 2, 1}, {0, 1, 3}, {0, 3, 2}, {1, 2, 3}};  // outward tetrahedron
  testing::ScratchDir dir;
  ASSERT_TRUE(WriteBinaryStl(mesh, dir / "tet.stl").ok());
  auto bytes = ReadWholeFile(dir / "tet.stl", 1 << 20);
  ASSERT_TRUE(bytes.ok());
  ASSERT_EQ(bytes->size(), 84u + 4 * 50);
  EXPECT_EQ(bytes->substr(0, 9), "SPACE=LPS");
  uint32_t count = 0;
  std::memcpy(&count, bytes->data() + 80, 4);
  EXPECT_EQ(count, 4u);
  float record[12];
  std::memcpy(record, bytes->data() + 84, sizeof record);  // first facet: normal -z
  EXPECT_FLOAT_EQ(record[0], 0);
  EXPECT_FLOAT_EQ(record[1], 0);
  EXPECT_FLOAT_EQ(record[2], -1);
  EXPECT_FLOAT_EQ(record[6], 0);  // second vertex is vertex 2 = (0, 10, 0)
  EXPECT_FLOAT_EQ(record[7], 10);
  std::memcpy(record, bytes->data() + 84 + 3 * 50, sizeof record);  // slanted face
  EXPECT_NEAR(record[0], 1 / std::sqrt(3.0), 1e-6);
}

TEST(OrganMeshTest, WriteOrganMeshesWritesOneFilePerPresentOrgan) {
  Geometry g = Grid({20, 20, 10}, {1.5, 1.5, 3}, {0, 0, 0});
  Volume<uint16_t> v = Sphere(g, {8, 8, 12}, 6, 1);
  for (int64_t i = 14; i < 18; ++i) v.at(i, 14, 5) = 7;  // not in the table
  LabelTable table;
  ASSERT_TRUE(table.Add({1, "right kidney", {1, 2, 3}, {}, {}}).ok());
  ASSERT_TRUE(table.Add({2, "liver", {4, 5, 6}, {}, {}}).ok());  // absent
  LabelMap map{std::move(v), std::move(table)};
  testing::ScratchDir dir;
  ASSERT_TRUE(WriteOrganMeshes(map, dir / "meshes").ok());
  EXPECT_TRUE(std::filesystem::exists(dir / "meshes" / "right_kidney.stl"));
  EXPECT_TRUE(std::filesystem::exists(dir / "meshes" / "label_7.stl"));
  EXPECT_FALSE(std::filesystem::exists(dir / "meshes" / "liver.stl"));
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir / "meshes"))
    ++files;
  EXPECT_EQ(files, 2);  // no temporary files left behind
}

TEST(OrganMeshTest, AllOrgansOfTheDicomMapInWellUnderSeconds) {
  auto loaded = ReadVolume(testing::SharedData("totalseg-example/example_seg_dicom.nii.gz"));
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  // The 13 BTCV organs under their 'total' ids (8 of them present in this 512x512x20 map).
  LabelTable table;
  const std::pair<uint16_t, const char*> organs[] = {{1, "spleen"},
                                                     {2, "right kidney"},
                                                     {3, "left kidney"},
                                                     {4, "gallbladder"},
                                                     {15, "esophagus"},
                                                     {5, "liver"},
                                                     {6, "stomach"},
                                                     {52, "aorta"},
                                                     {63, "inferior vena cava"},
                                                     {64, "portal and splenic veins"},
                                                     {7, "pancreas"},
                                                     {8, "right adrenal gland"},
                                                     {9, "left adrenal gland"}};
  for (const auto& [id, name] : organs) ASSERT_TRUE(table.Add({id, name, {}, {}, {}}).ok());
  Volume<uint16_t> labels(GeometryOf(loaded->volume));
  auto src = std::get<Volume<uint8_t>>(loaded->volume).voxels();
  auto dst = labels.voxels();
  for (size_t n = 0; n < src.size(); ++n) dst[n] = table.Find(src[n]) != nullptr ? src[n] : 0;
  LabelMap map{std::move(labels), std::move(table)};
  testing::ScratchDir dir;
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(WriteOrganMeshes(map, dir / "meshes").ok());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("meshes of %zu organs on 512x512x20: %.2f s\n", map.PresentIds().size(), seconds);
  EXPECT_LT(seconds, 5.0);
  EXPECT_TRUE(std::filesystem::exists(dir / "meshes" / "portal_and_splenic_veins.stl"));
}

}  // namespace
}  // namespace viscera
