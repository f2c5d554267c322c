#include "io/label_names.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "io/atomic_file.h"
#include "test_data.h"

namespace viscera {
namespace {
using ::testing::HasSubstr;
namespace fs = std::filesystem;

TEST(LabelNames, ReadsTotalSegmentatorsFile) {
  auto table = ReadLabelNames(testing::SharedData("totalseg-example/labels_total_v2.json"));
  ASSERT_TRUE(table.ok()) << table.error().ToString();
  EXPECT_EQ(table->entries().size(), 117u);
  ASSERT_NE(table->Find(5), nullptr);
  EXPECT_EQ(table->Find(5)->name, "liver");
  ASSERT_NE(table->Find(92), nullptr);
  EXPECT_EQ(table->Find(92)->name, "rib_left_1");
}

TEST(LabelNames, RefusesWhatIsNotAnIdToNameObject) {
  const std::pair<std::string, std::string> cases[] = {
      {"[1, 2]", "expected a JSON object"},
      {"{\"1\": \"liver\"", "expected a JSON object"},
      {"{\"0\": \"background\"}", "key \"0\""},
      {"{\"x\": \"liver\"}", "key \"x\""},
      {"{\"70000\": \"liver\"}", "key \"70000\""},
      {"{\"5\": 5}", "label 5"},
      {"{\"5\": \"\"}", "label 5"},
  };
  testing::ScratchDir dir;
  for (const auto& [text, expected] : cases) {
    const fs::path path = dir / "bad.json";
    ASSERT_TRUE(WriteFileAtomically(path, text).ok());
    auto table = ReadLabelNames(path);
    ASSERT_FALSE(table.ok()) << text;
    EXPECT_THAT(table.error().message, HasSubstr(expected)) << text;
    EXPECT_THAT(table.error().message, HasSubstr(path.string())) << text;
  }
  EXPECT_EQ(ReadLabelNames("/nonexistent/labels.json").error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace viscera
