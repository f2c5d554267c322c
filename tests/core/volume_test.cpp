#include "core/volume.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace viscera {
namespace {
using ::testing::HasSubstr;

Geometry SmallGeometry(Index3 size = {4, 3, 2}) {
  Geometry g;
  g.size = size;
  g.spacing = {0.5, 0.75, 3.0};
  g.origin = {-10, 20, -30};
  return g;
}

template <typename T>
Volume<T> FromValues(const std::vector<T>& values) {
  Geometry g = SmallGeometry({static_cast<int64_t>(values.size()), 1, 1});
  return Volume<T>(g, std::span<const T>(values));
}

TEST(VolumeTest, StoresVoxelsIFastest) {
  Geometry g = SmallGeometry({4, 3, 2});
  std::vector<int16_t> values(24);
  for (size_t n = 0; n < values.size(); ++n) values[n] = static_cast<int16_t>(100 + n);
  Volume<int16_t> v(g, values);
  EXPECT_EQ(v.size(), (Index3{4, 3, 2}));
  EXPECT_EQ(v.Offset(1, 2, 1), 1u + 4u * (2u + 3u * 1u));
  EXPECT_EQ(v.at(0, 0, 0), 100);
  EXPECT_EQ(v.at(3, 0, 0), 103);
  EXPECT_EQ(v.at(0, 1, 0), 104);
  EXPECT_EQ(v.at(0, 0, 1), 112);
  EXPECT_EQ(v.at(3, 2, 1), 123);
  auto slice = v.slice(1);
  ASSERT_EQ(slice.size(), 12u);
  EXPECT_EQ(slice[0], 112);
  EXPECT_EQ(slice[11], 123);
  slice[5] = -7;  // the slice is a view onto the volume
  EXPECT_EQ(v.at(1, 1, 1), -7);
}

TEST(VolumeTest, GeometryConstructorAllocatesEveryVoxel) {
  Geometry g = SmallGeometry({5, 6, 7});
  Volume<float> v(g);
  ASSERT_EQ(v.voxels().size(), 210u);
  for (size_t n = 0; n < v.voxels().size(); ++n) v.voxels()[n] = static_cast<float>(n);
  EXPECT_EQ(v.at(4, 5, 6), 209.0f);
  EXPECT_TRUE(v.geometry().SameGrid(g, 0));
}

TEST(VolumeTest, VoxelTypeNamesAndBytes) {
  EXPECT_STREQ(VoxelTypeName(VoxelType::kUInt8), "uint8");
  EXPECT_STREQ(VoxelTypeName(VoxelType::kInt16), "int16");
  EXPECT_STREQ(VoxelTypeName(VoxelType::kUInt16), "uint16");
  EXPECT_STREQ(VoxelTypeName(VoxelType::kInt32), "int32");
  EXPECT_STREQ(VoxelTypeName(VoxelType::kFloat32), "float32");
  EXPECT_EQ(VoxelTypeBytes(VoxelType::kUInt8), 1);
  EXPECT_EQ(VoxelTypeBytes(VoxelType::kInt16), 2);
  EXPECT_EQ(VoxelTypeBytes(VoxelType::kUInt16), 2);
  EXPECT_EQ(VoxelTypeBytes(VoxelType::kInt32), 4);
  EXPECT_EQ(VoxelTypeBytes(VoxelType::kFloat32), 4);
  EXPECT_EQ(VoxelTypeBytes(Volume<uint16_t>::kType), static_cast<int>(sizeof(uint16_t)));
  EXPECT_EQ(VoxelTypeBytes(Volume<float>::kType), static_cast<int>(sizeof(float)));
}

TEST(VolumeTest, GeometryOfAndVoxelTypeOfAnyVolume) {
  Geometry g = SmallGeometry({2, 2, 2});
  g.origin = {1.5, -2.5, 3.5};
  std::vector<int32_t> values(8, 0);
  AnyVolume any = Volume<int32_t>(g, std::span<const int32_t>(values));
  EXPECT_EQ(VoxelTypeOfVolume(any), VoxelType::kInt32);
  EXPECT_EQ(GeometryOf(any).origin, g.origin);
  EXPECT_EQ(GeometryOf(any).size, g.size);
  any = Volume<uint8_t>(SmallGeometry({1, 1, 1}), std::vector<uint8_t>{9});
  EXPECT_EQ(VoxelTypeOfVolume(any), VoxelType::kUInt8);
  EXPECT_EQ(GeometryOf(any).size, (Index3{1, 1, 1}));
}

TEST(VolumeTest, SetPlacementChangesPlacementButNotSizeOrVoxels) {
  std::vector<float> values{1, 2, 3, 4, 5, 6};
  AnyVolume any = Volume<float>(SmallGeometry({3, 2, 1}), std::span<const float>(values));
  Geometry placement;
  placement.size = {99, 99, 99};
  placement.spacing = {2, 3, 4};
  placement.origin = {7, 8, 9};
  placement.direction.m = {{{0, 1, 0}, {-1, 0, 0}, {0, 0, 1}}};
  SetPlacement(any, placement);
  const Geometry& g = GeometryOf(any);
  EXPECT_EQ(g.size, (Index3{3, 2, 1}));
  EXPECT_EQ(g.spacing, placement.spacing);
  EXPECT_EQ(g.origin, placement.origin);
  EXPECT_EQ(g.direction.m, placement.direction.m);
  const auto& v = std::get<Volume<float>>(any);
  EXPECT_EQ(v.at(2, 1, 0), 6.0f);
}

TEST(VolumeTest, ComputeRangeOfEachType) {
  VoxelRange r = ComputeRange(FromValues<int16_t>({5, -1024, 3071, 0, -3}));
  EXPECT_EQ(r.min, -1024);
  EXPECT_EQ(r.max, 3071);
  r = ComputeRange(FromValues<uint8_t>({7, 255, 0, 9}));
  EXPECT_EQ(r.min, 0);
  EXPECT_EQ(r.max, 255);
  r = ComputeRange(FromValues<float>({0.25f, -7.5f, 1e6f}));
  EXPECT_EQ(r.min, -7.5);
  EXPECT_EQ(r.max, 1e6);
  r = ComputeRange(FromValues<int32_t>({-2000000000, 5, 2000000000}));
  EXPECT_EQ(r.min, -2e9);
  EXPECT_EQ(r.max, 2e9);
  r = ComputeRange(FromValues<uint16_t>({42}));
  EXPECT_EQ(r.min, 42);
  EXPECT_EQ(r.max, 42);
  // Extremes at the first and last voxel.
  r = ComputeRange(FromValues<int16_t>({-5, 1, 2, 3, 9}));
  EXPECT_EQ(r.min, -5);
  EXPECT_EQ(r.max, 9);
}

TEST(VolumeTest, ComputeRangeIgnoresNaNWherever) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (auto values : {std::vector<float>{nan, 2, -3}, std::vector<float>{2, nan, -3},
                      std::vector<float>{2, -3, nan}}) {
    VoxelRange r = ComputeRange(FromValues<float>(values));
    EXPECT_EQ(r.min, -3);
    EXPECT_EQ(r.max, 2);
  }
}

TEST(VolumeTest, ComputeRangeOfEmptyVolumeIsZero) {
  Geometry g = SmallGeometry({0, 4, 4});
  VoxelRange r = ComputeRange(Volume<int16_t>(g));
  EXPECT_EQ(r.min, 0);
  EXPECT_EQ(r.max, 0);
}

TEST(VolumeTest, ToHounsfieldKeepsInt16) {
  Volume<int16_t> src = FromValues<int16_t>({-32768, -1024, 0, 32767});
  Expected<HounsfieldVolume> hu = ToHounsfield(src, "ct.nii");
  ASSERT_TRUE(hu.ok()) << hu.error().ToString();
  EXPECT_THAT(std::vector<int16_t>(hu->voxels().begin(), hu->voxels().end()),
              ::testing::ElementsAre(-32768, -1024, 0, 32767));
}

TEST(VolumeTest, ToHounsfieldConvertsInt32AndKeepsGeometry) {
  Volume<int32_t> src = FromValues<int32_t>({-32768, -1000, 0, 40, 32767});
  Expected<HounsfieldVolume> hu = ToHounsfield(src, "ct.mha");
  ASSERT_TRUE(hu.ok()) << hu.error().ToString();
  EXPECT_THAT(std::vector<int16_t>(hu->voxels().begin(), hu->voxels().end()),
              ::testing::ElementsAre(-32768, -1000, 0, 40, 32767));
  EXPECT_TRUE(hu->geometry().SameGrid(src.geometry(), 0));
}

TEST(VolumeTest, ToHounsfieldRoundsFloatsToNearest) {
  Volume<float> src =
      FromValues<float>({1.4f, 1.5f, 2.5f, -1.5f, -0.4f, -1000.6f, 32767.4f, -32768.4f});
  Expected<HounsfieldVolume> hu = ToHounsfield(src, "ct.nii.gz");
  ASSERT_TRUE(hu.ok()) << hu.error().ToString();
  // Halves round away from zero.
  EXPECT_THAT(std::vector<int16_t>(hu->voxels().begin(), hu->voxels().end()),
              ::testing::ElementsAre(1, 2, 3, -2, 0, -1001, 32767, -32768));
}

TEST(VolumeTest, ToHounsfieldConvertsUnsignedTypes) {
  Expected<HounsfieldVolume> hu = ToHounsfield(FromValues<uint8_t>({0, 128, 255}), "u8");
  ASSERT_TRUE(hu.ok());
  EXPECT_EQ(hu->at(2, 0, 0), 255);
  hu = ToHounsfield(FromValues<uint16_t>({0, 32767}), "u16");
  ASSERT_TRUE(hu.ok());
  EXPECT_EQ(hu->at(1, 0, 0), 32767);
}

TEST(VolumeTest, ToHounsfieldRefusesOutOfRangeNamingFileAndValue) {
  Expected<HounsfieldVolume> hu = ToHounsfield(FromValues<int32_t>({0, 5, 40000}), "scan.nii");
  ASSERT_FALSE(hu.ok());
  EXPECT_THAT(hu.error().message, HasSubstr("scan.nii"));
  EXPECT_THAT(hu.error().message, HasSubstr("40000"));
  EXPECT_THAT(hu.error().message, HasSubstr("voxel 2"));

  EXPECT_FALSE(ToHounsfield(FromValues<int32_t>({-32769}), "a").ok());
  EXPECT_FALSE(ToHounsfield(FromValues<uint16_t>({65535}), "a").ok());
  EXPECT_FALSE(ToHounsfield(FromValues<float>({32767.5f}), "a").ok());  // rounds to 32768
  EXPECT_FALSE(ToHounsfield(FromValues<float>({-32768.5f}), "a").ok());
  EXPECT_FALSE(
      ToHounsfield(FromValues<float>({std::numeric_limits<float>::quiet_NaN()}), "a").ok());
  EXPECT_FALSE(ToHounsfield(FromValues<float>({std::numeric_limits<float>::infinity()}), "a").ok());
  Expected<HounsfieldVolume> big = ToHounsfield(FromValues<float>({1e9f}), "b");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::kUnsupported);
  EXPECT_THAT(big.error().message, HasSubstr("int16"));
}

}  // namespace
}  // namespace viscera
