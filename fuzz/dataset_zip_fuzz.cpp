// libFuzzer target for zip uploads (datasets/zip_archive.h): the bytes a client sends as a
// dataset zip, extracted as the dataset service extracts them. Whatever the archive says,
// nothing may be written outside the destination folder.
#include <cstdint>
#include <filesystem>
#include <string>

#include "datasets/zip_archive.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
  const fs::path& work = viscera::fuzz::WorkDir("dataset_zip");
  const fs::path zip = work / "upload.zip";
  const fs::path dest = work / "sandbox" / "dest";
  std::error_code ec;
  fs::remove_all(work / "sandbox", ec);
  fs::create_directories(dest);
  viscera::fuzz::WriteFile(zip, data, size);
  // Small limits keep iterations fast; the checks are the same at any size.
  (void)viscera::ExtractZipSafely(zip, dest, {64, int64_t{1} << 20});
  // Only dest may have gained entries: anything else in the sandbox escaped.
  for (const auto& e : fs::directory_iterator(work / "sandbox")) {
    if (e.path() != dest) __builtin_trap();
  }
  for (const auto& e : fs::recursive_directory_iterator(dest)) {
    if (fs::is_symlink(e.symlink_status())) __builtin_trap();  // links are refused
  }
  return 0;
}
