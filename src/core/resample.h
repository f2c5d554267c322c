// Resampling onto a new voxel spacing (same origin and direction), and cropping.
#pragma once

#include "core/volume.h"

namespace viscera {

enum class Interpolation {
  kLinear,   // trilinear: for intensities (HU)
  kNearest,  // for label maps: never invents a label
};

// New size along each axis = round(size * spacing / new_spacing), at least 1. The centre of voxel
// (0,0,0) stays where it was; samples beyond the last voxel clamp to the edge.
template <typename T>
Expected<Volume<T>> Resample(const Volume<T>& volume, const Vec3& new_spacing,
                             Interpolation interpolation);
Expected<AnyVolume> Resample(const AnyVolume& volume, const Vec3& new_spacing,
                             Interpolation interpolation);

// The sub-volume [begin, begin + size) in index space; fails if the box leaves the volume.
template <typename T>
Expected<Volume<T>> Crop(const Volume<T>& volume, const Index3& begin, const Index3& size);
Expected<AnyVolume> Crop(const AnyVolume& volume, const Index3& begin, const Index3& size);

}  // namespace viscera
