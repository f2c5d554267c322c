#include "datasets/dataset_store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "test_data.h"

namespace viscera {
namespace {
using testing::ScratchDir;

DatasetRecord Record(const std::string& id) {
  DatasetRecord r;
  r.id = id;
  r.name = "name of " + id;
  r.size_bytes = 12345;
  r.dimensions = {122, 101, 112};
  r.spacing_mm = {3, 3, 2.5};
  r.labels = {{1, "spleen"}, {5, "liver"}, {92, ""}};
  r.created = UtcNowIso8601();
  return r;
}

TEST(DatasetStore, PutGetListRemove) {
  ScratchDir scratch;
  auto store = DatasetStore::Open(scratch / "db.sqlite");
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  ASSERT_TRUE((*store)->PutDataset(Record("b")).ok());
  ASSERT_TRUE((*store)->PutDataset(Record("a")).ok());
  auto list = (*store)->ListDatasets();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, "a");
  EXPECT_EQ((*list)[1].id, "b");
  const DatasetRecord& a = (*list)[0];
  EXPECT_EQ(a.name, "name of a");
  EXPECT_EQ(a.modality, "CT");
  EXPECT_EQ(a.size_bytes, 12345);
  EXPECT_EQ(a.dimensions, (std::array<int64_t, 3>{122, 101, 112}));
  EXPECT_EQ(a.spacing_mm, (std::array<double, 3>{3, 3, 2.5}));
  EXPECT_EQ(a.labels, Record("a").labels);
  EXPECT_EQ(a.created.size(), 20u);  // 2024-05-01T12:34:56Z
  EXPECT_EQ(a.settings_version, 0);

  DatasetRecord renamed = Record("a");
  renamed.name = "renamed";
  ASSERT_TRUE((*store)->PutDataset(renamed).ok());
  auto got = (*store)->GetDataset("a");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->name, "renamed");

  ASSERT_TRUE((*store)->RemoveDataset("a").ok());
  got = (*store)->GetDataset("a");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  EXPECT_TRUE((*store)->RemoveDataset("never").ok());
}

TEST(DatasetStore, SettingsVersionsAreNumberedAndRestorable) {
  ScratchDir scratch;
  auto store = DatasetStore::Open(scratch / "db.sqlite");
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->PutDataset(Record("ct")).ok());
  const std::string v1 = R"({"camera": {"zoom": 1}, "name": "first \u00e9"})";
  const std::string v2 = R"({"camera": {"zoom": 2}})";
  auto n1 = (*store)->AddSettingsVersion("ct", v1, "initial");
  auto n2 = (*store)->AddSettingsVersion("ct", v2, "zoomed");
  ASSERT_TRUE(n1.ok() && n2.ok());
  EXPECT_EQ(*n1, 1);
  EXPECT_EQ(*n2, 2);

  auto missing = (*store)->AddSettingsVersion("nope", v1, "");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

  auto list = (*store)->ListSettingsVersions("ct");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].version, 2);  // newest first
  EXPECT_EQ((*list)[0].note, "zoomed");
  EXPECT_TRUE((*list)[0].settings_json.empty());
  EXPECT_EQ((*list)[1].version, 1);

  auto latest = (*store)->GetSettingsVersion("ct", 0);
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->version, 2);
  EXPECT_EQ((*latest)->settings_json, v2);
  auto first = (*store)->GetSettingsVersion("ct", 1);
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->settings_json, v1);  // byte for byte
  EXPECT_EQ((*first)->note, "initial");
  auto absent = (*store)->GetSettingsVersion("ct", 3);
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());

  auto record = (*store)->GetDataset("ct");
  EXPECT_EQ((*record)->settings_version, 2);
  // Replacing the metadata keeps the versions; removing the dataset drops them.
  ASSERT_TRUE((*store)->PutDataset(Record("ct")).ok());
  EXPECT_EQ((*(*store)->GetDataset("ct"))->settings_version, 2);
  ASSERT_TRUE((*store)->RemoveDataset("ct").ok());
  ASSERT_TRUE((*store)->PutDataset(Record("ct")).ok());
  EXPECT_TRUE((*store)->ListSettingsVersions("ct")->empty());
  EXPECT_EQ(*(*store)->AddSettingsVersion("ct", v1, ""), 1);
}

TEST(DatasetStore, ReopenedStoreKeepsEverything) {
  ScratchDir scratch;
  {
    auto store = DatasetStore::Open(scratch / "db.sqlite");
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->PutDataset(Record("ct")).ok());
    ASSERT_TRUE((*store)->AddSettingsVersion("ct", "{\"a\": 1}", "one").ok());
  }
  auto store = DatasetStore::Open(scratch / "db.sqlite");
  ASSERT_TRUE(store.ok());
  auto record = (*store)->GetDataset("ct");
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_EQ((*record)->labels, Record("ct").labels);
  EXPECT_EQ((*record)->settings_version, 1);
  EXPECT_EQ((*(*store)->GetSettingsVersion("ct", 1))->settings_json, "{\"a\": 1}");
}

TEST(DatasetStore, ConcurrentSavesGetDistinctVersions) {
  ScratchDir scratch;
  auto store = DatasetStore::Open(scratch / "db.sqlite");
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->PutDataset(Record("ct")).ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) EXPECT_TRUE((*store)->AddSettingsVersion("ct", "{}", "").ok());
    });
  }
  for (auto& t : threads) t.join();
  auto list = (*store)->ListSettingsVersions("ct");
  ASSERT_EQ(list->size(), 20u);
  for (size_t i = 0; i < 20; ++i) EXPECT_EQ((*list)[i].version, static_cast<int64_t>(20 - i));
}

TEST(DatasetStore, RefusesAFileThatIsNotADatabase) {
  ScratchDir scratch;
  std::ofstream(scratch / "db.sqlite") << std::string(8192, 'x');
  auto store = DatasetStore::Open(scratch / "db.sqlite");
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("db.sqlite"), std::string::npos);
}

}  // namespace
}  // namespace viscera
