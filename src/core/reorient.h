// Lossless reorientation: permutes and flips index axes so they point toward a named orientation.
#pragma once

#include <string>

#include "core/volume.h"

namespace viscera {

// Returns the same voxels re-indexed so that Geometry::AxisCodes() equals `codes` (e.g. "RAS",
// "LPS"); world positions of all voxels are unchanged. Fails on an invalid code.
template <typename T>
Expected<Volume<T>> Reorient(const Volume<T>& volume, const std::string& codes);

Expected<AnyVolume> Reorient(const AnyVolume& volume, const std::string& codes);

}  // namespace viscera
