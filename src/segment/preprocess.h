// Stage 2 of segmentation: HU volume -> the network's input grid and intensities (orientation,
// spacing, intensity window, crop to foreground), exactly as models/unetr/PIPELINE.md says.
#pragma once

#include "core/volume.h"
#include "segment/model_metadata.h"

namespace viscera {

// The size MONAI's Spacing gives an axis of n voxels at spacing s resampled to s':
// round((n - 1) * s / s') + 1, rounding half to even as numpy does.
int64_t MonaiResampledSize(int64_t n, double spacing, double new_spacing);

struct PreprocessedImage {
  Volume<float> image;         // windowed intensities on the cropped grid (its geometry is placed)
  Geometry network_grid;       // the oriented, resampled grid before cropping
  Index3 crop_begin{0, 0, 0};  // where `image` starts inside network_grid
};

// Orientation and resampling are fused into one pass straight from the int16 source (no
// reoriented or float copy of the full-resolution CT is made).
Expected<PreprocessedImage> Preprocess(const HounsfieldVolume& hu, const ModelMetadata& model);

// The bounding box [begin, begin + size) of voxels > threshold; the whole volume when none is.
void ForegroundBox(const Volume<float>& image, float threshold, Index3* begin, Index3* size);

}  // namespace viscera
