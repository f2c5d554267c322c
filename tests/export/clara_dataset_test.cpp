#include "export/clara_dataset.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <set>

#include "io/atomic_file.h"
#include "io/volume_file.h"
#include "test_data.h"

namespace viscera {
namespace {
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Geometry Grid() {
  Geometry g;
  g.size = {12, 10, 6};
  g.spacing = {0.8, 0.8, 2.5};
  g.origin = {-100, 50, 20};
  return g;  // LPS axes, as a DICOM axial series
}

// HU from -1000 to 1000 (so normalised density = (HU + 1000) / 2000).
HounsfieldVolume Image() {
  HounsfieldVolume image(Grid());
  auto v = image.voxels();
  for (size_t n = 0; n < v.size(); ++n) v[n] = static_cast<int16_t>(n % 200 * 10 - 990);
  v[0] = -1000;
  v[1] = 1000;
  return image;
}

LabelMap Labels(uint16_t big_id = 0) {
  Volume<uint16_t> v(Grid());
  std::fill(v.voxels().begin(), v.voxels().end(), uint16_t{0});
  for (int64_t i = 2; i < 6; ++i) v.at(i, 3, 2) = 1;  // spleen
  for (int64_t i = 6; i < 9; ++i) v.at(i, 5, 3) = 8;  // aorta
  v.at(10, 8, 4) = 6;                                 // liver
  if (big_id != 0) v.at(11, 9, 5) = big_id;
  LabelTable table;
  EXPECT_TRUE(table.Add({1, "spleen", {157, 108, 162}, {}, {}}).ok());
  EXPECT_TRUE(table.Add({4, "gallbladder", {0, 145, 30}, {}, {}}).ok());  // absent
  EXPECT_TRUE(table.Add({6, "liver", {157, 108, 162}, {}, {}}).ok());     // same as spleen's
  EXPECT_TRUE(table.Add({8, "aorta", {0, 0, 0}, {}, {}}).ok());           // unset
  if (big_id != 0) {
    EXPECT_TRUE(table.Add({big_id, "tumour", {250, 250, 0}, {}, {}}).ok());
  }
  return LabelMap{std::move(v), std::move(table)};
}

json ReadJson(const std::filesystem::path& path) {
  auto text = ReadWholeFile(path, 1 << 22);
  EXPECT_TRUE(text.ok()) << path;
  return text.ok() ? json::parse(*text) : json();
}

TEST(ClaraDatasetTest, WritesTheFilesConfigMetaNames) {
  testing::ScratchDir dir;
  ASSERT_TRUE(WriteClaraDataset(Image(), Labels(), "case7", dir.path()).ok());
  for (const char* f : {"case7.nii.gz", "case7.mhd", "case7.raw", "case7.output.mhd",
                        "case7.output.raw", "config.meta", "config_render.json"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / f)) << f;
  }
  const json meta = ReadJson(dir / "config.meta");
  EXPECT_EQ(meta, json::parse(R"({"data": [{"file": "case7.mhd", "order": "DXYZ"},
                                           {"file": "case7.output.mhd", "order": "MXYZ"}],
                                  "name": "case7", "settings": "config_render.json"})"));
}

TEST(ClaraDatasetTest, DensityAndMaskReadBackUnchanged) {
  testing::ScratchDir dir;
  const HounsfieldVolume image = Image();
  const LabelMap labels = Labels();
  ASSERT_TRUE(WriteClaraDataset(image, labels, "ct", dir.path()).ok());
  for (const char* f : {"ct.nii.gz", "ct.mhd"}) {
    auto density = ReadVolume(dir / f);
    ASSERT_TRUE(density.ok()) << density.error().ToString();
    const auto* hu = std::get_if<HounsfieldVolume>(&density->volume);
    ASSERT_NE(hu, nullptr) << f << " is not int16";
    EXPECT_TRUE(hu->geometry().SameGrid(image.geometry())) << f;
    EXPECT_TRUE(std::equal(hu->voxels().begin(), hu->voxels().end(), image.voxels().begin()));
  }
  auto mask = ReadVolume(dir / "ct.output.mhd");
  ASSERT_TRUE(mask.ok()) << mask.error().ToString();
  const auto* bytes = std::get_if<Volume<uint8_t>>(&mask->volume);
  ASSERT_NE(bytes, nullptr) << "ids <= 255 should give a uint8 mask";
  EXPECT_TRUE(bytes->geometry().SameGrid(image.geometry()));
  EXPECT_TRUE(
      std::equal(bytes->voxels().begin(), bytes->voxels().end(), labels.labels.voxels().begin()));
}

TEST(ClaraDatasetTest, LargeIdsGiveAUInt16Mask) {
  testing::ScratchDir dir;
  const LabelMap labels = Labels(300);
  ASSERT_TRUE(WriteClaraDataset(Image(), labels, "ct", dir.path()).ok());
  auto mask = ReadVolume(dir / "ct.output.mhd");
  ASSERT_TRUE(mask.ok());
  const auto* words = std::get_if<Volume<uint16_t>>(&mask->volume);
  ASSERT_NE(words, nullptr);
  EXPECT_EQ(words->at(11, 9, 5), 300);
}

TEST(ClaraDatasetTest, RenderConfigHasOneComponentPerPresentOrganWithDistinctColours) {
  testing::ScratchDir dir;
  ASSERT_TRUE(WriteClaraDataset(Image(), Labels(), "ct", dir.path()).ok());
  const json render = ReadJson(dir / "config_render.json");
  for (const char* key :
       {"BackgroundLight", "Camera", "CameraAperture", "Cameras", "DataCrop", "Light",
        "PostProcessTonemap", "RenderSettings", "TransferFunction", "View"}) {
    EXPECT_TRUE(render.contains(key)) << key;
  }
  EXPECT_FALSE(render.contains("Lights")) << "Clara Viz's plural keys are not Clara Deploy's";
  EXPECT_EQ(render["CameraAperture"]["enable"], "SWITCH_DISABLE");
  const json& tf = render["TransferFunction"];
  EXPECT_EQ(tf["blendingProfile"], "MAXIMUM_OPACITY");
  const json& components = tf["components"];
  ASSERT_EQ(components.size(), 4u);  // bone + spleen, liver, aorta (gallbladder absent)
  EXPECT_EQ(components[0]["activeRegions"], json::array({0}));
  std::vector<int> organ_ids;
  std::set<std::vector<double>> colours;
  for (size_t n = 1; n < components.size(); ++n) {
    const json& c = components[n];
    ASSERT_EQ(c["activeRegions"].size(), 1u);
    organ_ids.push_back(c["activeRegions"][0].get<int>());
    EXPECT_EQ(c["opacityProfile"], "SQUARE");
    EXPECT_DOUBLE_EQ(c["opacity"].get<double>(), 0.5);
    EXPECT_EQ(c["diffuseStart"], c["diffuseEnd"]);
    const std::vector<double> rgb{c["diffuseStart"]["x"], c["diffuseStart"]["y"],
                                  c["diffuseStart"]["z"]};
    EXPECT_NE(rgb, (std::vector<double>{0, 0, 0}));
    colours.insert(rgb);
  }
  EXPECT_THAT(organ_ids, ElementsAre(1, 6, 8));
  EXPECT_EQ(colours.size(), 3u) << "colours must be distinct";
  EXPECT_DOUBLE_EQ(components[1]["diffuseStart"]["x"].get<double>(), 157 / 255.0);

  // Density normalised over the volume's -1000..1000 HU.
  EXPECT_NEAR(components[0]["range"]["min"].get<double>(), (200 + 1000) / 2000.0, 1e-12);
  EXPECT_NEAR(components[0]["range"]["max"].get<double>(), 1.0, 1e-12);
  EXPECT_NEAR(components[1]["range"]["min"].get<double>(), (-200 + 1000) / 2000.0, 1e-12);
  EXPECT_NEAR(components[1]["range"]["max"].get<double>(), (300 + 1000) / 2000.0, 1e-12);
  EXPECT_NEAR(components[3]["range"]["max"].get<double>(), (600 + 1000) / 2000.0, 1e-12)
      << "contrast-filled vessels get a wider window";
}

TEST(ClaraDatasetTest, CamerasCircleTheVolumeFromTheSixAnatomicalSides) {
  testing::ScratchDir dir;
  ASSERT_TRUE(WriteClaraDataset(Image(), Labels(), "ct", dir.path()).ok());
  const json render = ReadJson(dir / "config_render.json");
  const json& cameras = render["Cameras"];
  ASSERT_EQ(cameras.size(), 6u);
  std::map<std::string, std::array<double, 3>> eye;
  for (const json& c : cameras) {
    eye[c["name"]] = {c["eye"]["x"], c["eye"]["y"], c["eye"]["z"]};
    EXPECT_EQ(c["lookAt"], json::parse(R"({"x": 0.0, "y": 0.0, "z": 0.0})"));
    const double up_dot_eye = c["up"]["x"].get<double>() * c["eye"]["x"].get<double>() +
                              c["up"]["y"].get<double>() * c["eye"]["y"].get<double>() +
                              c["up"]["z"].get<double>() * c["eye"]["z"].get<double>();
    EXPECT_NEAR(up_dot_eye, 0, 1e-9) << c["name"];
  }
  // LPS grid: world x, y, z are L, P, S; anterior is -y.
  EXPECT_LT(eye["Anterior"][1], -1);
  EXPECT_GT(eye["Posterior"][1], 1);
  EXPECT_GT(eye["Left"][0], 1);
  EXPECT_LT(eye["Right"][0], -1);
  EXPECT_GT(eye["Superior"][2], 1);
  EXPECT_LT(eye["Inferior"][2], -1);
  EXPECT_EQ(render["Camera"], cameras[0]);
  EXPECT_EQ(render["View"]["cameraName"], cameras[0]["name"]);
}

TEST(ClaraDatasetTest, BadRequestsAreErrorsNamingWhatIsWrong) {
  testing::ScratchDir dir;
  Status missing = WriteClaraDataset(Image(), Labels(), "ct", dir / "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("nope"));
  Status bad_name = WriteClaraDataset(Image(), Labels(), "../ct", dir.path());
  ASSERT_FALSE(bad_name.ok());
  EXPECT_EQ(bad_name.error().code, ErrorCode::kInvalidArgument);

  Geometry other = Grid();
  other.spacing[2] = 3;
  HounsfieldVolume shifted(other);
  std::fill(shifted.voxels().begin(), shifted.voxels().end(), int16_t{0});
  Status grid = WriteClaraDataset(shifted, Labels(), "ct", dir.path());
  ASSERT_FALSE(grid.ok());
  EXPECT_THAT(grid.error().message, HasSubstr("grid"));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(ClaraDatasetTest, UniformImageStillGivesValidRanges) {
  testing::ScratchDir dir;
  HounsfieldVolume flat(Grid());
  std::fill(flat.voxels().begin(), flat.voxels().end(), int16_t{40});
  ASSERT_TRUE(WriteClaraDataset(flat, Labels(), "ct", dir.path()).ok());
  const json render = ReadJson(dir / "config_render.json");
  for (const json& c : render["TransferFunction"]["components"]) {
    const double lo = c["range"]["min"], hi = c["range"]["max"];
    EXPECT_GE(lo, 0);
    EXPECT_LE(hi, 1);
    EXPECT_LT(lo, hi);
  }
}

}  // namespace
}  // namespace viscera
