// Test entry point: fails the whole run, loudly, when the shared real data is missing.
#include <gtest/gtest.h>

#include "test_data.h"

namespace {
class SharedDataEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    if (!std::filesystem::exists(viscera::testing::SharedDataDir() / "README.md")) {
      GTEST_FAIL() << "shared test data not found at " << viscera::testing::SharedDataDir()
                   << " (configure with -DVISCERA_SHARED_DATA=...); tests need the real CT data";
    }
  }
};
}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new SharedDataEnvironment);
  return RUN_ALL_TESTS();
}
