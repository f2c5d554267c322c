#include "datasets/dataset_catalog.h"

#include <gtest/gtest.h>

#include <fstream>

#include "datasets/dataset_test_util.h"
#include "datasets/raw_zip.h"
#include "io/clara_dataset_reader.h"

namespace viscera {
namespace {
namespace fs = std::filesystem;
using testing::CopyFile;
using testing::ScratchDir;
using testing::Snapshot;
using testing::TotalSeg;

std::unique_ptr<DatasetCatalog> OpenCatalog(const fs::path& dir) {
  auto catalog = DatasetCatalog::Open(dir);
  EXPECT_TRUE(catalog.ok()) << catalog.error().ToString();
  return catalog.ok() ? std::move(catalog).value() : nullptr;
}

Expected<DatasetRecord> ImportFile(DatasetCatalog& catalog, const std::string& id,
                                   const fs::path& upload) {
  ImportRequest request;
  request.id = id;
  request.upload = upload;
  return catalog.Import(request);
}

std::string LabelName(const DatasetRecord& r, uint16_t id) {
  for (const auto& [label, name] : r.labels) {
    if (label == id) return name;
  }
  return "<absent>";
}

TEST(DatasetId, Validation) {
  for (const std::string& ok :
       std::vector<std::string>{"a", "ct-01", "Abdomen_2.v3", std::string(64, 'x')}) {
    EXPECT_TRUE(ValidateDatasetId(ok).ok()) << ok;
  }
  for (const std::string& bad : std::vector<std::string>{
           "", ".", "..", ".hidden", "../a", "a/b", "a b", "a\\b", std::string(65, 'x'), "é"}) {
    Status status = ValidateDatasetId(bad);
    ASSERT_FALSE(status.ok()) << bad;
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(status.error().message.find("'" + bad + "'"), std::string::npos);
  }
}

TEST(DatasetCatalog, ImportsANiftiUploadAndKeepsItAcrossReopen) {
  ScratchDir scratch;
  fs::create_directory(scratch / "data");
  CopyFile(TotalSeg("example_ct_sm.nii.gz"), scratch / "upload-1234");  // no extension: by magic
  {
    auto catalog = OpenCatalog(scratch / "data");
    ASSERT_TRUE(catalog);
    std::vector<std::string> stages;
    ImportRequest request;
    request.id = "small";
    request.upload = scratch / "upload-1234";
    request.progress = [&](const std::string& stage, double) { stages.push_back(stage); };
    auto record = catalog->Import(request);
    ASSERT_TRUE(record.ok()) << record.error().ToString();
    EXPECT_EQ(record->id, "small");
    EXPECT_EQ(record->dimensions, (std::array<int64_t, 3>{122, 101, 30}));
    EXPECT_NEAR(record->spacing_mm[0], 3.0, 1e-6);
    EXPECT_TRUE(record->labels.empty());
    EXPECT_GT(record->size_bytes, 0);
    EXPECT_FALSE(stages.empty());
    EXPECT_EQ(stages.back(), "done");
    EXPECT_TRUE(IsClaraDatasetFolder(scratch / "data/small"));
    EXPECT_TRUE(fs::is_empty(scratch / "data/.viscera/staging"));
  }
  auto catalog = OpenCatalog(scratch / "data");
  ASSERT_TRUE(catalog);
  auto list = catalog->List();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id, "small");
  EXPECT_EQ(list[0].name, "small");
  auto folder = catalog->FolderOf("small");
  ASSERT_TRUE(folder.ok());
  EXPECT_EQ(*folder, fs::canonical(scratch / "data/small"));
}

TEST(DatasetCatalog, ImportsAZipOfNiftiSegAndLabelNames) {
  ScratchDir scratch;
  fs::create_directory(scratch / "data");
  CopyFile(TotalSeg("example_ct.nii.gz"), scratch / "src/abdomen/example_ct.nii.gz");
  CopyFile(TotalSeg("example_seg_fast_force_split.nii.gz"),
           scratch / "src/abdomen/example_seg_fast_force_split.nii.gz");
  CopyFile(TotalSeg("labels_total_v2.json"), scratch / "src/abdomen/labels_total_v2.json");
  ASSERT_TRUE(WriteZip(scratch / "src", scratch / "upload.zip").ok());
  auto catalog = OpenCatalog(scratch / "data");
  ASSERT_TRUE(catalog);
  auto record = ImportFile(*catalog, "abdomen", scratch / "upload.zip");
  ASSERT_TRUE(record.ok()) << record.error().ToString();
  EXPECT_EQ(record->dimensions, (std::array<int64_t, 3>{122, 101, 112}));
  EXPECT_EQ(record->labels.size(), 61u);
  EXPECT_EQ(LabelName(*record, 5), "liver");
  EXPECT_EQ(LabelName(*record, 1), "spleen");
  EXPECT_TRUE(fs::exists(scratch / "data/abdomen/labels.json"));
  auto files = ReadClaraDataset(scratch / "data/abdomen");
  ASSERT_TRUE(files.ok());
  ASSERT_TRUE(files->mask.has_value());
}

TEST(DatasetCatalog, ImportsAZipOfADicomSeries) {
  ScratchDir scratch;
  fs::create_directory(scratch / "data");
  fs::create_directories(scratch / "src");
  fs::copy(TotalSeg("example_ct_dicom"), scratch / "src/series");
  ASSERT_TRUE(WriteZip(scratch / "src", scratch / "dicom.zip").ok());
  auto catalog = OpenCatalog(scratch / "data");
  ASSERT_TRUE(catalog);
  auto record = ImportFile(*catalog, "series-1", scratch / "dicom.zip");
  ASSERT_TRUE(record.ok()) << record.error().ToString();
  EXPECT_EQ(record->dimensions, (std::array<int64_t, 3>{512, 512, 20}));
  EXPECT_NEAR(record->spacing_mm[2], 2.0, 1e-3);
}

TEST(DatasetCatalog, ImportsAClaraFolderZipAsIsAndExportsIt) {
  ScratchDir scratch;
  fs::create_directory(scratch / "data");
  testing::WriteSmallClaraFolder(scratch / "src");
  ASSERT_TRUE(WriteZip(scratch / "src", scratch / "clara.zip").ok());
  auto catalog = OpenCatalog(scratch / "data");
  ASSERT_TRUE(catalog);
  auto record = ImportFile(*catalog, "clara", scratch / "clara.zip");
  ASSERT_TRUE(record.ok()) << record.error().ToString();
  EXPECT_EQ(record->dimensions, (std::array<int64_t, 3>{122, 101, 30}));
  EXPECT_EQ(record->labels.size(), 41u);
  EXPECT_EQ(LabelName(*record, 5), "");  // no names came with it
  for (const auto& e : fs::directory_iterator(scratch / "src")) {
    EXPECT_EQ(fs::file_size(e.path()), fs::file_size(scratch / "data/clara" / e.path().filename()))
        << e.path();
  }

  // Settings: versions, the folder's render settings file, the export carrying it.
  auto none = catalog->GetSettings("clara", 0);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
  auto v1 = catalog->SaveSettings("clara", R"({"v": 1})", R"({"clara": 1})", "first");
  auto v2 = catalog->SaveSettings("clara", R"({"v": 2})", R"({"clara": 2})", "second");
  ASSERT_TRUE(v1.ok() && v2.ok()) << (v1.ok() ? v2.error() : v1.error()).ToString();
  EXPECT_EQ(*v2, 2);
  EXPECT_FALSE(catalog->SaveSettings("clara", "{}", "not json", "").ok());
  EXPECT_EQ(catalog->Get("clara")->settings_version, 2);
  auto versions = catalog->ListSettings("clara");
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].note, "second");
  EXPECT_EQ(catalog->GetSettings("clara", 1)->settings_json, R"({"v": 1})");
  EXPECT_EQ(catalog->GetSettings("clara", 0)->version, 2);
  EXPECT_FALSE(catalog->GetSettings("clara", 7).ok());

  ASSERT_TRUE(catalog->ExportZip("clara", scratch / "export.zip").ok());
  fs::create_directory(scratch / "exported");
  ASSERT_TRUE(ExtractZipSafely(scratch / "export.zip", scratch / "exported").ok());
  EXPECT_TRUE(IsClaraDatasetFolder(scratch / "exported"));
  std::ifstream in(scratch / "exported/config_render.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, R"({"clara": 2})");
  EXPECT_TRUE(ReadClaraDataset(scratch / "exported").ok());
}

TEST(DatasetCatalog, RefusalsLeaveTheDataFolderUnchanged) {
  ScratchDir scratch;
  fs::create_directory(scratch / "data");
  CopyFile(TotalSeg("example_ct_sm.nii.gz"), scratch / "ct.nii.gz");
  auto catalog = OpenCatalog(scratch / "data");
  ASSERT_TRUE(catalog);
  ASSERT_TRUE(ImportFile(*catalog, "existing", scratch / "ct.nii.gz").ok());

  using testing::WriteRawZip;
  WriteRawZip(scratch / "traversal.zip", {{"ct.nii.gz", "x"}, {"../x", "evil"}});
  WriteRawZip(scratch / "absolute.zip", {{"/tmp/viscera-evil", "evil"}});
  WriteRawZip(scratch / "symlink.zip", {{"config.meta", "/etc/passwd", 0120777}});
  std::ofstream(scratch / "corrupt.zip", std::ios::binary) << "PK\x03\x04garbage, not a zip";
  std::ofstream(scratch / "text.txt") << "hello";
  {
    std::ifstream in(scratch / "ct.nii.gz", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(scratch / "truncated.nii.gz", std::ios::binary)
        << bytes.substr(0, bytes.size() / 2);
  }
  WriteRawZip(scratch / "nothing.zip", {{"readme.txt", "no image here"}});

  const auto before = Snapshot(scratch / "data");
  struct Case {
    std::string id;
    std::string upload;
    std::string says;  // in the error message
  };
  const std::vector<Case> cases = {
      {"t1", "traversal.zip", "'../x'"},
      {"t2", "absolute.zip", "absolute"},
      {"t3", "symlink.zip", "symbolic link"},
      {"t4", "corrupt.zip", "corrupt.zip"},
      {"t5", "truncated.nii.gz", "truncated.nii.gz"},
      {"t6", "text.txt", "neither a zip nor a NIfTI"},
      {"t7", "nothing.zip", "nothing.zip"},
      {"../a", "ct.nii.gz", "'../a'"},
      {"a/b", "ct.nii.gz", "'a/b'"},
      {"existing", "ct.nii.gz", "already exists"},
      {"t8", "missing.nii", "missing.nii"},
  };
  for (const Case& c : cases) {
    auto record = ImportFile(*catalog, c.id, scratch / c.upload);
    ASSERT_FALSE(record.ok()) << c.upload;
    EXPECT_NE(record.error().message.find(c.says), std::string::npos)
        << c.upload << ": " << record.error().ToString();
    EXPECT_EQ(Snapshot(scratch / "data"), before) << c.upload;
    EXPECT_FALSE(fs::exists(scratch / "x"));
    EXPECT_FALSE(fs::exists("/tmp/viscera-evil"));
  }
  ASSERT_EQ(catalog->List().size(), 1u);
}

TEST(DatasetCatalog, DeleteAndRescan) {
  ScratchDir scratch;
  fs::create_directory(scratch / "data");
  testing::WriteSmallClaraFolder(scratch / "data/dropped-in");
  std::ofstream(scratch / "data/dropped-in/labels.json") << R"({"5": "liver", "1": "spleen"})";
  fs::create_directory(scratch / "data/not-a-dataset");
  fs::create_directory(scratch / "data/broken");
  std::ofstream(scratch / "data/broken/config.meta") << "{ not json";
  auto catalog = OpenCatalog(scratch / "data");  // broken is skipped with a warning, not fatal
  ASSERT_TRUE(catalog);
  auto list = catalog->List();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id, "dropped-in");
  EXPECT_EQ(LabelName(list[0], 5), "liver");
  EXPECT_EQ(LabelName(list[0], 2), "");

  ASSERT_TRUE(catalog->SaveSettings("dropped-in", "{}", "", "").ok());
  ASSERT_TRUE(catalog->Delete("dropped-in").ok());
  EXPECT_FALSE(fs::exists(scratch / "data/dropped-in"));
  EXPECT_EQ(catalog->Get("dropped-in").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(catalog->Delete("dropped-in").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(fs::is_empty(scratch / "data/.viscera/trash"));
  EXPECT_TRUE(catalog->List().empty());

  // A folder removed behind the catalog's back is dropped by the next rescan.
  testing::WriteSmallClaraFolder(scratch / "data/again");
  EXPECT_EQ(*catalog->Rescan(), 1);
  fs::remove_all(scratch / "data/again");
  EXPECT_EQ(*catalog->Rescan(), 1);
  EXPECT_TRUE(catalog->List().empty());
}

TEST(DatasetCatalog, RefusesLinksLeadingOutOfTheDataFolder) {
  ScratchDir scratch;
  fs::create_directory(scratch / "data");
  testing::WriteSmallClaraFolder(scratch / "outside");
  fs::create_directory_symlink(scratch / "outside", scratch / "data/escape");
  auto catalog = OpenCatalog(scratch / "data");
  ASSERT_TRUE(catalog);
  EXPECT_TRUE(catalog->List().empty());  // not indexed
  auto folder = catalog->FolderOf("escape");
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(catalog->FolderOf("../outside").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(catalog->FolderOf("absent").error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(catalog->ExportZip("escape", scratch / "x.zip").ok());
  EXPECT_FALSE(catalog->SaveSettings("escape", "{}", "{}", "").ok());
  EXPECT_TRUE(fs::exists(scratch / "outside/config_render.json"));
}

}  // namespace
}  // namespace viscera
