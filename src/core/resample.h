// Resampling onto a new voxel spacing (same origin and direction), and cropping.
#pragma once

#include <vector>

#include "core/volume.h"

namespace viscera {

enum class Interpolation {
  kLinear,   // trilinear: for intensities (HU)
  kNearest,  // for label maps: never invents a label
};

// Where the samples of a resampled axis fall on the old one: new voxel n sits at old continuous
// index x = clamp(n * step, 0, old_size - 1), between `lo` and `hi` with weight `w` on `hi`.
struct AxisSample {
  int64_t lo;
  int64_t hi;
  double w;
};
std::vector<AxisSample> AxisSamples(int64_t new_size, int64_t old_size, double step);

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
