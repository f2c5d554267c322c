#include "datasets/zip_archive.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "datasets/raw_zip.h"
#include "test_data.h"

namespace viscera {
namespace {
namespace fs = std::filesystem;
using testing::RawZipEntry;
using testing::ScratchDir;
using testing::WriteRawZip;

std::string ReadText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool IsEmptyDir(const fs::path& p) {
  return fs::is_directory(p) && fs::directory_iterator(p) == fs::directory_iterator();
}

TEST(ZipArchive, WriteThenExtractRoundTrips) {
  ScratchDir scratch;
  fs::create_directories(scratch / "src/meshes");
  std::ofstream(scratch / "src/config.meta") << "{\"data\": []}";
  std::ofstream(scratch / "src/meshes/liver.stl") << std::string(100000, 'x');
  std::ofstream(scratch / "src/.hidden.tmp") << "temporary";
  ASSERT_TRUE(WriteZip(scratch / "src", scratch / "out.zip").ok());
  fs::create_directory(scratch / "dest");
  Status status = ExtractZipSafely(scratch / "out.zip", scratch / "dest");
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(ReadText(scratch / "dest/config.meta"), "{\"data\": []}");
  EXPECT_EQ(ReadText(scratch / "dest/meshes/liver.stl"), std::string(100000, 'x'));
  EXPECT_FALSE(fs::exists(scratch / "dest/.hidden.tmp"));  // writers' temporaries stay out
}

TEST(ZipArchive, ExtractsNestedAndDotComponents) {
  ScratchDir scratch;
  WriteRawZip(scratch / "a.zip", {{"dir/", ""}, {"dir/./b.txt", "bee"}, {"c.txt", "sea"}});
  fs::create_directory(scratch / "dest");
  ASSERT_TRUE(ExtractZipSafely(scratch / "a.zip", scratch / "dest").ok());
  EXPECT_EQ(ReadText(scratch / "dest/dir/b.txt"), "bee");
  EXPECT_EQ(ReadText(scratch / "dest/c.txt"), "sea");
}

struct Refusal {
  std::vector<RawZipEntry> entries;
  ErrorCode code;
  std::string says;
};

TEST(ZipArchive, RefusesHostileEntriesBeforeWritingAnything) {
  const std::vector<Refusal> cases = {
      {{{"ok.txt", "x"}, {"../x", "evil"}}, ErrorCode::kInvalidArgument, "'../x'"},
      {{{"ok.txt", "x"}, {"a/../../x", "evil"}}, ErrorCode::kInvalidArgument, "'..'"},
      {{{"ok.txt", "x"}, {"/etc/evil", "evil"}}, ErrorCode::kInvalidArgument, "absolute"},
      {{{"ok.txt", "x"}, {"..\\x", "evil"}}, ErrorCode::kInvalidArgument, "backslash"},
      {{{"ok.txt", "x"}, {"link", "/etc/passwd", 0120777}},
       ErrorCode::kInvalidArgument,
       "symbolic link"},
  };
  for (const Refusal& c : cases) {
    ScratchDir scratch;
    WriteRawZip(scratch / "bad.zip", c.entries);
    fs::create_directory(scratch / "dest");
    Status status = ExtractZipSafely(scratch / "bad.zip", scratch / "dest");
    ASSERT_FALSE(status.ok()) << c.says;
    EXPECT_EQ(status.error().code, c.code) << status.error().ToString();
    EXPECT_NE(status.error().message.find(c.says), std::string::npos) << status.error().message;
    EXPECT_NE(status.error().message.find("bad.zip"), std::string::npos);
    EXPECT_TRUE(IsEmptyDir(scratch / "dest")) << c.says;
    EXPECT_FALSE(fs::exists(scratch / "x"));
  }
}

TEST(ZipArchive, EnforcesEntryAndSizeLimits) {
  ScratchDir scratch;
  WriteRawZip(scratch / "many.zip", {{"a", "1"}, {"b", "2"}, {"c", "3"}});
  fs::create_directory(scratch / "dest");
  Status status = ExtractZipSafely(scratch / "many.zip", scratch / "dest", {2, 1000});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kTooLarge);
  WriteRawZip(scratch / "big.zip", {{"a", std::string(600, 'a')}, {"b", std::string(600, 'b')}});
  status = ExtractZipSafely(scratch / "big.zip", scratch / "dest", {10, 1000});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kTooLarge);
  EXPECT_TRUE(IsEmptyDir(scratch / "dest"));
}

TEST(ZipArchive, RefusesDuplicatesAndDamagedData) {
  ScratchDir scratch;
  WriteRawZip(scratch / "dup.zip", {{"a", "1"}, {"a", "2"}});
  fs::create_directory(scratch / "dest");
  Status status = ExtractZipSafely(scratch / "dup.zip", scratch / "dest");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("duplicate"), std::string::npos);

  std::string bytes = testing::RawZipBytes({{"a.txt", "hello world"}});
  bytes[30 + 5 + 2] ^= 0x55;  // a data byte: the CRC no longer matches
  std::ofstream(scratch / "crc.zip", std::ios::binary) << bytes;
  fs::remove_all(scratch / "dest");
  fs::create_directory(scratch / "dest");
  status = ExtractZipSafely(scratch / "crc.zip", scratch / "dest");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kCorruptData) << status.error().ToString();

  std::ofstream(scratch / "junk.zip", std::ios::binary) << "PK\x03\x04 not really a zip";
  status = ExtractZipSafely(scratch / "junk.zip", scratch / "dest");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kCorruptData) << status.error().ToString();
}

}  // namespace
}  // namespace viscera
