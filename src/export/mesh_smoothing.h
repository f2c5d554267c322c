// Internal to export/: Taubin's lambda|mu smoothing, which removes the voxel staircase of a
// marching-cubes surface without the shrinking plain Laplacian smoothing causes.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/geometry.h"

namespace viscera {

struct TaubinParameters {
  int iterations = 20;  // lambda/mu pairs
  double lambda = 0.5;  // shrinking step
  double mu = -0.53;    // inflating step; |mu| > lambda keeps the volume (pass band k = 0.113)
};

// Moves every vertex toward (lambda) then away from (mu) the mean of its edge neighbours. The
// umbrella weights sum to one, so the result commutes with affine maps: smoothing in index space
// and in patient millimetres give the same surface. Parallel over vertices.
void TaubinSmooth(std::vector<Vec3>& vertices,
                  const std::vector<std::array<uint32_t, 3>>& triangles,
                  const TaubinParameters& parameters = {});

}  // namespace viscera
