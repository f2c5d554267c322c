// DICOM RT Structure Set from a label map on the grid of a DICOM CT series: one ROI per organ,
// closed planar contours per slice in patient coordinates, for radiation-therapy planning systems.
#pragma once

#include <filesystem>

#include "core/label_map.h"
#include "export/dicom_seg.h"
#include "io/dicom/ct_loader.h"

namespace viscera {

// Writes `path` atomically; references the source series and each contour's source slice.
Status WriteRtStruct(const LabelMap& labels, const CtSeriesInfo& source,
                     const SegmentationAlgorithm& algorithm, const std::filesystem::path& path);

}  // namespace viscera
