// Paths to the shared real data and scratch folders for tests.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace viscera::testing {

inline std::filesystem::path SharedDataDir() {
  return VISCERA_SHARED_DATA_DIR;
}
inline std::filesystem::path SourceDir() {
  return VISCERA_SOURCE_DIR;
}

// A file under the shared data folder; the test fails (never skips) if it is missing.
inline std::filesystem::path SharedData(const std::string& relative) {
  auto path = SharedDataDir() / relative;
  EXPECT_TRUE(std::filesystem::exists(path)) << "missing shared test data: " << path;
  return path;
}

// A fresh empty folder for one test, removed when the object goes away.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("viscera-test-" + std::string(info ? info->name() : "x") + "-" +
             std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace viscera::testing
