// A CT volume (and optional label map) laid out for ray casting: voxels in 8^3 bricks (a cell's
// eight corners lie in one 1 KiB block unless the cell straddles bricks, so rays in any
// direction stay in cache), labels as bytes in the same layout, and a min/max grid over the
// bricks for empty-space skipping. It owns its copy, so callers can drop theirs: the memory is
// the voxel data rounded up to whole bricks plus ~1% for the brick grid.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/expected.h"
#include "core/volume.h"
#include "render/ray_march.h"
#include "render/transfer_table.h"

namespace viscera {

class RenderVolume {
 public:
  // Fails for a volume thinner than 2 voxels along an axis, labels off the CT's grid, or label
  // ids above kMaxRenderLabel.
  static Expected<std::shared_ptr<const RenderVolume>> Create(const HounsfieldVolume& ct,
                                                              const Volume<uint16_t>* labels);

  const Geometry& geometry() const { return geometry_; }
  bool has_labels() const { return !labels_.empty(); }
  // Label ids present in the volume (without 0).
  const std::vector<uint16_t>& present_labels() const { return present_labels_; }

  // Voxel access by index (0 <= i < size[0], ...).
  size_t Address(int64_t i, int64_t j, int64_t k) const {
    return static_cast<size_t>(
        ((k >> kBrickShift) * bricks_[1] + (j >> kBrickShift)) * bricks_[0] * kBrickVoxels +
        (i >> kBrickShift) * kBrickVoxels + ((k & (kBrickSize - 1)) << (2 * kBrickShift)) +
        ((j & (kBrickSize - 1)) << kBrickShift) + (i & (kBrickSize - 1)));
  }
  int16_t HuAt(int64_t i, int64_t j, int64_t k) const { return hu_[Address(i, j, k)]; }
  uint8_t LabelAt(int64_t i, int64_t j, int64_t k) const {
    return labels_.empty() ? 0 : labels_[Address(i, j, k)];
  }

  std::array<int, 3> brick_counts() const { return bricks_; }
  int64_t brick_count() const { return int64_t{bricks_[0]} * bricks_[1] * bricks_[2]; }

  // Where the transfer function can show something, per block of 4^3 cells: a code
  // (kBrickEmpty; kBrickMixed where labels with different tables meet; else 1 + the one table
  // every sample there uses) and, for empty blocks, the chessboard distance in blocks to the
  // nearest occupied one (1..255; 255 also when nothing is occupied).
  struct Occupancy {
    std::array<int, 3> blocks{0, 0, 0};
    std::vector<uint16_t> block_code;
    std::vector<uint8_t> block_distance;
    double occupied_fraction = 0;  // of the blocks
  };
  Occupancy ComputeOccupancy(const BakedTransferFunction& tf) const;

  // The LPS centre of the voxel box and the longest side of its physical extent (mm).
  Vec3 CenterLps() const;
  double LargestExtentMm() const;
  // Half the diagonal of the physical extent: a sphere of this radius around CenterLps()
  // holds the whole volume.
  double BoundingRadiusMm() const;

  // Bytes of the input voxel data (CT int16 + labels as bytes) and bytes held here.
  int64_t VoxelDataBytes() const;
  int64_t HeldBytes() const;

  // The pointers the ray marcher reads (host memory); transfer-function fields left empty.
  VolumeView HostView() const;
  // The voxel arrays, for copying to a device.
  const std::vector<int16_t, UninitializedAllocator<int16_t>>& bricked_hu() const { return hu_; }
  const std::vector<uint8_t, UninitializedAllocator<uint8_t>>& bricked_labels() const {
    return labels_;
  }

 private:
  RenderVolume() = default;
  void BuildRanges();
  size_t BlockIndex(int64_t x, int64_t y, int64_t z) const {
    return static_cast<size_t>(x + blocks_[0] * (y + int64_t{blocks_[1]} * z));
  }
  size_t BrickIndex(int64_t x, int64_t y, int64_t z) const {
    return static_cast<size_t>(x + bricks_[0] * (y + int64_t{bricks_[1]} * z));
  }

  Geometry geometry_;
  std::array<int, 3> bricks_{0, 0, 0};
  std::vector<int16_t, UninitializedAllocator<int16_t>> hu_;
  std::vector<uint8_t, UninitializedAllocator<uint8_t>> labels_;
  std::vector<uint16_t> present_labels_;
  std::array<int, 3> blocks_{0, 0, 0};
  std::vector<int16_t> block_min_, block_max_;  // HU over each block's cells' corners
  // Labels present in each brick's cells, 256 bits; empty without labels (all label 0).
  std::vector<std::array<uint64_t, 4>> brick_labels_;
};

}  // namespace viscera
