#include "core/volume.h"

#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <new>

namespace viscera {

void* AllocateVoxelMemory(size_t bytes) {
  constexpr size_t kHugePage = size_t{2} << 20;
  if (bytes < 4 * kHugePage) {
    void* p = std::malloc(bytes == 0 ? 1 : bytes);
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
  const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* p = std::aligned_alloc(kHugePage, rounded);
  if (p == nullptr) throw std::bad_alloc();
  ::madvise(p, rounded, MADV_HUGEPAGE);  // advisory: ignore failure
  return p;
}

void FreeVoxelMemory(void* p) noexcept {
  std::free(p);
}

const char* VoxelTypeName(VoxelType type) {
  switch (type) {
    case VoxelType::kUInt8:
      return "uint8";
    case VoxelType::kInt16:
      return "int16";
    case VoxelType::kUInt16:
      return "uint16";
    case VoxelType::kInt32:
      return "int32";
    case VoxelType::kFloat32:
      return "float32";
  }
  return "unknown";
}

int VoxelTypeBytes(VoxelType type) {
  switch (type) {
    case VoxelType::kUInt8:
      return 1;
    case VoxelType::kInt16:
    case VoxelType::kUInt16:
      return 2;
    case VoxelType::kInt32:
    case VoxelType::kFloat32:
      return 4;
  }
  return 0;
}

const Geometry& GeometryOf(const AnyVolume& volume) {
  return std::visit([](const auto& v) -> const Geometry& { return v.geometry(); }, volume);
}

VoxelType VoxelTypeOfVolume(const AnyVolume& volume) {
  return std::visit([](const auto& v) { return std::decay_t<decltype(v)>::kType; }, volume);
}

void SetPlacement(AnyVolume& volume, const Geometry& placement) {
  std::visit(
      [&](auto& v) { v.set_placement(placement.origin, placement.spacing, placement.direction); },
      volume);
}

VoxelRange ComputeRange(const AnyVolume& volume) {
  return std::visit(
      [](const auto& v) {
        auto voxels = v.voxels();
        if (voxels.empty()) return VoxelRange{};
        // Two plain reductions vectorise; std::minmax_element does not.
        // NaN voxels (float volumes) are ignored: min/max with NaN as the right operand keeps
        // the left one, so starting from +/- the type's limits skips every NaN.
        using T = typename std::decay_t<decltype(v)>::Voxel;
        T lo = std::numeric_limits<T>::max(), hi = std::numeric_limits<T>::lowest();
        for (auto x : voxels) lo = std::min(lo, x);
        for (auto x : voxels) hi = std::max(hi, x);
        if (lo > hi) return VoxelRange{};  // all NaN
        return VoxelRange{static_cast<double>(lo), static_cast<double>(hi)};
      },
      volume);
}

Expected<HounsfieldVolume> ToHounsfield(const AnyVolume& volume, const std::string& what) {
  if (auto* hu = std::get_if<Volume<int16_t>>(&volume)) return *hu;
  return std::visit(
      [&](const auto& v) -> Expected<HounsfieldVolume> {
        HounsfieldVolume out(v.geometry());
        auto src = v.voxels();
        auto dst = out.voxels();
        for (size_t n = 0; n < src.size(); ++n) {
          double value = std::round(static_cast<double>(src[n]));
          if (!(value >= std::numeric_limits<int16_t>::min() &&
                value <= std::numeric_limits<int16_t>::max())) {
            return MakeError(ErrorCode::kUnsupported,
                             what + ": value " + std::to_string(static_cast<double>(src[n])) +
                                 " at voxel " + std::to_string(n) + " does not fit in int16 HU");
          }
          dst[n] = static_cast<int16_t>(value);
        }
        return out;
      },
      volume);
}

}  // namespace viscera
