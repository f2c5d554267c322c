// Lossless reorientation: permutes and flips index axes so they point toward a named orientation.
#pragma once

#include <string>

#include "core/volume.h"

namespace viscera {

// Returns the same voxels re-indexed so that Geometry::AxisCodes() equals `codes` (e.g. "RAS",
// "LPS"); world positions of all voxels are unchanged. Fails on an invalid code.
// How a reorientation maps index axes: new axis t reads source axis `source_axis[t]`, backwards
// when `flipped[t]`. `geometry` is the reoriented grid (same voxels, same world positions).
struct AxisMapping {
  int source_axis[3] = {0, 1, 2};
  bool flipped[3] = {false, false, false};
  Geometry geometry;

  // Source index of reoriented index (i, j, k).
  Index3 SourceIndex(const Index3& idx) const {
    Index3 s{};
    for (int t = 0; t < 3; ++t) {
      s[source_axis[t]] = flipped[t] ? geometry.size[t] - 1 - idx[t] : idx[t];
    }
    return s;
  }
};
Expected<AxisMapping> ComputeReorientation(const Geometry& source, const std::string& codes);

template <typename T>
Expected<Volume<T>> Reorient(const Volume<T>& volume, const std::string& codes);

Expected<AnyVolume> Reorient(const AnyVolume& volume, const std::string& codes);

}  // namespace viscera
