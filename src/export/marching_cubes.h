// Internal to export/: the boundary surface of one label of a label map as an indexed, closed,
// consistently oriented triangle mesh in continuous index coordinates (marching cubes).
//
// Why our own case table: the classic 256-case tables resolve ambiguous faces differently in the
// two cubes that share them (cracks) or join patches at edges shared by four triangles. Ours is
// derived at start-up from one rule applied per face (an ambiguous face separates its two inside
// corners), so neighbouring cubes always agree on the segments of their shared face, every
// segment belongs to exactly one patch on either side, and the result is watertight and
// 2-manifold by construction.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/volume.h"

namespace viscera {

// Inclusive voxel index bounds.
struct IndexBox {
  Index3 lo{0, 0, 0};
  Index3 hi{-1, -1, -1};
  bool empty() const { return hi[0] < lo[0] || hi[1] < lo[1] || hi[2] < lo[2]; }
};

// Voxel count and bounding box of every label present (id > 0), ascending ids; one parallel pass.
struct LabelExtent {
  uint16_t id = 0;
  int64_t voxel_count = 0;
  IndexBox box;
};
std::vector<LabelExtent> FindLabelExtents(const Volume<uint16_t>& labels);

// Vertices in continuous voxel index coordinates (voxel centres at integers; with a binary mask
// every surface vertex is the midpoint of a grid edge between an inside and an outside voxel,
// shared by all the triangles meeting there). Triangles are
// counter-clockwise seen from outside in index space: outward when the index->world map preserves
// orientation (det > 0), inward otherwise (the caller flips them).
struct IndexMesh {
  std::vector<Vec3> vertices;
  std::vector<std::array<uint32_t, 3>> triangles;
};

// The surface separating voxels == id from all others (voxels outside the volume count as
// others). `box` must contain every voxel == id; the work is limited to it plus one voxel of
// padding. Parallel over slices.
IndexMesh MarchLabel(const Volume<uint16_t>& labels, uint16_t id, const IndexBox& box);

}  // namespace viscera
