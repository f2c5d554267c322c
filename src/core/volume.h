// A 3D grid of voxels of one scalar type, with the geometry that places it in the patient.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/geometry.h"

namespace viscera {

enum class VoxelType { kUInt8, kInt16, kUInt16, kInt32, kFloat32 };

const char* VoxelTypeName(VoxelType type);  // "uint8", "int16", ...
int VoxelTypeBytes(VoxelType type);

template <typename T>
struct VoxelTypeOf;
template <>
struct VoxelTypeOf<uint8_t> {
  static constexpr VoxelType value = VoxelType::kUInt8;
};
template <>
struct VoxelTypeOf<int16_t> {
  static constexpr VoxelType value = VoxelType::kInt16;
};
template <>
struct VoxelTypeOf<uint16_t> {
  static constexpr VoxelType value = VoxelType::kUInt16;
};
template <>
struct VoxelTypeOf<int32_t> {
  static constexpr VoxelType value = VoxelType::kInt32;
};
template <>
struct VoxelTypeOf<float> {
  static constexpr VoxelType value = VoxelType::kFloat32;
};

// Large voxel buffers: 2 MiB aligned and advised to use transparent huge pages, which cuts the
// page faults of filling a 150 MB CT volume by ~500x.
void* AllocateVoxelMemory(size_t bytes);
void FreeVoxelMemory(void* p) noexcept;

// Leaves new voxels uninitialised (volumes are always filled right after allocation, and zeroing
// hundreds of MB first costs as much as the fill itself) and takes memory from
// AllocateVoxelMemory.
template <typename T>
struct UninitializedAllocator : std::allocator<T> {
  using value_type = T;
  T* allocate(size_t n) { return static_cast<T*>(AllocateVoxelMemory(n * sizeof(T))); }
  void deallocate(T* p, size_t) noexcept { FreeVoxelMemory(p); }
  template <typename U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <typename U>
  UninitializedAllocator(const UninitializedAllocator<U>&) {}  // NOLINT
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

// Voxels are stored i-fastest (x, then y, then z), the order of NIfTI, MetaImage and DICOM frames.
template <typename T>
class Volume {
 public:
  using Voxel = T;
  static constexpr VoxelType kType = VoxelTypeOf<T>::value;

  Volume() = default;
  // Voxel values are unspecified until written.
  explicit Volume(const Geometry& geometry)
      : geometry_(geometry), voxels_(static_cast<size_t>(geometry.VoxelCount())) {}
  Volume(const Geometry& geometry, std::span<const T> voxels)
      : geometry_(geometry), voxels_(voxels.begin(), voxels.end()) {
    VISCERA_CHECK(static_cast<int64_t>(voxels_.size()) == geometry_.VoxelCount(),
                  "voxel count does not match geometry");
  }

  const Geometry& geometry() const { return geometry_; }
  // Changing the placement is fine; changing size is not (use a new Volume).
  void set_placement(const Vec3& origin, const Vec3& spacing, const Mat3& direction) {
    geometry_.origin = origin;
    geometry_.spacing = spacing;
    geometry_.direction = direction;
  }

  const Index3& size() const { return geometry_.size; }
  size_t Offset(int64_t i, int64_t j, int64_t k) const {
    return static_cast<size_t>(i + geometry_.size[0] * (j + geometry_.size[1] * k));
  }
  T& at(int64_t i, int64_t j, int64_t k) { return voxels_[Offset(i, j, k)]; }
  const T& at(int64_t i, int64_t j, int64_t k) const { return voxels_[Offset(i, j, k)]; }

  std::span<T> voxels() { return voxels_; }
  std::span<const T> voxels() const { return voxels_; }
  std::span<T> slice(int64_t k) {
    size_t n = static_cast<size_t>(geometry_.size[0] * geometry_.size[1]);
    return std::span<T>(voxels_).subspan(n * static_cast<size_t>(k), n);
  }

 private:
  Geometry geometry_;
  std::vector<T, UninitializedAllocator<T>> voxels_;
};

// CT intensities in Hounsfield units (after DICOM rescale).
using HounsfieldVolume = Volume<int16_t>;

// A volume of any supported voxel type, as read from a file whose type is only known at run time.
using AnyVolume = std::variant<Volume<uint8_t>, Volume<int16_t>, Volume<uint16_t>, Volume<int32_t>,
                               Volume<float>>;

const Geometry& GeometryOf(const AnyVolume& volume);
VoxelType VoxelTypeOfVolume(const AnyVolume& volume);
// Sets origin/spacing/direction (not size) of whichever volume is held.
void SetPlacement(AnyVolume& volume, const Geometry& placement);

struct VoxelRange {
  double min = 0;
  double max = 0;
};
VoxelRange ComputeRange(const AnyVolume& volume);

// Converts any integer or float volume to HU, rounding and refusing values outside int16.
Expected<HounsfieldVolume> ToHounsfield(const AnyVolume& volume, const std::string& what);

}  // namespace viscera
