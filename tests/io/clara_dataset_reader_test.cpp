#include "io/clara_dataset_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "export/clara_dataset.h"
#include "io/atomic_file.h"
#include "io/volume_file.h"
#include "render/clara_settings.h"
#include "test_data.h"

namespace viscera {
namespace {
using ::testing::HasSubstr;
namespace fs = std::filesystem;

// An oblique, anisotropic grid, so that a reader dropping any part of the placement shows.
Geometry Grid() {
  Geometry g;
  g.size = {9, 7, 5};
  g.spacing = {0.7, 0.9, 2.5};
  g.origin = {-100, 50, 20};
  g.direction.m = {{{0.8, -0.6, 0}, {0.6, 0.8, 0}, {0, 0, 1}}};
  return g;
}

HounsfieldVolume Image() {
  HounsfieldVolume image(Grid());
  auto v = image.voxels();
  for (size_t n = 0; n < v.size(); ++n) v[n] = static_cast<int16_t>(n * 7 % 300 * 10 - 1000);
  return image;
}

LabelMap Labels() {
  Volume<uint16_t> v(Grid());
  std::fill(v.voxels().begin(), v.voxels().end(), uint16_t{0});
  for (int64_t i = 2; i < 6; ++i) v.at(i, 3, 2) = 1;
  v.at(8, 6, 4) = 6;
  LabelTable table;
  EXPECT_TRUE(table.Add({1, "spleen", {157, 108, 162}, {}, {}}).ok());
  EXPECT_TRUE(table.Add({6, "liver", {221, 130, 101}, {}, {}}).ok());
  return LabelMap{std::move(v), std::move(table)};
}

void WriteDataset(const fs::path& folder) {
  fs::create_directories(folder);
  ASSERT_TRUE(WriteClaraDataset(Image(), Labels(), "ct", folder).ok());
}

void WriteMeta(const fs::path& folder, const std::string& text) {
  ASSERT_TRUE(WriteFileAtomically(folder / "config.meta", text).ok());
}

TEST(ClaraDatasetReaderTest, ReadsBackWhatTheWriterWrote) {
  testing::ScratchDir dir;
  WriteDataset(dir.path());
  EXPECT_TRUE(IsClaraDatasetFolder(dir.path()));
  auto files = ReadClaraDataset(dir.path());
  ASSERT_TRUE(files.ok()) << files.error().ToString();
  EXPECT_EQ(files->name, "ct");
  const HounsfieldVolume image = Image();
  EXPECT_TRUE(files->image.geometry().SameGrid(image.geometry(), 1e-6));
  EXPECT_TRUE(std::equal(image.voxels().begin(), image.voxels().end(),
                         files->image.voxels().begin(), files->image.voxels().end()));
  ASSERT_TRUE(files->mask.has_value());
  const LabelMap labels = Labels();
  EXPECT_TRUE(files->mask->geometry().SameGrid(image.geometry(), 1e-6));
  EXPECT_TRUE(std::equal(labels.labels.voxels().begin(), labels.labels.voxels().end(),
                         files->mask->voxels().begin(), files->mask->voxels().end()));
  EXPECT_EQ(files->settings_path, dir / "config_render.json");

  // The settings parse for this volume: the writer's cameras look at the volume's centre.
  const auto [lo, hi] = std::minmax_element(image.voxels().begin(), image.voxels().end());
  auto settings =
      ParseClaraRenderSettings(files->settings_json, files->image.geometry(), *lo, *hi, "x");
  ASSERT_TRUE(settings.ok()) << settings.error().ToString();
  EXPECT_EQ(settings->camera.name, "Anterior");
  const Vec3 centre = image.geometry().IndexToLpsPoint({4, 3, 2});
  for (int a = 0; a < 3; ++a) EXPECT_NEAR(settings->camera.look_at[a], centre[a], 1e-9);
  EXPECT_LT(settings->camera.eye[1], centre[1]) << "the anterior camera is in front (-y)";
  EXPECT_EQ(settings->transfer_function.components.size(), 3u);  // bone, spleen, liver
}

TEST(ClaraDatasetReaderTest, MaskAndSettingsAreOptional) {
  testing::ScratchDir dir;
  WriteDataset(dir.path());
  WriteMeta(dir.path(), R"({"data": [{"file": "ct.nii.gz", "order": "DXYZ"}]})");
  auto files = ReadClaraDataset(dir.path());
  ASSERT_TRUE(files.ok()) << files.error().ToString();
  EXPECT_FALSE(files->mask.has_value());
  EXPECT_TRUE(files->settings_json.empty());
  EXPECT_EQ(files->name, dir.path().filename().string()) << "no name: the folder's";
  EXPECT_EQ(files->image.voxels()[5], Image().voxels()[5]);
}

TEST(ClaraDatasetReaderTest, MissingOrCorruptConfigMetaIsAnError) {
  testing::ScratchDir dir;
  EXPECT_FALSE(IsClaraDatasetFolder(dir.path()));
  auto none = ReadClaraDataset(dir.path());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(none.error().message, HasSubstr("config.meta"));
  EXPECT_FALSE(ReadClaraDataset(dir / "absent").ok());

  WriteDataset(dir.path());
  WriteMeta(dir.path(), "{\"data\": [ {\"file\": ");
  auto corrupt = ReadClaraDataset(dir.path());
  ASSERT_FALSE(corrupt.ok());
  EXPECT_EQ(corrupt.error().code, ErrorCode::kCorruptData);
  EXPECT_THAT(corrupt.error().message, HasSubstr("config.meta"));

  WriteMeta(dir.path(), R"({"data": [{"file": "ct.output.mhd", "order": "MXYZ"}]})");
  auto no_density = ReadClaraDataset(dir.path());
  ASSERT_FALSE(no_density.ok());
  EXPECT_THAT(no_density.error().message, HasSubstr("DXYZ"));

  WriteMeta(dir.path(), R"({"data": [{"file": "ct.mhd", "order": "XYZD"}]})");
  auto order = ReadClaraDataset(dir.path());
  ASSERT_FALSE(order.ok());
  EXPECT_THAT(order.error().message, HasSubstr("data[0].order \"XYZD\""));

  WriteMeta(dir.path(), R"({"data": [{"file": "gone.mhd", "order": "DXYZ"}]})");
  auto gone = ReadClaraDataset(dir.path());
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(gone.error().message, HasSubstr("gone.mhd"));
}

TEST(ClaraDatasetReaderTest, NamesOutsideTheFolderAreRefused) {
  testing::ScratchDir dir;
  WriteDataset(dir / "a");
  const fs::path b = dir / "b";
  WriteDataset(b);
  for (const std::string name : {"../a/ct.mhd", "/etc/passwd", "sub/ct.mhd", "..", ""}) {
    WriteMeta(b, R"({"data": [{"file": ")" + name + R"(", "order": "DXYZ"}]})");
    auto files = ReadClaraDataset(b);
    ASSERT_FALSE(files.ok()) << name;
    EXPECT_EQ(files.error().code, ErrorCode::kInvalidArgument) << name;
    EXPECT_THAT(files.error().message, HasSubstr("'" + name + "' is not a plain file name"));
  }
  WriteMeta(b, R"({"data": [{"file": "ct.mhd", "order": "DXYZ"}], "settings": "../x.json"})");
  auto settings = ReadClaraDataset(b);
  ASSERT_FALSE(settings.ok());
  EXPECT_THAT(settings.error().message, HasSubstr("settings '../x.json'"));

  // A link to a file in another folder.
  fs::create_symlink(dir / "a" / "ct.nii.gz", b / "link.nii.gz");
  WriteMeta(b, R"({"data": [{"file": "link.nii.gz", "order": "DXYZ"}]})");
  auto link = ReadClaraDataset(b);
  ASSERT_FALSE(link.ok());
  EXPECT_THAT(link.error().message, HasSubstr("link.nii.gz: symbolic link leads out"));
  // A link within the folder is fine.
  fs::create_symlink(b / "ct.nii.gz", b / "inside.nii.gz");
  WriteMeta(b, R"({"data": [{"file": "inside.nii.gz", "order": "DXYZ"}]})");
  EXPECT_TRUE(ReadClaraDataset(b).ok());

  // A MetaImage header whose ElementDataFile points out of the folder.
  auto header = ReadWholeFile(b / "ct.mhd", 1 << 20);
  ASSERT_TRUE(header.ok());
  const size_t at = header->find("ElementDataFile = ");
  ASSERT_NE(at, std::string::npos);
  ASSERT_TRUE(WriteFileAtomically(b / "escape.mhd",
                                  header->substr(0, at) + "ElementDataFile = ../a/ct.raw\n")
                  .ok());
  WriteMeta(b, R"({"data": [{"file": "escape.mhd", "order": "DXYZ"}]})");
  auto escape = ReadClaraDataset(b);
  ASSERT_FALSE(escape.ok());
  EXPECT_THAT(escape.error().message, HasSubstr("ElementDataFile '../a/ct.raw'"));
}

TEST(ClaraDatasetReaderTest, MaskOffTheDensityGridIsAnError) {
  testing::ScratchDir dir;
  WriteDataset(dir.path());
  Geometry other = Grid();
  other.spacing[2] = 3;
  Volume<uint8_t> mask(other);
  std::fill(mask.voxels().begin(), mask.voxels().end(), uint8_t{0});
  ASSERT_TRUE(WriteVolume(mask, dir / "ct.output.mhd").ok());
  auto files = ReadClaraDataset(dir.path());
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.error().code, ErrorCode::kInconsistentData);
  EXPECT_THAT(files.error().message, HasSubstr("ct.output.mhd"));
  EXPECT_THAT(files.error().message, HasSubstr("grid"));
}

}  // namespace
}  // namespace viscera
