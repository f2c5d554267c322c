#include "core/label_map.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace viscera {
namespace {
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Geometry ImageGeometry() {
  Geometry g;
  g.size = {3, 2, 2};
  g.spacing = {0.8, 0.8, 2.0};
  g.origin = {-50, 60, 120};
  g.direction.m = {{{-1, 0, 0}, {0, -1, 0}, {0, 0, 1}}};
  return g;
}

template <typename T>
AnyVolume Labels(const Geometry& g, std::vector<T> values) {
  return Volume<T>(g, std::span<const T>(values));
}

LabelEntry Entry(uint16_t id, const std::string& name) {
  LabelEntry e;
  e.id = id;
  e.name = name;
  return e;
}

std::vector<uint16_t> Voxels(const LabelMap& map) {
  return {map.labels.voxels().begin(), map.labels.voxels().end()};
}

TEST(LabelMapTest, CreateFromUInt8KeepsVoxelsAndTable) {
  LabelTable table;
  ASSERT_TRUE(table.Add(Entry(1, "liver")).ok());
  ASSERT_TRUE(table.Add(Entry(5, "spleen")).ok());
  Geometry g = ImageGeometry();
  Expected<LabelMap> map =
      LabelMap::Create(g, Labels<uint8_t>(g, {0, 1, 1, 5, 0, 0, 255, 1, 0, 0, 0, 5}), table);
  ASSERT_TRUE(map.ok()) << map.error().ToString();
  EXPECT_THAT(Voxels(*map), ElementsAre(0, 1, 1, 5, 0, 0, 255, 1, 0, 0, 0, 5));
  EXPECT_TRUE(map->labels.geometry().SameGrid(g, 0));
  ASSERT_EQ(map->table.entries().size(), 2u);
  EXPECT_EQ(map->table.Find(5)->name, "spleen");
}

TEST(LabelMapTest, CreateFromInt32AcceptsFullUInt16Range) {
  Geometry g = ImageGeometry();
  Expected<LabelMap> map = LabelMap::Create(
      g, Labels<int32_t>(g, {0, 65535, 2, 0, 0, 0, 0, 0, 0, 0, 300, 0}), LabelTable{});
  ASSERT_TRUE(map.ok()) << map.error().ToString();
  EXPECT_EQ(map->labels.at(1, 0, 0), 65535);
  EXPECT_EQ(map->labels.at(1, 1, 1), 300);
  EXPECT_THAT(map->PresentIds(), ElementsAre(2, 300, 65535));
}

TEST(LabelMapTest, CreateFromWholeNumberFloatsIsAccepted) {
  Geometry g = ImageGeometry();
  Expected<LabelMap> map =
      LabelMap::Create(g, Labels<float>(g, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}), LabelTable{});
  ASSERT_TRUE(map.ok()) << map.error().ToString();
  EXPECT_EQ(map->labels.at(2, 1, 1), 11);
}

TEST(LabelMapTest, CreateRejectsNegativeFractionalAndTooLargeLabels) {
  Geometry g = ImageGeometry();
  struct Case {
    AnyVolume labels;
    std::string value;
  };
  std::vector<Case> cases;
  cases.push_back({Labels<int32_t>(g, {0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0}), "-1"});
  cases.push_back({Labels<float>(g, {0, 0, 0, 0, 0, 0, 0, 2.5f, 0, 0, 0, 0}), "2.5"});
  cases.push_back({Labels<float>(g, {0, 0, 0, 0, 0, 0, 0, -0.5f, 0, 0, 0, 0}), "-0.5"});
  cases.push_back({Labels<int32_t>(g, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 65536}), "65536"});
  for (const Case& c : cases) {
    Expected<LabelMap> map = LabelMap::Create(g, c.labels, LabelTable{});
    ASSERT_FALSE(map.ok()) << c.value;
    EXPECT_EQ(map.error().code, ErrorCode::kCorruptData);
    EXPECT_THAT(map.error().message, HasSubstr(c.value));
  }
  Expected<LabelMap> map =
      LabelMap::Create(g, Labels<int32_t>(g, {0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0}), LabelTable{});
  ASSERT_FALSE(map.ok());
  EXPECT_THAT(map.error().message, HasSubstr("voxel 4"));
}

TEST(LabelMapTest, CreateRejectsDifferentGrid) {
  Geometry image = ImageGeometry();
  std::vector<uint8_t> zeros(12, 0);

  Geometry moved = image;
  moved.origin[0] += 1.0;
  Geometry spacing = image;
  spacing.spacing[2] = 2.5;
  Geometry flipped = image;
  flipped.direction.m[0][0] = 1;
  Geometry resized = image;
  resized.size = {2, 3, 2};  // same voxel count, different shape
  for (const Geometry& other : {moved, spacing, flipped, resized}) {
    Expected<LabelMap> map = LabelMap::Create(image, Labels<uint8_t>(other, zeros), LabelTable{});
    ASSERT_FALSE(map.ok());
    EXPECT_EQ(map.error().code, ErrorCode::kInconsistentData);
    EXPECT_THAT(map.error().message, HasSubstr("grid"));
  }
  // Rounding noise well below a micrometre is the same grid.
  Geometry noisy = image;
  noisy.origin[1] += 1e-5;
  EXPECT_TRUE(LabelMap::Create(image, Labels<uint8_t>(noisy, zeros), LabelTable{}).ok());
}

TEST(LabelMapTest, PresentIdsAscendingWithoutBackground) {
  Geometry g = ImageGeometry();
  Expected<LabelMap> map =
      LabelMap::Create(g, Labels<uint16_t>(g, {0, 7, 3, 3, 0, 1, 7, 7, 0, 42, 1, 0}), LabelTable{});
  ASSERT_TRUE(map.ok());
  EXPECT_THAT(map->PresentIds(), ElementsAre(1, 3, 7, 42));

  Expected<LabelMap> empty =
      LabelMap::Create(g, Labels<uint8_t>(g, std::vector<uint8_t>(12, 0)), LabelTable{});
  ASSERT_TRUE(empty.ok());
  EXPECT_THAT(empty->PresentIds(), IsEmpty());
}

TEST(LabelTableTest, AddRejectsBackgroundId) {
  LabelTable table;
  Status s = table.Add(Entry(0, "background"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.error().message, HasSubstr("0"));
  EXPECT_THAT(table.entries(), IsEmpty());
}

TEST(LabelTableTest, AddRejectsDuplicateId) {
  LabelTable table;
  ASSERT_TRUE(table.Add(Entry(4, "kidney_left")).ok());
  Status s = table.Add(Entry(4, "kidney_right"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.error().message, HasSubstr("4"));
  ASSERT_EQ(table.entries().size(), 1u);
  EXPECT_EQ(table.Find(4)->name, "kidney_left");
}

TEST(LabelTableTest, FindAndFindByName) {
  LabelTable table;
  LabelEntry liver = Entry(1, "liver");
  liver.color = {220, 120, 80};
  liver.type = CodedConcept{"10200004", "SCT", "Liver"};
  ASSERT_TRUE(table.Add(liver).ok());
  ASSERT_TRUE(table.Add(Entry(65535, "last")).ok());
  ASSERT_TRUE(table.Add(Entry(2, "spleen")).ok());

  const LabelEntry* found = table.Find(1);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->name, "liver");
  EXPECT_EQ(found->color, (std::array<uint8_t, 3>{220, 120, 80}));
  ASSERT_TRUE(found->type.has_value());
  EXPECT_EQ(found->type->value, "10200004");
  EXPECT_FALSE(found->category.has_value());

  EXPECT_EQ(table.Find(65535)->name, "last");
  EXPECT_EQ(table.Find(3), nullptr);
  EXPECT_EQ(table.Find(0), nullptr);
  ASSERT_NE(table.FindByName("spleen"), nullptr);
  EXPECT_EQ(table.FindByName("spleen")->id, 2);
  EXPECT_EQ(table.FindByName("Spleen"), nullptr);
  EXPECT_EQ(table.FindByName(""), nullptr);
  // Insertion order is kept.
  ASSERT_EQ(table.entries().size(), 3u);
  EXPECT_EQ(table.entries()[0].id, 1);
  EXPECT_EQ(table.entries()[1].id, 65535);
  EXPECT_EQ(table.entries()[2].id, 2);
}

}  // namespace
}  // namespace viscera
