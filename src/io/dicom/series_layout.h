// From a set of CT slices to one regular grid: sorts slices by their position along the slice
// normal (never by file name or InstanceNumber) and refuses series that are not one volume.
#pragma once

#include <vector>

#include "core/geometry.h"
#include "io/dicom/dicom_scan.h"

namespace viscera {

struct SeriesLayoutOptions {
  // Largest allowed deviation of one slice gap from the median gap: max(abs_mm, relative*median).
  double gap_tolerance_mm = 0.01;
  double gap_tolerance_relative = 0.01;
  // Largest allowed angle between the slice stacking direction and the slice normal.
  double max_tilt_degrees = 0.05;
};

struct SeriesLayout {
  Geometry geometry;                            // LPS, k along the slice normal
  std::vector<const DicomSliceHeader*> slices;  // slice k of the volume
};

// Errors (kInconsistentData / kUnsupported / kCorruptData) name the series and the offending
// files: mixed image sizes, orientations or pixel spacings; missing position/orientation;
// duplicate positions; non-uniform gaps (missing slices); gantry tilt; multi-frame or colour.
Expected<SeriesLayout> ComputeSeriesLayout(const DicomSeries& series,
                                           const SeriesLayoutOptions& options = {});

}  // namespace viscera
