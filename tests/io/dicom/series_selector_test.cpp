#include "io/dicom/series_selector.h"

#include <gtest/gtest.h>

namespace viscera {
namespace {

DicomSeries Series(const std::string& uid, const std::string& modality,
                   std::vector<std::string> image_type, const std::string& description,
                   const std::string& thickness, size_t instances = 1) {
  DicomSeries s;
  s.series_instance_uid = uid;
  DicomSliceHeader h;
  h.series_instance_uid = uid;
  h.attributes["Modality"] = {modality};
  h.attributes["ImageType"] = std::move(image_type);
  h.attributes["SeriesDescription"] = {description};
  h.attributes["SliceThickness"] = {thickness};
  h.attributes["PhotometricInterpretation"] = {"MONOCHROME2"};
  s.instances.assign(instances, h);
  return s;
}

std::vector<DicomSeries> Study() {
  return {Series("scout", "CT", {"ORIGINAL", "PRIMARY", "LOCALIZER"}, "Topogram 0.6", "0.6", 1),
          Series("thin", "CT", {"ORIGINAL", "PRIMARY", "AXIAL"}, "Abdomen 1.0 B30f", "1.0", 300),
          Series("thick", "CT", {"ORIGINAL", "PRIMARY", "AXIAL"}, "Abdomen 5.0 B30f", "5.0", 60),
          Series("mpr", "CT", {"DERIVED", "SECONDARY", "MPR"}, "Coronal MPR", "3.0", 80),
          Series("pet", "PT", {"ORIGINAL", "PRIMARY"}, "PET WB", "3.0", 200)};
}

std::vector<std::string> Selected(const std::string& rules) {
  auto selector = SeriesSelector::FromJson(rules, "test rules");
  EXPECT_TRUE(selector.ok()) << selector.error().ToString();
  auto study = Study();
  auto matches = selector->Select(study);
  EXPECT_TRUE(matches.ok());
  std::vector<std::string> uids;
  for (const auto& m : *matches) uids.push_back(m.series->series_instance_uid);
  return uids;
}

TEST(SeriesSelector, DefaultPrefersOriginalPrimaryCtWithMostInstances) {
  auto study = Study();
  auto matches = SeriesSelector::Default().Select(study);
  ASSERT_TRUE(matches.ok());
  ASSERT_EQ(matches->size(), 3u);  // scout, thin, thick; not MPR (derived) nor PET
  EXPECT_EQ(matches->front().series->series_instance_uid, "thin");
  EXPECT_EQ(matches->front().selection_name, "CT Series");
}

TEST(SeriesSelector, RegexIsCaseInsensitiveSearch) {
  EXPECT_EQ(Selected(R"({"selections":[{"name":"a","conditions":{"SeriesDescription":"5\\.0"}}]})"),
            std::vector<std::string>{"thick"});
  EXPECT_EQ(Selected(R"({"selections":[{"name":"a","conditions":{"Modality":"(?i)pt"}}]})"),
            std::vector<std::string>{"pet"});
}

TEST(SeriesSelector, ExclusionWithBang) {
  auto uids = Selected(
      R"({"selections":[{"name":"a","conditions":{"Modality":"CT","ImageType":["PRIMARY","!LOCALIZER"]}}]})");
  EXPECT_EQ(uids, (std::vector<std::string>{"thin", "thick"}));
  uids = Selected(R"({"selections":[{"name":"a","conditions":{"SeriesDescription":"!abdomen"}}]})");
  EXPECT_EQ(uids, (std::vector<std::string>{"pet", "mpr", "scout"}));
}

TEST(SeriesSelector, NumericRangeAndEquality) {
  EXPECT_EQ(
      Selected(
          R"({"selections":[{"name":"a","conditions":{"Modality":"CT","SliceThickness":[2, 5]}}]})"),
      (std::vector<std::string>{"mpr", "thick"}));
  EXPECT_EQ(
      Selected(R"({"selections":[{"name":"a","conditions":{"SliceThickness":[null, 0.8]}}]})"),
      std::vector<std::string>{"scout"});
  EXPECT_EQ(Selected(R"({"selections":[{"name":"a","conditions":{"SliceThickness":1}}]})"),
            std::vector<std::string>{"thin"});
}

TEST(SeriesSelector, SelectionsAreTriedInOrder) {
  auto uids = Selected(R"({"selections":[
      {"name":"mr","conditions":{"Modality":"MR"}},
      {"name":"pet","conditions":{"Modality":"PT"}},
      {"name":"ct","conditions":{"Modality":"CT"}}]})");
  EXPECT_EQ(uids, std::vector<std::string>{"pet"});
}

TEST(SeriesSelector, NoMatchIsEmptyNotError) {
  EXPECT_TRUE(Selected(R"({"selections":[{"name":"a","conditions":{"Modality":"MR"}}]})").empty());
}

TEST(SeriesSelector, BadRulesAreClearErrors) {
  auto expect_bad = [](const std::string& json, const std::string& needle) {
    auto selector = SeriesSelector::FromJson(json, "rules.json");
    if (selector.ok()) {
      auto study = Study();
      auto matches = selector->Select(study);
      ASSERT_FALSE(matches.ok()) << json;
      EXPECT_NE(matches.error().message.find(needle), std::string::npos) << matches.error().message;
      return;
    }
    EXPECT_EQ(selector.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(selector.error().message.find(needle), std::string::npos) << selector.error().message;
  };
  expect_bad("{", "not valid JSON");
  expect_bad(R"({"selection":[]})", "expected {\"selections\"");
  expect_bad(R"({"selections":[{"name":"a"}]})", "\"conditions\" object");
  expect_bad(R"({"selections":[{"name":"a","conditions":{"SeriesDescription":"(["}}]})",
             "invalid regex");
  expect_bad(R"({"selections":[{"name":"a","conditions":{"Modality":{"x":1}}}]})",
             "unsupported value");
}

}  // namespace
}  // namespace viscera
