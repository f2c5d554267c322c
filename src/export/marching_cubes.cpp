#include "export/marching_cubes.h"

#include <algorithm>
#include <limits>

#include "core/check.h"
#include "core/parallel.h"

namespace viscera {
namespace {

// Cube corner c sits at offset (c & 1, (c >> 1) & 1, (c >> 2) & 1) from the cube's lowest voxel.
// Edge e = 4 * axis + n runs along `axis` from the corner whose other two bits are n's bits
// (bit 0 of n for axis (axis+1)%3, bit 1 for axis (axis+2)%3).

int CornerBit(int corner, int axis) {
  return (corner >> axis) & 1;
}

int EdgeAxis(int edge) {
  return edge / 4;
}

int EdgeBaseCorner(int edge) {
  const int axis = EdgeAxis(edge), n = edge % 4;
  return ((n & 1) << ((axis + 1) % 3)) | (((n >> 1) & 1) << ((axis + 2) % 3));
}

int EdgeBetween(int c1, int c2) {
  const int diff = c1 ^ c2;
  const int axis = diff == 1 ? 0 : diff == 2 ? 1 : 2;
  const int base = std::min(c1, c2);
  return axis * 4 + CornerBit(base, (axis + 1) % 3) + 2 * CornerBit(base, (axis + 2) % 3);
}

Vec3 CornerPosition(int corner) {
  return {double(CornerBit(corner, 0)), double(CornerBit(corner, 1)), double(CornerBit(corner, 2))};
}

Vec3 EdgeMidpoint(int edge) {
  Vec3 p = CornerPosition(EdgeBaseCorner(edge));
  p[EdgeAxis(edge)] = 0.5;
  return p;
}

// Bit mask of the two cube faces (2 * axis + side) an edge lies on.
int EdgeFaces(int edge) {
  const int axis = EdgeAxis(edge), base = EdgeBaseCorner(edge);
  const int u = (axis + 1) % 3, v = (axis + 2) % 3;
  return (1 << (2 * u + CornerBit(base, u))) | (1 << (2 * v + CornerBit(base, v)));
}

struct CaseEntry {
  std::vector<std::array<uint8_t, 3>> triangles;  // the edges (0..11) holding each vertex
};

// Oriented boundary segments of the surface patch on each face of a cube, for one case.
std::vector<std::array<int, 2>> FaceSegments(int cube_case) {
  auto inside = [cube_case](int corner) { return (cube_case >> corner) & 1; };
  std::vector<std::array<int, 2>> segments;
  for (int axis = 0; axis < 3; ++axis) {
    for (int side = 0; side < 2; ++side) {
      const int u = (axis + 1) % 3, v = (axis + 2) % 3;
      const int s = side << axis;
      const std::array<int, 4> corners{s, s | (1 << u), s | (1 << u) | (1 << v), s | (1 << v)};
      // Each segment comes with an inside corner on its inside side, to orient it.
      std::vector<std::array<int, 3>> found;  // {edge a, edge b, inside corner}
      std::vector<int> crossings;             // m: the edge corners[m] -> corners[m+1] crosses
      for (int m = 0; m < 4; ++m) {
        if (inside(corners[m]) != inside(corners[(m + 1) % 4])) crossings.push_back(m);
      }
      if (crossings.size() == 2) {
        const int m = crossings[0];
        const int in = inside(corners[m]) ? corners[m] : corners[(m + 1) % 4];
        found.push_back({EdgeBetween(corners[m], corners[(m + 1) % 4]),
                         EdgeBetween(corners[crossings[1]], corners[(crossings[1] + 1) % 4]), in});
      } else if (crossings.size() == 4) {
        // Ambiguous face: cut off each inside corner (the outside stays connected across it).
        for (int m = 0; m < 4; ++m) {
          if (!inside(corners[m])) continue;
          found.push_back({EdgeBetween(corners[(m + 3) % 4], corners[m]),
                           EdgeBetween(corners[m], corners[(m + 1) % 4]), corners[m]});
        }
      }
      // Orientation: with n the face's outward normal, n x (q - p) points away from the inside
      // corner; then a loop is counter-clockwise seen from the outside region, so its fan
      // triangles face outward, and the two cubes sharing a face run its segments in opposite
      // directions (a consistently oriented mesh).
      Vec3 normal{0, 0, 0};
      normal[axis] = side ? 1.0 : -1.0;
      for (const auto& f : found) {
        const Vec3 p = EdgeMidpoint(f[0]), q = EdgeMidpoint(f[1]), c = CornerPosition(f[2]);
        const Vec3 d{q[0] - p[0], q[1] - p[1], q[2] - p[2]};
        const Vec3 w{normal[1] * d[2] - normal[2] * d[1], normal[2] * d[0] - normal[0] * d[2],
                     normal[0] * d[1] - normal[1] * d[0]};
        const double toward_inside =
            w[0] * (c[0] - p[0]) + w[1] * (c[1] - p[1]) + w[2] * (c[2] - p[2]);
        if (toward_inside > 0) {
          segments.push_back({f[1], f[0]});
        } else {
          segments.push_back({f[0], f[1]});
        }
      }
    }
  }
  return segments;
}

CaseEntry BuildCase(int cube_case) {
  CaseEntry entry;
  std::array<int, 12> next;
  next.fill(-1);
  int ends = 0;
  for (const auto& s : FaceSegments(cube_case)) {
    VISCERA_CHECK(next[s[0]] == -1, "marching cubes table: edge starts two segments");
    next[s[0]] = s[1];
    ++ends;
  }
  std::array<bool, 12> used{};
  for (int start = 0; start < 12; ++start) {
    if (next[start] < 0 || used[start]) continue;
    std::vector<uint8_t> loop;
    for (int e = start; !used[e]; e = next[e]) {
      VISCERA_CHECK(next[e] >= 0, "marching cubes table: open loop");
      used[e] = true;
      loop.push_back(static_cast<uint8_t>(e));
    }
    VISCERA_CHECK(loop.front() == start && next[loop.back()] == start && loop.size() >= 3,
                  "marching cubes table: malformed loop");
    ends -= static_cast<int>(loop.size());
    // A fan whose diagonals all cross the cube's interior: a diagonal lying on a face could be
    // produced again by the neighbour across that face (an edge of four triangles). Every loop
    // of this table has such an apex (checked here, once, at start-up).
    const int n = static_cast<int>(loop.size());
    int apex = -1;
    for (int a = 0; a < n && apex < 0; ++a) {
      bool ok = true;
      for (int t = 2; t < n - 1; ++t) {
        if (EdgeFaces(loop[a]) & EdgeFaces(loop[(a + t) % n])) ok = false;
      }
      if (ok) apex = a;
    }
    VISCERA_CHECK(apex >= 0, "marching cubes table: no fan apex");
    for (int t = 1; t < n - 1; ++t) {
      entry.triangles.push_back({loop[apex], loop[(apex + t) % n], loop[(apex + t + 1) % n]});
    }
  }
  VISCERA_CHECK(ends == 0, "marching cubes table: segments outside loops");
  return entry;
}

const std::array<CaseEntry, 256>& CaseTable() {
  static const std::array<CaseEntry, 256> table = [] {
    std::array<CaseEntry, 256> t;
    for (int c = 0; c < 256; ++c) t[static_cast<size_t>(c)] = BuildCase(c);
    return t;
  }();
  return table;
}

// One layer of cubes (between mask slices z and z+1): the grid-edge vertices it owns (x- and
// y-edges of slice z, z-edges up to slice z+1) as sorted keys (3 * grid offset + axis), and its
// triangles, as keys too.
struct Layer {
  std::vector<int64_t> keys;
  std::vector<std::array<int64_t, 3>> triangles;
};

}  // namespace

std::vector<LabelExtent> FindLabelExtents(const Volume<uint16_t>& labels) {
  const Index3 n = labels.size();
  struct Slot {
    int64_t count = 0;
    IndexBox box{{std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::max(),
                  std::numeric_limits<int64_t>::max()},
                 {-1, -1, -1}};
  };
  const int64_t workers = std::max<int64_t>(1, std::min<int64_t>(WorkerCount(), n[2]));
  std::vector<std::vector<Slot>> partial(static_cast<size_t>(workers));
  ParallelFor(0, workers, [&](int64_t t) {
    auto& slots = partial[static_cast<size_t>(t)];
    slots.resize(65536);
    for (int64_t k = n[2] * t / workers; k < n[2] * (t + 1) / workers; ++k) {
      for (int64_t j = 0; j < n[1]; ++j) {
        const uint16_t* row = &labels.at(0, j, k);
        for (int64_t i = 0; i < n[0]; ++i) {
          if (row[i] == 0) continue;
          Slot& s = slots[row[i]];
          ++s.count;
          const Index3 p{i, j, k};
          for (int a = 0; a < 3; ++a) {
            s.box.lo[a] = std::min(s.box.lo[a], p[a]);
            s.box.hi[a] = std::max(s.box.hi[a], p[a]);
          }
        }
      }
    }
  });
  std::vector<LabelExtent> out;
  for (size_t id = 1; id < 65536; ++id) {
    LabelExtent e;
    e.id = static_cast<uint16_t>(id);
    e.box = partial[0][id].box;
    for (const auto& slots : partial) {
      e.voxel_count += slots[id].count;
      for (int a = 0; a < 3; ++a) {
        e.box.lo[a] = std::min(e.box.lo[a], slots[id].box.lo[a]);
        e.box.hi[a] = std::max(e.box.hi[a], slots[id].box.hi[a]);
      }
    }
    if (e.voxel_count > 0) out.push_back(e);
  }
  return out;
}

IndexMesh MarchLabel(const Volume<uint16_t>& labels, uint16_t id, const IndexBox& box) {
  IndexMesh mesh;
  if (box.empty()) return mesh;
  const auto& table = CaseTable();
  // The mask of `id` over the box plus one voxel of padding on every side, so that the surface
  // closes inside it.
  const Index3 lo{box.lo[0] - 1, box.lo[1] - 1, box.lo[2] - 1};
  const int64_t nx = box.hi[0] - box.lo[0] + 3, ny = box.hi[1] - box.lo[1] + 3,
                nz = box.hi[2] - box.lo[2] + 3;
  const int64_t plane = nx * ny;
  std::vector<uint8_t> mask(static_cast<size_t>(plane * nz), 0);
  const Index3 size = labels.size();
  ParallelFor(0, nz, [&](int64_t z) {
    const int64_t k = lo[2] + z;
    if (k < 0 || k >= size[2]) return;
    for (int64_t y = 0; y < ny; ++y) {
      const int64_t j = lo[1] + y;
      if (j < 0 || j >= size[1]) continue;
      for (int64_t x = 0; x < nx; ++x) {
        const int64_t i = lo[0] + x;
        if (i >= 0 && i < size[0] && labels.at(i, j, k) == id) {
          mask[static_cast<size_t>(x + nx * (y + ny * z))] = 1;
        }
      }
    }
  });
  auto at = [&](int64_t x, int64_t y, int64_t z) {
    return mask[static_cast<size_t>(x + nx * (y + ny * z))];
  };
  // Grid offsets of each cube corner and edge base, and key strides, for this box.
  std::array<int64_t, 8> corner_offset;
  for (int c = 0; c < 8; ++c) {
    corner_offset[c] = CornerBit(c, 0) + nx * CornerBit(c, 1) + plane * CornerBit(c, 2);
  }

  std::vector<Layer> layers(static_cast<size_t>(nz - 1));
  ParallelFor(0, nz - 1, [&](int64_t z) {
    Layer& layer = layers[static_cast<size_t>(z)];
    for (int64_t y = 0; y < ny; ++y) {
      for (int64_t x = 0; x < nx; ++x) {
        const uint8_t v = at(x, y, z);
        const int64_t key = (x + nx * (y + ny * z)) * 3;
        if (x + 1 < nx && at(x + 1, y, z) != v) layer.keys.push_back(key);
        if (y + 1 < ny && at(x, y + 1, z) != v) layer.keys.push_back(key + 1);
        if (at(x, y, z + 1) != v) layer.keys.push_back(key + 2);
      }
    }
    for (int64_t y = 0; y + 1 < ny; ++y) {
      for (int64_t x = 0; x + 1 < nx; ++x) {
        const int64_t base = x + nx * (y + ny * z);
        int cube_case = 0;
        for (int c = 0; c < 8; ++c) {
          cube_case |= mask[static_cast<size_t>(base + corner_offset[c])] << c;
        }
        if (cube_case == 0 || cube_case == 255) continue;
        auto ref = [&](uint8_t edge) -> int64_t {
          return (base + corner_offset[EdgeBaseCorner(edge)]) * 3 + EdgeAxis(edge);
        };
        for (const auto& t : table[static_cast<size_t>(cube_case)].triangles) {
          layer.triangles.push_back({ref(t[0]), ref(t[1]), ref(t[2])});
        }
      }
    }
  });

  // Global vertex ids: the layers' vertices in layer order, each layer's in key order.
  std::vector<int64_t> first_vertex(layers.size() + 1, 0);
  std::vector<int64_t> first_triangle(layers.size() + 1, 0);
  for (size_t z = 0; z < layers.size(); ++z) {
    first_vertex[z + 1] = first_vertex[z] + static_cast<int64_t>(layers[z].keys.size());
    first_triangle[z + 1] = first_triangle[z] + static_cast<int64_t>(layers[z].triangles.size());
  }
  VISCERA_CHECK(first_vertex.back() < std::numeric_limits<uint32_t>::max(),
                "mesh has more than 2^32 vertices");
  mesh.vertices.resize(static_cast<size_t>(first_vertex.back()));
  mesh.triangles.resize(static_cast<size_t>(first_triangle.back()));
  const Vec3 origin{double(lo[0]), double(lo[1]), double(lo[2])};
  ParallelFor(0, static_cast<int64_t>(layers.size()), [&](int64_t z) {
    const Layer& layer = layers[static_cast<size_t>(z)];
    size_t out = static_cast<size_t>(first_vertex[static_cast<size_t>(z)]);
    for (int64_t key : layer.keys) {
      const int64_t cell = key / 3;
      Vec3 p{origin[0] + double(cell % nx), origin[1] + double((cell / nx) % ny),
             origin[2] + double(cell / plane)};
      p[key % 3] += 0.5;
      mesh.vertices[out++] = p;
    }
    auto resolve = [&](int64_t ref) -> uint32_t {
      const auto owner = static_cast<size_t>(ref / 3 / plane);
      const auto& keys = layers[owner].keys;
      const auto it = std::lower_bound(keys.begin(), keys.end(), ref);
      VISCERA_CHECK(it != keys.end() && *it == ref, "marching cubes: unowned edge vertex");
      return static_cast<uint32_t>(first_vertex[owner] + (it - keys.begin()));
    };
    size_t t_out = static_cast<size_t>(first_triangle[static_cast<size_t>(z)]);
    for (const auto& t : layer.triangles) {
      mesh.triangles[t_out++] = {resolve(t[0]), resolve(t[1]), resolve(t[2])};
    }
  });
  return mesh;
}

}  // namespace viscera
