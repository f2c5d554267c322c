// Limits that stop a hostile or corrupt header from making us allocate absurd amounts of memory.
#pragma once

#include <cstdint>
#include <string>

#include "core/expected.h"
#include "core/geometry.h"

namespace viscera {

struct ReadLimits {
  int64_t max_voxels = int64_t{1} << 31;  // 2 Gi voxels
  int64_t max_bytes = int64_t{4} << 30;   // 4 GiB of decoded voxels
  int64_t max_dimension = 65536;          // voxels along one axis
};

// Checks a header's claimed size before any allocation; the error names `what` (a file).
Status CheckClaimedSize(const Index3& size, int bytes_per_voxel, const ReadLimits& limits,
                        const std::string& what);

}  // namespace viscera
