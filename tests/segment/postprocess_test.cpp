#include "segment/postprocess.h"

#include <gtest/gtest.h>

#include "segment/preprocess.h"

namespace viscera {
namespace {

// Labels that depend only on the world position: a slab along the patient's left-right axis.
uint16_t LabelAt(const Vec3& lps) {
  return lps[0] > 10 ? 2 : (lps[0] > -5 ? 1 : 0);
}

TEST(Postprocess, LabelsReturnToTheSourceGridThroughOrientationSpacingAndCrop) {
  Geometry source;  // LPS, like a DICOM series, anisotropic
  source.size = {40, 30, 10};
  source.spacing = {0.8, 0.8, 2.5};
  source.origin = {-16, -12, 50};
  ModelMetadata model;
  model.orientation = "RAS";
  model.spacing = {1.5, 1.5, 2.0};
  HounsfieldVolume hu(source);
  std::fill(hu.voxels().begin(), hu.voxels().end(), int16_t{40});
  auto pre = Preprocess(hu, model);
  ASSERT_TRUE(pre.ok());
  const Geometry& grid = pre->network_grid;
  // Pretend the network found the slab, on a crop box that leaves one voxel out on each side.
  Index3 begin{1, 1, 1};
  Geometry box = grid;
  box.size = {grid.size[0] - 2, grid.size[1] - 2, grid.size[2] - 2};
  box.origin = grid.IndexToLpsPoint({1, 1, 1});
  Volume<uint16_t> cropped(box);
  for (int64_t k = 0; k < box.size[2]; ++k) {
    for (int64_t j = 0; j < box.size[1]; ++j) {
      for (int64_t i = 0; i < box.size[0]; ++i) {
        cropped.at(i, j, k) = LabelAt(box.IndexToLpsPoint({double(i), double(j), double(k)}));
      }
    }
  }
  auto labels = LabelsToSourceGrid(cropped, grid, begin, source);
  ASSERT_TRUE(labels.ok());
  ASSERT_TRUE(labels->geometry().SameGrid(source));
  int64_t agree = 0, inside = 0;
  for (int64_t k = 1; k < source.size[2] - 1; ++k) {
    for (int64_t j = 2; j < source.size[1] - 2; ++j) {
      for (int64_t i = 2; i < source.size[0] - 2; ++i) {
        Vec3 p = source.IndexToLpsPoint({double(i), double(j), double(k)});
        if (std::abs(p[0] - 10) < 1 || std::abs(p[0] + 5) < 1) continue;  // borders: +-1 voxel
        ++inside;
        agree += labels->at(i, j, k) == LabelAt(p);
      }
    }
  }
  EXPECT_GT(inside, 1000);
  EXPECT_EQ(agree, inside);
  // The patient's left (+x in LPS) is label 2 at the source's high i end: not mirrored.
  EXPECT_EQ(labels->at(38, 15, 5), 2);
  EXPECT_EQ(labels->at(1, 15, 5), 0);
}

TEST(Postprocess, LargestComponentPerLabelIsKept) {
  Geometry g;
  g.size = {10, 10, 10};
  Volume<uint16_t> v(g);
  std::fill(v.voxels().begin(), v.voxels().end(), uint16_t{0});
  for (int64_t i = 0; i < 4; ++i) v.at(i, 0, 0) = 3;  // 4 voxels
  v.at(9, 9, 9) = 3;                                  // island of 1
  v.at(5, 5, 5) = 7;
  v.at(6, 6, 6) = 7;  // diagonal neighbour: 26-connected
  v.at(0, 9, 0) = 7;  // island
  EXPECT_EQ(KeepLargestComponents(v), 2);
  EXPECT_EQ(v.at(9, 9, 9), 0);
  EXPECT_EQ(v.at(0, 9, 0), 0);
  EXPECT_EQ(v.at(3, 0, 0), 3);
  EXPECT_EQ(v.at(6, 6, 6), 7);
}

}  // namespace
}  // namespace viscera
