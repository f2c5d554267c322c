#include "segment/model_metadata.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_data.h"

namespace viscera {
namespace {
using ::testing::HasSubstr;

std::string DemoMetadataText() {
  std::ifstream in(testing::SourceDir() / "models/demo/metadata.json");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Expected<ModelMetadata> ParseEdited(const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json j = nlohmann::json::parse(DemoMetadataText());
  edit(j);
  return ParseModelMetadata(j.dump(), "edited/metadata.json");
}

TEST(ModelMetadata, BundledDemoModelDescribesTheBtcvSet) {
  auto m = ReadModelMetadata(testing::SourceDir() / "models/demo");
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_EQ(m->output_channels, 14);
  EXPECT_EQ(m->labels.entries().size(), 13u);
  EXPECT_EQ(m->orientation, "RAS");
  EXPECT_DOUBLE_EQ(m->spacing[2], 2.0);
  EXPECT_EQ(m->roi, (std::array<int64_t, 3>{96, 96, 96}));
  EXPECT_DOUBLE_EQ(m->window.a_min, -175);
  EXPECT_DOUBLE_EQ(m->window.a_max, 250);
  const LabelEntry* liver = m->labels.FindByName("liver");
  ASSERT_NE(liver, nullptr);
  EXPECT_EQ(liver->id, 6);
  ASSERT_TRUE(liver->type.has_value());
  EXPECT_EQ(liver->type->value, "10200004");
  EXPECT_EQ(liver->type->scheme, "SCT");
  EXPECT_TRUE(std::filesystem::exists(m->model_file));
}

TEST(ModelMetadata, ChannelsThatDoNotMatchLabelsAreRefused) {
  auto m = ParseEdited([](nlohmann::json& j) { j["output"]["channels"] = 15; });
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.error().message, HasSubstr("output.channels is 15"));
  EXPECT_THAT(m.error().message, HasSubstr("13 labels"));
}

TEST(ModelMetadata, ErrorsNameTheFieldAndValue) {
  auto roi = ParseEdited([](nlohmann::json& j) { j["inference"]["roi"] = {96, 96, 0}; });
  ASSERT_FALSE(roi.ok());
  EXPECT_THAT(roi.error().message, HasSubstr("'inference.roi'"));
  EXPECT_THAT(roi.error().message, HasSubstr("[96,96,0]"));
  auto window = ParseEdited([](nlohmann::json& j) { j["input"]["intensity"]["a_max"] = -500; });
  ASSERT_FALSE(window.ok());
  EXPECT_THAT(window.error().message, HasSubstr("input.intensity.a_max"));
  auto orient = ParseEdited([](nlohmann::json& j) { j["input"]["orientation"] = "RRS"; });
  ASSERT_FALSE(orient.ok());
  EXPECT_THAT(orient.error().message, HasSubstr("input.orientation"));
  auto dup = ParseEdited([](nlohmann::json& j) { j["output"]["labels"][1]["id"] = 1; });
  ASSERT_FALSE(dup.ok());
  EXPECT_THAT(dup.error().message, HasSubstr("output.labels[1].id"));
  auto escape = ParseEdited([](nlohmann::json& j) { j["model_file"] = "../../etc/passwd"; });
  ASSERT_FALSE(escape.ok());
  EXPECT_THAT(escape.error().message, HasSubstr("model_file"));
  auto blend = ParseEdited([](nlohmann::json& j) { j["inference"]["blend"] = "median"; });
  ASSERT_FALSE(blend.ok());
  EXPECT_THAT(blend.error().message, HasSubstr("\"median\""));
}

TEST(ModelMetadata, NotJsonAndMissingFilesAreClearErrors) {
  auto bad = ParseModelMetadata("{\"name\": ", "x/metadata.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kCorruptData);
  EXPECT_THAT(bad.error().message, HasSubstr("x/metadata.json"));
  testing::ScratchDir dir;
  auto missing = ReadModelMetadata(dir.path());
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("metadata.json"));
  std::ofstream(dir / "metadata.json") << DemoMetadataText();
  auto no_model = ReadModelMetadata(dir.path());
  ASSERT_FALSE(no_model.ok());
  EXPECT_EQ(no_model.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(no_model.error().message, HasSubstr("model.ts"));
}

}  // namespace
}  // namespace viscera
