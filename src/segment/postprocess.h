// Stage 4 of segmentation: from class labels on the network's cropped grid back to the source
// CT's grid, and optional clean-up (largest connected component per organ).
#pragma once

#include "core/volume.h"

namespace viscera {

// Every source voxel takes the label of the nearest voxel of `network_grid` (floor(x + 0.5) of
// its continuous index there, clamped), or 0 outside the crop box [crop_begin, crop_begin +
// cropped.size). Undoes orientation, spacing and crop in one step.
Expected<Volume<uint16_t>> LabelsToSourceGrid(const Volume<uint16_t>& cropped,
                                              const Geometry& network_grid,
                                              const Index3& crop_begin, const Geometry& source);

// Per label, keeps only its largest 26-connected component (others become 0). Returns the
// number of voxels removed.
int64_t KeepLargestComponents(Volume<uint16_t>& labels);

}  // namespace viscera
