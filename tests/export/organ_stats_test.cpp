#include "export/organ_stats.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "io/atomic_file.h"
#include "test_data.h"

namespace viscera {
namespace {

// 4 x 3 x 2 voxels of 0.5 x 2 x 3 mm, axes toward Right, Anterior and Superior (RAS order).
Geometry Grid() {
  Geometry g;
  g.size = {4, 3, 2};
  g.spacing = {0.5, 2, 3};
  g.origin = {10, 20, 30};
  g.direction.m = {{{-1, 0, 0}, {0, -1, 0}, {0, 0, 1}}};
  return g;
}

LabelMap Map() {
  Volume<uint16_t> v(Grid());
  std::fill(v.voxels().begin(), v.voxels().end(), uint16_t{0});
  v.at(1, 0, 0) = 3;
  v.at(2, 2, 1) = 3;
  v.at(3, 1, 1) = 3;
  v.at(0, 0, 0) = 9;  // not in the table: not reported
  LabelTable table;
  EXPECT_TRUE(table.Add({3, "liver", {1, 2, 3}, {}, {}}).ok());
  EXPECT_TRUE(table.Add({1, "spleen", {4, 5, 6}, {}, {}}).ok());
  return LabelMap{std::move(v), std::move(table)};
}

TEST(OrganStatsTest, CountsVolumesBoxesAndCentroidsInLps) {
  const auto stats = ComputeOrganStats(Map());
  ASSERT_EQ(stats.size(), 2u);  // table order, absent organs included
  const OrganStats& liver = stats[0];
  EXPECT_EQ(liver.id, 3);
  EXPECT_EQ(liver.name, "liver");
  EXPECT_EQ(liver.voxel_count, 3);
  EXPECT_DOUBLE_EQ(liver.volume_ml, 3 * 0.5 * 2 * 3 / 1000.0);
  EXPECT_EQ(liver.bbox_min_index, (Index3{1, 0, 0}));
  EXPECT_EQ(liver.bbox_max_index, (Index3{3, 2, 1}));
  // x = 10 - 0.5 i, y = 20 - 2 j, z = 30 + 3 k.
  EXPECT_DOUBLE_EQ(liver.bbox_min_lps[0], 10 - 0.5 * 3);
  EXPECT_DOUBLE_EQ(liver.bbox_max_lps[0], 10 - 0.5 * 1);
  EXPECT_DOUBLE_EQ(liver.bbox_min_lps[1], 20 - 2 * 2);
  EXPECT_DOUBLE_EQ(liver.bbox_max_lps[1], 20);
  EXPECT_DOUBLE_EQ(liver.bbox_min_lps[2], 30);
  EXPECT_DOUBLE_EQ(liver.bbox_max_lps[2], 33);
  EXPECT_NEAR(liver.centroid_lps[0], 10 - 0.5 * 2, 1e-12);
  EXPECT_NEAR(liver.centroid_lps[1], 20 - 2 * 1, 1e-12);
  EXPECT_NEAR(liver.centroid_lps[2], 30 + 3 * 2.0 / 3.0, 1e-12);

  const OrganStats& spleen = stats[1];
  EXPECT_EQ(spleen.id, 1);
  EXPECT_EQ(spleen.voxel_count, 0);
  EXPECT_EQ(spleen.volume_ml, 0);
}

TEST(OrganStatsTest, StatsJsonHasGridAndNullsForAbsentOrgans) {
  testing::ScratchDir dir;
  ASSERT_TRUE(WriteOrganStats(ComputeOrganStats(Map()), dir / "stats.json").ok());
  auto text = ReadWholeFile(dir / "stats.json", 1 << 20);
  ASSERT_TRUE(text.ok());
  const auto doc = nlohmann::json::parse(*text);
  EXPECT_EQ(doc["coordinate_system"], "LPS");
  EXPECT_EQ(doc["unit"], "mm");
  EXPECT_EQ(doc["size"], nlohmann::json::array({4, 3, 2}));
  EXPECT_EQ(doc["spacing"], nlohmann::json::array({0.5, 2.0, 3.0}));
  EXPECT_EQ(doc["index_to_lps"][0], nlohmann::json::array({-0.5, 0.0, 0.0, 10.0}));
  ASSERT_EQ(doc["organs"].size(), 2u);
  const auto& liver = doc["organs"][0];
  EXPECT_EQ(liver["id"], 3);
  EXPECT_EQ(liver["name"], "liver");
  EXPECT_EQ(liver["voxel_count"], 3);
  EXPECT_DOUBLE_EQ(liver["volume_ml"].get<double>(), 0.009);
  EXPECT_EQ(liver["bbox"]["min_index"], nlohmann::json::array({1, 0, 0}));
  EXPECT_EQ(liver["bbox"]["max_lps"], nlohmann::json::array({9.5, 20.0, 33.0}));
  EXPECT_DOUBLE_EQ(liver["centroid_lps"][2].get<double>(), 32.0);
  const auto& spleen = doc["organs"][1];
  EXPECT_EQ(spleen["voxel_count"], 0);
  EXPECT_TRUE(spleen["bbox"].is_null());
  EXPECT_TRUE(spleen["centroid_lps"].is_null());
}

TEST(OrganStatsTest, UnwritableFolderIsAnErrorNamingTheFile) {
  Status status =
      WriteOrganStats(ComputeOrganStats(Map()), "/nonexistent-viscera-folder/stats.json");
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message, ::testing::HasSubstr("stats.json"));
}

TEST(OrganStatsTest, ManySlicesAgreeWithASerialCount) {
  // Enough slices for every worker to get some, with the organ crossing worker boundaries.
  Geometry g;
  g.size = {9, 7, 31};
  Volume<uint16_t> v(g);
  int64_t expected = 0, sum_k = 0;
  for (int64_t k = 0; k < 31; ++k) {
    for (int64_t j = 0; j < 7; ++j) {
      for (int64_t i = 0; i < 9; ++i) {
        const bool in = (i * 7 + j * 3 + k * 5) % 4 == 0;
        v.at(i, j, k) = in ? 2 : 0;
        expected += in;
        sum_k += in ? k : 0;
      }
    }
  }
  LabelTable table;
  ASSERT_TRUE(table.Add({2, "kidney", {}, {}, {}}).ok());
  const auto stats = ComputeOrganStats(LabelMap{std::move(v), std::move(table)});
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].voxel_count, expected);
  EXPECT_NEAR(stats[0].centroid_lps[2], double(sum_k) / double(expected), 1e-12);
  EXPECT_EQ(stats[0].bbox_max_index[2], 30);
}

}  // namespace
}  // namespace viscera
