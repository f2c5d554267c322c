// Crash consistency: a child process is killed (SIGKILL, as by `kill -9`) at a named point inside
// an import, delete or settings save; the reopened catalog must show each operation done
// completely or not at all, with no leftovers.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <functional>

#include "datasets/dataset_catalog.h"
#include "datasets/dataset_test_util.h"

namespace viscera {
namespace {
namespace fs = std::filesystem;
using testing::ScratchDir;

// Runs `operation` on a freshly opened catalog in a child that dies at `point`; expects SIGKILL.
void RunKilledAt(const fs::path& data_dir, const char* point,
                 const std::function<void(DatasetCatalog&)>& operation) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    setenv("VISCERA_CRASH_AT", point, 1);
    auto catalog = DatasetCatalog::Open(data_dir);
    if (catalog.ok()) operation(**catalog);
    _exit(0);  // reaching here means the crash point was never hit
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << point << ": child exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL) << point;
}

bool EmptyDir(const fs::path& p) {
  return fs::is_directory(p) && fs::is_empty(p);
}

class DatasetCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = scratch_ / "data";
    fs::create_directory(data_);
    testing::CopyFile(testing::TotalSeg("example_ct_sm.nii.gz"), scratch_ / "ct.nii.gz");
  }
  std::unique_ptr<DatasetCatalog> Reopen() {
    auto catalog = DatasetCatalog::Open(data_);
    EXPECT_TRUE(catalog.ok()) << catalog.error().ToString();
    EXPECT_TRUE(EmptyDir(data_ / ".viscera/staging"));
    EXPECT_TRUE(EmptyDir(data_ / ".viscera/trash"));
    return catalog.ok() ? std::move(catalog).value() : nullptr;
  }
  ImportRequest Request(const std::string& id) {
    ImportRequest request;
    request.id = id;
    request.upload = scratch_ / "ct.nii.gz";
    return request;
  }
  ScratchDir scratch_;
  fs::path data_;
};

TEST_F(DatasetCrashTest, ImportKilledBeforePublishLeavesNothing) {
  RunKilledAt(data_, "import-before-publish",
              [&](DatasetCatalog& c) { (void)c.Import(Request("ct")); });
  EXPECT_FALSE(fs::is_empty(data_ / ".viscera/staging"));  // the staged folder was left behind
  auto catalog = Reopen();
  ASSERT_TRUE(catalog);
  EXPECT_TRUE(catalog->List().empty());
  EXPECT_FALSE(fs::exists(data_ / "ct"));
  EXPECT_TRUE(catalog->Import(Request("ct")).ok());  // and the id is free again
}

TEST_F(DatasetCrashTest, ImportKilledAfterPublishIsIndexedOnOpen) {
  RunKilledAt(data_, "import-after-publish",
              [&](DatasetCatalog& c) { (void)c.Import(Request("ct")); });
  auto catalog = Reopen();
  ASSERT_TRUE(catalog);
  auto list = catalog->List();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id, "ct");
  EXPECT_EQ(list[0].dimensions, (std::array<int64_t, 3>{122, 101, 30}));
}

TEST_F(DatasetCrashTest, DeleteKilledAfterTrashCompletesOnOpen) {
  {
    auto catalog = Reopen();
    ASSERT_TRUE(catalog && catalog->Import(Request("ct")).ok());
    ASSERT_TRUE(catalog->SaveSettings("ct", "{}", "", "").ok());
  }
  RunKilledAt(data_, "delete-after-trash", [](DatasetCatalog& c) { (void)c.Delete("ct"); });
  EXPECT_FALSE(fs::is_empty(data_ / ".viscera/trash"));
  auto catalog = Reopen();
  ASSERT_TRUE(catalog);
  EXPECT_TRUE(catalog->List().empty());
  EXPECT_FALSE(catalog->GetSettings("ct", 0).ok());
}

TEST_F(DatasetCrashTest, SettingsSaveIsAllOrNothing) {
  {
    auto catalog = Reopen();
    ASSERT_TRUE(catalog && catalog->Import(Request("ct")).ok());
    ASSERT_TRUE(catalog->SaveSettings("ct", R"({"v": 1})", R"({"c": 1})", "one").ok());
  }
  RunKilledAt(data_, "settings-in-transaction", [](DatasetCatalog& c) {
    (void)c.SaveSettings("ct", R"({"v": 2})", R"({"c": 2})", "two");
  });
  {
    auto catalog = Reopen();
    ASSERT_TRUE(catalog);
    auto versions = catalog->ListSettings("ct");
    ASSERT_TRUE(versions.ok());
    ASSERT_EQ(versions->size(), 1u);  // the uncommitted version is gone entirely
    EXPECT_EQ(catalog->GetSettings("ct", 0)->settings_json, R"({"v": 1})");
  }
  RunKilledAt(data_, "settings-after-commit", [](DatasetCatalog& c) {
    (void)c.SaveSettings("ct", R"({"v": 3})", R"({"c": 3})", "three");
  });
  auto catalog = Reopen();
  ASSERT_TRUE(catalog);
  auto latest = catalog->GetSettings("ct", 0);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->version, 2);  // committed: present
  EXPECT_EQ(latest->settings_json, R"({"v": 3})");
  EXPECT_EQ(latest->note, "three");
  // The folder's file is one version behind until the next save (the store is the truth).
  ASSERT_TRUE(catalog->SaveSettings("ct", R"({"v": 4})", R"({"c": 4})", "four").ok());
  std::ifstream in(data_ / "ct/config_render.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, R"({"c": 4})");
}

}  // namespace
}  // namespace viscera
