#include "io/read_limits.h"

namespace viscera {

Status CheckClaimedSize(const Index3& size, int bytes_per_voxel, const ReadLimits& limits,
                        const std::string& what) {
  for (int a = 0; a < 3; ++a) {
    if (size[a] < 1 || size[a] > limits.max_dimension) {
      return MakeError(ErrorCode::kCorruptData, what + ": dimension " + std::to_string(a) + " is " +
                                                    std::to_string(size[a]) + ", expected 1.." +
                                                    std::to_string(limits.max_dimension));
    }
  }
  // Each factor is <= 65536, so the product of three fits in int64.
  const int64_t voxels = size[0] * size[1] * size[2];
  if (voxels > limits.max_voxels || voxels * bytes_per_voxel > limits.max_bytes) {
    return MakeError(ErrorCode::kTooLarge,
                     what + ": header claims " + std::to_string(size[0]) + "x" +
                         std::to_string(size[1]) + "x" + std::to_string(size[2]) + " voxels (" +
                         std::to_string(voxels * bytes_per_voxel) + " bytes), over the limit of " +
                         std::to_string(limits.max_bytes) + " bytes; refusing to allocate");
  }
  return Ok{};
}

}  // namespace viscera
