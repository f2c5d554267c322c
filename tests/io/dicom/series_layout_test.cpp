#include "io/dicom/series_layout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace viscera {
namespace {

// A synthetic series: `count` slices of 4x3 pixels stacked along the normal of `iop`.
DicomSeries MakeSeries(int count, std::array<double, 6> iop, double gap,
                       Vec3 first = {10, 20, 30}) {
  DicomSeries series;
  series.series_instance_uid = "1.2.3";
  const Vec3 row{iop[0], iop[1], iop[2]}, col{iop[3], iop[4], iop[5]};
  const Vec3 normal{row[1] * col[2] - row[2] * col[1], row[2] * col[0] - row[0] * col[2],
                    row[0] * col[1] - row[1] * col[0]};
  for (int k = 0; k < count; ++k) {
    DicomSliceHeader h;
    h.path = "slice" + std::to_string(k) + ".dcm";
    h.rows = 3;
    h.columns = 4;
    h.bits_allocated = 16;
    h.bits_stored = 12;
    h.instance_number = count - k;  // deliberately reversed: must not be used for sorting
    h.image_orientation = iop;
    h.pixel_spacing = std::array<double, 2>{0.5, 0.7};  // row spacing, column spacing
    h.image_position = Vec3{first[0] + k * gap * normal[0], first[1] + k * gap * normal[1],
                            first[2] + k * gap * normal[2]};
    series.instances.push_back(h);
  }
  return series;
}

constexpr std::array<double, 6> kAxial{1, 0, 0, 0, 1, 0};
constexpr std::array<double, 6> kSagittal{0, 1, 0, 0, 0, -1};

TEST(SeriesLayout, AxialGeometryFollowsDicomDefinitions) {
  auto layout = ComputeSeriesLayout(MakeSeries(5, kAxial, 2.5));
  ASSERT_TRUE(layout.ok()) << layout.error().ToString();
  const Geometry& g = layout->geometry;
  EXPECT_EQ(g.size, (Index3{4, 3, 5}));  // columns, rows, slices
  EXPECT_DOUBLE_EQ(g.spacing[0], 0.7);   // PixelSpacing[1]: between columns
  EXPECT_DOUBLE_EQ(g.spacing[1], 0.5);   // PixelSpacing[0]: between rows
  EXPECT_NEAR(g.spacing[2], 2.5, 1e-12);
  EXPECT_EQ(g.origin, (Vec3{10, 20, 30}));
  EXPECT_EQ(g.AxisCodes(), "LPS");
  // Voxel (i=1, j=2, k=3) lies at IPP_k + i * col_spacing * row_dir + j * row_spacing * col_dir.
  Vec3 p = g.IndexToLpsPoint({1, 2, 3});
  EXPECT_NEAR(p[0], 10 + 0.7, 1e-9);
  EXPECT_NEAR(p[1], 20 + 1.0, 1e-9);
  EXPECT_NEAR(p[2], 30 + 7.5, 1e-9);
}

TEST(SeriesLayout, SortsByPositionAlongNormalNotByFileOrInstanceNumber) {
  DicomSeries series = MakeSeries(9, kSagittal, 1.25);
  std::mt19937 rng(7);
  std::shuffle(series.instances.begin(), series.instances.end(), rng);
  auto layout = ComputeSeriesLayout(series);
  ASSERT_TRUE(layout.ok()) << layout.error().ToString();
  for (size_t k = 0; k < layout->slices.size(); ++k) {
    EXPECT_EQ(layout->slices[k]->path, "slice" + std::to_string(k) + ".dcm");
  }
  // Rows toward P, columns toward I; the normal P x I points toward R.
  EXPECT_EQ(layout->geometry.AxisCodes(), "PIR");
  EXPECT_NEAR(layout->geometry.spacing[2], 1.25, 1e-12);
}

TEST(SeriesLayout, RefusesMissingSlice) {
  DicomSeries series = MakeSeries(6, kAxial, 2.0);
  series.instances.erase(series.instances.begin() + 3);
  auto layout = ComputeSeriesLayout(series);
  ASSERT_FALSE(layout.ok());
  EXPECT_EQ(layout.error().code, ErrorCode::kInconsistentData);
  EXPECT_NE(layout.error().message.find("non-uniform slice spacing"), std::string::npos);
  EXPECT_NE(layout.error().message.find("slice2.dcm"), std::string::npos);
  EXPECT_NE(layout.error().message.find("slice4.dcm"), std::string::npos);
}

TEST(SeriesLayout, ToleratesRoundingInPositions) {
  DicomSeries series = MakeSeries(6, kAxial, 2.0);
  (*series.instances[2].image_position)[2] += 0.004;  // DS values written with few digits
  EXPECT_TRUE(ComputeSeriesLayout(series).ok());
}

TEST(SeriesLayout, RefusesDuplicatePosition) {
  DicomSeries series = MakeSeries(4, kAxial, 2.0);
  series.instances.push_back(series.instances[1]);
  series.instances.back().path = "copy.dcm";
  auto layout = ComputeSeriesLayout(series);
  ASSERT_FALSE(layout.ok());
  EXPECT_NE(layout.error().message.find("duplicate slice position"), std::string::npos);
}

TEST(SeriesLayout, RefusesGantryTilt) {
  DicomSeries series = MakeSeries(8, kAxial, 2.0);
  for (size_t k = 0; k < series.instances.size(); ++k) {
    (*series.instances[k].image_position)[1] += 2.0 * std::tan(15.0 * M_PI / 180.0) * k;
  }
  series.instances[0].gantry_tilt = 15.0;
  auto layout = ComputeSeriesLayout(series);
  ASSERT_FALSE(layout.ok());
  EXPECT_EQ(layout.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(layout.error().message.find("gantry tilt: slices are stacked 15.00 degrees"),
            std::string::npos)
      << layout.error().message;
}

TEST(SeriesLayout, RefusesMixedSizesOrientationsSpacingsAndMissingTags) {
  auto expect_error = [](DicomSeries series, const std::string& needle) {
    auto layout = ComputeSeriesLayout(series);
    ASSERT_FALSE(layout.ok()) << needle;
    EXPECT_NE(layout.error().message.find(needle), std::string::npos) << layout.error().message;
  };
  DicomSeries s = MakeSeries(3, kAxial, 1.0);
  s.instances[2].rows = 4;
  expect_error(s, "mixed image sizes");
  s = MakeSeries(3, kAxial, 1.0);
  s.instances[2].bits_allocated = 8;
  s.instances[2].bits_stored = 8;
  expect_error(s, "mixed BitsAllocated");
  s = MakeSeries(3, kAxial, 1.0);
  s.instances[1].image_orientation = kSagittal;
  expect_error(s, "mixed orientations");
  s = MakeSeries(3, kAxial, 1.0);
  s.instances[1].pixel_spacing = std::array<double, 2>{0.5, 0.8};
  expect_error(s, "mixed pixel spacings");
  s = MakeSeries(3, kAxial, 1.0);
  s.instances[1].image_position.reset();
  expect_error(s, "lacks ImagePositionPatient");
  s = MakeSeries(3, kAxial, 1.0);
  s.instances[0].number_of_frames = 40;
  expect_error(s, "multi-frame");
  s = MakeSeries(3, kAxial, 1.0);
  s.instances[0].samples_per_pixel = 3;
  expect_error(s, "samples/pixel");
  s = MakeSeries(3, {1, 0, 0, 1, 0, 0}, 1.0);
  expect_error(s, "not two orthogonal unit vectors");
}

TEST(SeriesLayout, SingleSliceUsesSliceThickness) {
  DicomSeries series = MakeSeries(1, kAxial, 1.0);
  series.instances[0].attributes["SliceThickness"] = {"3.0"};
  auto layout = ComputeSeriesLayout(series);
  ASSERT_TRUE(layout.ok());
  EXPECT_DOUBLE_EQ(layout->geometry.spacing[2], 3.0);
}

}  // namespace
}  // namespace viscera
