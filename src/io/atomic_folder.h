// A folder of outputs that appears complete or not at all: files are written into a hidden
// staging folder beside the destination, which then replaces the destination in one atomic
// exchange (renameat2 RENAME_EXCHANGE). A failure at any point leaves the destination untouched.
#pragma once

#include <filesystem>

#include "core/expected.h"

namespace viscera {

class StagedFolder {
 public:
  // Creates the staging folder beside `destination` (whose parent must exist or be creatable).
  static Expected<StagedFolder> Create(const std::filesystem::path& destination);
  StagedFolder(StagedFolder&& other) noexcept;
  StagedFolder& operator=(StagedFolder&&) = delete;
  StagedFolder(const StagedFolder&) = delete;
  ~StagedFolder();  // removes the staging folder unless published

  const std::filesystem::path& path() const { return staging_; }  // write here
  const std::filesystem::path& destination() const { return destination_; }

  // fsyncs the staged files, then puts the staging folder in place of the destination (the
  // previous destination, if any, is removed afterwards).
  Status Publish();

 private:
  StagedFolder(std::filesystem::path destination, std::filesystem::path staging);
  std::filesystem::path destination_;
  std::filesystem::path staging_;
  bool published_ = false;
};

}  // namespace viscera
