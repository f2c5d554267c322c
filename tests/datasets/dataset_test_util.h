// Shared helpers of the dataset service tests: real-data uploads and data-folder snapshots.
#pragma once

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "core/label_map.h"
#include "datasets/zip_archive.h"
#include "export/clara_dataset.h"
#include "io/volume_file.h"
#include "test_data.h"

namespace viscera::testing {

inline std::filesystem::path TotalSeg(const std::string& leaf) {
  return SharedData("totalseg-example/" + leaf);
}

// Every path under data_dir except the store's own files: what a failed operation must not change.
inline std::set<std::string> Snapshot(const std::filesystem::path& data_dir) {
  namespace fs = std::filesystem;
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(data_dir)) {
    std::string rel = e.path().lexically_relative(data_dir).string();
    if (rel.rfind(".viscera/catalog.sqlite", 0) == 0) continue;
    out.insert(rel + (e.is_regular_file() ? ":" + std::to_string(e.file_size()) : ""));
  }
  return out;
}

// A Clara folder of the small TotalSegmentator CT (122x101x30) with its 'total' labels.
inline void WriteSmallClaraFolder(const std::filesystem::path& folder) {
  std::filesystem::create_directories(folder);
  auto image = ReadVolume(TotalSeg("example_ct_sm.nii.gz"));
  auto seg = ReadVolume(TotalSeg("example_seg.nii.gz"));
  ASSERT_TRUE(image.ok() && seg.ok());
  auto hu = ToHounsfield(image->volume, "ct");
  ASSERT_TRUE(hu.ok());
  auto labels = LabelMap::Create(hu->geometry(), seg->volume, {});
  ASSERT_TRUE(labels.ok()) << labels.error().ToString();
  ASSERT_TRUE(WriteClaraDataset(*hu, *labels, "small", folder).ok());
}

inline void CopyFile(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::create_directories(to.parent_path());
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
}

}  // namespace viscera::testing
