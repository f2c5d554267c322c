// Finding image series in a folder tree: every file's header is read (in parallel) and instances
// are grouped by SeriesInstanceUID. Nothing is decoded here.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "io/dicom/dicom_file.h"

namespace viscera {

struct DicomSeries {
  std::string series_instance_uid;
  std::string study_instance_uid;
  std::vector<DicomSliceHeader> instances;  // in file path order

  const DicomSliceHeader& first() const { return instances.front(); }
  // "series 2 'Abdomen 2.0 B30f' (CT, 20 instances, UID 1.2.3)": no patient identity.
  std::string Describe() const;
};

struct DicomFolderScan {
  std::filesystem::path folder;
  std::vector<DicomSeries> series;   // ordered by SeriesNumber, then UID
  std::vector<std::string> skipped;  // "path: reason" for files that are not image instances
  int64_t files_seen = 0;
};

// Fails with kNotFound if `folder` is not a folder. A folder without any DICOM image still
// succeeds (with no series); callers decide whether that is an error.
Expected<DicomFolderScan> ScanDicomFolder(const std::filesystem::path& folder);

}  // namespace viscera
