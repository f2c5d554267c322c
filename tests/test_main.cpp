// Test entry point: refuses to run, loudly, when the shared real data is missing (a run that
// silently skipped every real-data test would look green).
#include <gtest/gtest.h>

#include <cstdio>

#include "test_data.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const auto readme = viscera::testing::SharedDataDir() / "README.md";
  if (!GTEST_FLAG_GET(list_tests) && !std::filesystem::exists(readme)) {
    std::fprintf(stderr,
                 "FAIL: shared test data not found at %s (configure with "
                 "-DVISCERA_SHARED_DATA=... or set VISCERA_SHARED_DATA for scripts/test.sh)\n",
                 viscera::testing::SharedDataDir().c_str());
    return 1;
  }
  return RUN_ALL_TESTS();
}
