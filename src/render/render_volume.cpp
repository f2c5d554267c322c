#include "render/render_volume.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>

#include "core/parallel.h"

namespace viscera {

Expected<std::shared_ptr<const RenderVolume>> RenderVolume::Create(const HounsfieldVolume& ct,
                                                                   const Volume<uint16_t>* labels) {
  const Geometry& g = ct.geometry();
  for (int a = 0; a < 3; ++a) {
    if (g.size[a] < 2) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "volume is " + std::to_string(g.size[0]) + "x" + std::to_string(g.size[1]) +
                           "x" + std::to_string(g.size[2]) +
                           " voxels: rendering needs at least 2 along every axis");
    }
  }
  if (labels != nullptr && !labels->geometry().SameGrid(g)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "label map is not on the CT's grid (size, spacing, origin and direction must "
                     "match)");
  }
  std::shared_ptr<RenderVolume> v(new RenderVolume());
  v->geometry_ = g;
  for (int a = 0; a < 3; ++a) {
    v->bricks_[static_cast<size_t>(a)] =
        static_cast<int>((g.size[a] + kBrickSize - 1) / kBrickSize);
  }
  const size_t stored = static_cast<size_t>(v->brick_count()) * kBrickVoxels;
  v->hu_.resize(stored);
  if (labels != nullptr) v->labels_.resize(stored);
  // Voxels beyond the volume's edge (padding of the last bricks) are never sampled, but keep
  // them defined.
  const bool padded = g.size[0] % kBrickSize || g.size[1] % kBrickSize || g.size[2] % kBrickSize;
  if (padded) {
    std::fill(v->hu_.begin(), v->hu_.end(), int16_t{0});
    std::fill(v->labels_.begin(), v->labels_.end(), uint8_t{0});
  }
  std::vector<uint16_t> largest(static_cast<size_t>(g.size[2]), 0);
  ParallelFor(0, g.size[2], [&](int64_t k) {
    for (int64_t j = 0; j < g.size[1]; ++j) {
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const size_t at = v->Address(i, j, k);
        v->hu_[at] = ct.at(i, j, k);
        if (labels != nullptr) {
          const uint16_t id = labels->at(i, j, k);
          largest[static_cast<size_t>(k)] = std::max(largest[static_cast<size_t>(k)], id);
          v->labels_[at] = static_cast<uint8_t>(id);
        }
      }
    }
  });
  const uint16_t max_id = *std::max_element(largest.begin(), largest.end());
  if (max_id > kMaxRenderLabel) {
    return MakeError(ErrorCode::kUnsupported, "label map holds id " + std::to_string(max_id) +
                                                  ": the renderer draws ids up to " +
                                                  std::to_string(kMaxRenderLabel));
  }
  v->BuildRanges();
  if (labels != nullptr) {
    std::array<uint64_t, 4> any{0, 0, 0, 0};
    for (const auto& mask : v->brick_labels_) {
      for (size_t w = 0; w < 4; ++w) any[w] |= mask[w];
    }
    for (int id = 1; id <= kMaxRenderLabel; ++id) {
      if (any[static_cast<size_t>(id >> 6)] >> (id & 63) & 1) {
        v->present_labels_.push_back(static_cast<uint16_t>(id));
      }
    }
  }
  return std::shared_ptr<const RenderVolume>(std::move(v));
}

void RenderVolume::BuildRanges() {
  const Index3& n = geometry_.size;
  constexpr int kBlock = 1 << kBlockShift;
  for (int a = 0; a < 3; ++a) {
    blocks_[static_cast<size_t>(a)] = static_cast<int>((n[a] + kBlock - 1) / kBlock);
  }
  const size_t block_count = static_cast<size_t>(blocks_[0]) * blocks_[1] * blocks_[2];
  block_min_.assign(block_count, 0);
  block_max_.assign(block_count, 0);
  // Cells whose lower corner is in [lo, lo + size) reach one voxel past it: include it.
  auto range = [&](int64_t lo, int size, int axis) {
    return std::pair{lo, std::min(lo + size, n[axis] - 1)};
  };
  ParallelFor(0, blocks_[2], [&](int64_t kz) {
    const auto [k0, k1] = range(kz * kBlock, kBlock, 2);
    for (int ky = 0; ky < blocks_[1]; ++ky) {
      const auto [j0, j1] = range(int64_t{ky} * kBlock, kBlock, 1);
      for (int kx = 0; kx < blocks_[0]; ++kx) {
        const auto [i0, i1] = range(int64_t{kx} * kBlock, kBlock, 0);
        int16_t lo = INT16_MAX, hi = INT16_MIN;
        for (int64_t k = k0; k <= k1; ++k) {
          for (int64_t j = j0; j <= j1; ++j) {
            for (int64_t i = i0; i <= i1; ++i) {
              const int16_t h = hu_[Address(i, j, k)];
              lo = std::min(lo, h);
              hi = std::max(hi, h);
            }
          }
        }
        const size_t b = BlockIndex(kx, ky, kz);
        block_min_[b] = lo;
        block_max_[b] = hi;
      }
    }
  });
  if (!has_labels()) return;
  brick_labels_.assign(static_cast<size_t>(brick_count()), {0, 0, 0, 0});
  ParallelFor(0, bricks_[2], [&](int64_t bk) {
    const auto [k0, k1] = range(bk * kBrickSize, kBrickSize, 2);
    for (int bj = 0; bj < bricks_[1]; ++bj) {
      const auto [j0, j1] = range(int64_t{bj} * kBrickSize, kBrickSize, 1);
      for (int bi = 0; bi < bricks_[0]; ++bi) {
        const auto [i0, i1] = range(int64_t{bi} * kBrickSize, kBrickSize, 0);
        std::array<uint64_t, 4> mask{0, 0, 0, 0};
        for (int64_t k = k0; k <= k1; ++k) {
          for (int64_t j = j0; j <= j1; ++j) {
            for (int64_t i = i0; i <= i1; ++i) {
              const uint8_t l = labels_[Address(i, j, k)];
              mask[l >> 6] |= uint64_t{1} << (l & 63);
            }
          }
        }
        brick_labels_[BrickIndex(bi, bj, bk)] = mask;
      }
    }
  });
}

namespace {

// Exact chessboard (L-infinity) distance from each empty block to the nearest occupied one, by
// the classic two raster passes over the 26-neighbourhood; 0 on occupied blocks, capped at 255.
std::vector<uint8_t> ChessboardDistance(const std::vector<uint16_t>& code,
                                        const std::array<int, 3>& n) {
  const int64_t nx = n[0], ny = n[1], nz = n[2];
  std::vector<uint8_t> d(code.size());
  for (size_t b = 0; b < code.size(); ++b) d[b] = code[b] == kBrickEmpty ? 255 : 0;
  auto pass = [&](int sign) {
    const int64_t z0 = sign > 0 ? 0 : nz - 1, y0 = sign > 0 ? 0 : ny - 1,
                  x0 = sign > 0 ? 0 : nx - 1;
    for (int64_t z = z0; z >= 0 && z < nz; z += sign) {
      for (int64_t y = y0; y >= 0 && y < ny; y += sign) {
        for (int64_t x = x0; x >= 0 && x < nx; x += sign) {
          uint8_t& here = d[static_cast<size_t>(x + nx * (y + ny * z))];
          if (here == 0) continue;
          int best = here;
          // The 13 neighbours already visited in this pass's raster order.
          for (int dz = -1; dz <= 0; ++dz) {
            for (int dy = -1; dy <= 1; ++dy) {
              for (int dx = -1; dx <= 1; ++dx) {
                if (dz == 0 && (dy > 0 || (dy == 0 && dx >= 0))) continue;
                const int64_t qx = x + sign * dx, qy = y + sign * dy, qz = z + sign * dz;
                if (qx < 0 || qy < 0 || qz < 0 || qx >= nx || qy >= ny || qz >= nz) continue;
                best = std::min(best, d[static_cast<size_t>(qx + nx * (qy + ny * qz))] + 1);
              }
            }
          }
          here = static_cast<uint8_t>(std::min(best, 255));
        }
      }
    }
  };
  pass(+1);
  pass(-1);
  return d;
}

}  // namespace

RenderVolume::Occupancy RenderVolume::ComputeOccupancy(const BakedTransferFunction& tf) const {
  Occupancy occ;
  occ.blocks = blocks_;
  occ.block_code.assign(block_min_.size(), kBrickEmpty);
  static constexpr std::array<uint64_t, 4> kOnlyBackground{1, 0, 0, 0};
  constexpr int kPerBrick = kBrickShift - kBlockShift;
  ParallelFor(0, blocks_[2], [&](int64_t kz) {
    for (int ky = 0; ky < blocks_[1]; ++ky) {
      for (int kx = 0; kx < blocks_[0]; ++kx) {
        const size_t b = BlockIndex(kx, ky, kz);
        const auto& mask =
            labels_.empty()
                ? kOnlyBackground
                : brick_labels_[BrickIndex(kx >> kPerBrick, ky >> kPerBrick, kz >> kPerBrick)];
        const float lo = block_min_[b], hi = block_max_[b];
        int table = -1;
        bool mixed = false, visible = false;
        for (int word = 0; word < 4; ++word) {
          for (uint64_t bits = mask[static_cast<size_t>(word)]; bits != 0; bits &= bits - 1) {
            const int label = word * 64 + std::countr_zero(bits);
            const int t = tf.label_table[static_cast<size_t>(label)];
            mixed = mixed || (table >= 0 && t != table);
            table = t;
            visible = visible || tf.TableVisible(t, lo, hi);
          }
        }
        if (visible) occ.block_code[b] = mixed ? kBrickMixed : static_cast<uint16_t>(table + 1);
      }
    }
  });
  int64_t occupied = 0;
  for (uint16_t code : occ.block_code) occupied += code != kBrickEmpty ? 1 : 0;
  occ.block_distance = ChessboardDistance(occ.block_code, blocks_);
  occ.occupied_fraction =
      block_min_.empty() ? 0
                         : static_cast<double>(occupied) / static_cast<double>(block_min_.size());
  return occ;
}

Vec3 RenderVolume::CenterLps() const {
  const Index3& n = geometry_.size;
  return geometry_.IndexToLpsPoint({(static_cast<double>(n[0]) - 1) / 2,
                                    (static_cast<double>(n[1]) - 1) / 2,
                                    (static_cast<double>(n[2]) - 1) / 2});
}

double RenderVolume::LargestExtentMm() const {
  double largest = 0;
  for (int a = 0; a < 3; ++a) {
    largest = std::max(largest, static_cast<double>(geometry_.size[a]) * geometry_.spacing[a]);
  }
  return largest;
}

double RenderVolume::BoundingRadiusMm() const {
  double sum = 0;
  for (int a = 0; a < 3; ++a) {
    const double e = static_cast<double>(geometry_.size[a]) * geometry_.spacing[a];
    sum += e * e;
  }
  return std::sqrt(sum) / 2;
}

int64_t RenderVolume::VoxelDataBytes() const {
  return geometry_.VoxelCount() * (has_labels() ? 3 : 2);
}

int64_t RenderVolume::HeldBytes() const {
  return static_cast<int64_t>(hu_.size() * 2 + labels_.size() + block_min_.size() * 4 +
                              brick_labels_.size() * 32 + present_labels_.size() * 2);
}

VolumeView RenderVolume::HostView() const {
  VolumeView v;
  v.hu = hu_.data();
  v.labels = labels_.empty() ? nullptr : labels_.data();
  v.nx = static_cast<int>(geometry_.size[0]);
  v.ny = static_cast<int>(geometry_.size[1]);
  v.nz = static_cast<int>(geometry_.size[2]);
  v.bx = bricks_[0];
  v.by = bricks_[1];
  v.bz = bricks_[2];
  return v;
}

}  // namespace viscera
