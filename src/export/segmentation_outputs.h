// Everything a segmentation run leaves in its output folder, written as one unit: the Clara
// dataset (image, mask, config.meta, config_render.json), DICOM SEG and RT Structure Set (DICOM
// sources only), organ meshes and stats.json. The folder appears complete or not at all.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/label_map.h"
#include "export/dicom_seg.h"
#include "export/organ_stats.h"
#include "io/dicom/ct_loader.h"

namespace viscera {

struct SegmentationOutputOptions {
  std::string name = "ct";  // file stem of the image and mask
  SegmentationAlgorithm algorithm;
  bool clara = true;
  bool dicom_seg = true;  // needs a DICOM source
  bool rtstruct = true;   // needs a DICOM source
  bool meshes = true;
  bool stats = true;
};

// `labels` must be on `image`'s grid. `dicom` is the loaded series for DICOM input (else SEG and
// RTSTRUCT are skipped with a log line). Progress is logged per output. The organ measurements
// (computed once, for stats.json) go to `stats` when it is given.
Status WriteSegmentationOutputs(const HounsfieldVolume& image, const LabelMap& labels,
                                const std::optional<CtSeriesInfo>& dicom,
                                const SegmentationOutputOptions& options,
                                const std::filesystem::path& out_dir,
                                std::vector<OrganStats>* stats = nullptr);

}  // namespace viscera
