// Loading a CT volume in Hounsfield units from a DICOM folder: scan -> select -> layout -> decode.
// Each stage is its own function so it can be tested and timed alone.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/volume.h"
#include "io/dicom/dicom_scan.h"
#include "io/dicom/series_layout.h"
#include "io/dicom/series_selector.h"
#include "io/read_limits.h"

namespace viscera {

struct CtLoadOptions {
  std::optional<SeriesSelector> selector;  // default: SeriesSelector::Default()
  std::string series_instance_uid;         // when set, load exactly this series
  ReadLimits limits;
  SeriesLayoutOptions layout;
};

// One source slice, for outputs that reference it (DICOM SEG, RT Structure Set).
struct SourceSlice {
  std::filesystem::path path;
  std::string sop_class_uid;
  std::string sop_instance_uid;
};

// What was loaded, for reports (no patient identity).
struct CtSeriesInfo {
  std::string series_instance_uid;
  std::string study_instance_uid;
  std::vector<SourceSlice> slices;  // slice k of the volume is slices[k]
  std::string description;          // DicomSeries::Describe()
  std::string series_description;   // (0008,103E)
  std::string transfer_syntax_uid;
  int64_t clamped_voxels = 0;             // HU values outside int16, clamped
  std::vector<std::string> other_series;  // descriptions of series not chosen
};

struct LoadedCtSeries {
  HounsfieldVolume volume;
  CtSeriesInfo info;
};

// Decodes and rescales (RescaleSlope/Intercept, per slice) every slice of `layout` into HU, slices
// in parallel. Fails naming the file whose pixel data is corrupt.
Expected<HounsfieldVolume> DecodeHounsfield(const SeriesLayout& layout, const ReadLimits& limits,
                                            int64_t* clamped_voxels);

// The whole pipeline. kNotFound when the folder holds no series matching the rules (the message
// lists the series that were found), other errors from the stages above.
Expected<LoadedCtSeries> LoadCtSeries(const std::filesystem::path& folder,
                                      const CtLoadOptions& options = {});

}  // namespace viscera
