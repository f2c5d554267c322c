#include "segment/postprocess.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/parallel.h"

namespace viscera {
namespace {

// Inverse of a 4x4 affine with last row (0 0 0 1), by the 3x3 block's adjugate.
Expected<Affine> Invert(const Affine& a) {
  const auto& m = a.m;
  double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
               m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
               m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  if (std::abs(det) < 1e-12) {
    return MakeError(ErrorCode::kInvalidArgument, "network grid affine is singular");
  }
  Affine inv;
  auto& r = inv.m;
  r[0][0] = (m[1][1] * m[2][2] - m[1][2] * m[2][1]) / det;
  r[0][1] = (m[0][2] * m[2][1] - m[0][1] * m[2][2]) / det;
  r[0][2] = (m[0][1] * m[1][2] - m[0][2] * m[1][1]) / det;
  r[1][0] = (m[1][2] * m[2][0] - m[1][0] * m[2][2]) / det;
  r[1][1] = (m[0][0] * m[2][2] - m[0][2] * m[2][0]) / det;
  r[1][2] = (m[0][2] * m[1][0] - m[0][0] * m[1][2]) / det;
  r[2][0] = (m[1][0] * m[2][1] - m[1][1] * m[2][0]) / det;
  r[2][1] = (m[0][1] * m[2][0] - m[0][0] * m[2][1]) / det;
  r[2][2] = (m[0][0] * m[1][1] - m[0][1] * m[1][0]) / det;
  for (int i = 0; i < 3; ++i) {
    r[i][3] = -(r[i][0] * m[0][3] + r[i][1] * m[1][3] + r[i][2] * m[2][3]);
  }
  return inv;
}

Affine Multiply(const Affine& a, const Affine& b) {
  Affine c;
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) {
      double s = 0;
      for (int k = 0; k < 4; ++k) s += a.m[i][k] * b.m[k][j];
      c.m[i][j] = s;
    }
  }
  return c;
}

}  // namespace

Expected<Volume<uint16_t>> LabelsToSourceGrid(const Volume<uint16_t>& cropped,
                                              const Geometry& network_grid,
                                              const Index3& crop_begin, const Geometry& source) {
  VISCERA_ASSIGN_OR_RETURN(Affine world_to_net, Invert(network_grid.IndexToLps()));
  // Source index -> network continuous index, one affine.
  const Affine m = Multiply(world_to_net, source.IndexToLps());
  const Index3& box = cropped.size();
  Volume<uint16_t> out(source);
  ParallelFor(0, source.size[2], [&](int64_t k) {
    for (int64_t j = 0; j < source.size[1]; ++j) {
      uint16_t* row = &out.at(0, j, k);
      for (int64_t i = 0; i < source.size[0]; ++i) {
        int64_t c[3];
        bool inside = true;
        for (int a = 0; a < 3; ++a) {
          double x = m.m[a][0] * static_cast<double>(i) + m.m[a][1] * static_cast<double>(j) +
                     m.m[a][2] * static_cast<double>(k) + m.m[a][3];
          int64_t n = static_cast<int64_t>(std::floor(x + 0.5));
          n = std::clamp<int64_t>(n, 0, network_grid.size[a] - 1) - crop_begin[a];
          inside = inside && n >= 0 && n < box[a];
          c[a] = n;
        }
        row[i] = inside ? cropped.at(c[0], c[1], c[2]) : 0;
      }
    }
  });
  return out;
}

int64_t KeepLargestComponents(Volume<uint16_t>& labels) {
  const Index3& n = labels.size();
  const int64_t total = labels.geometry().VoxelCount();
  std::vector<int32_t> component(static_cast<size_t>(total), -1);
  std::vector<int64_t> sizes;
  std::vector<uint16_t> component_label;
  std::vector<int64_t> queue;
  std::span<uint16_t> v = labels.voxels();
  for (int64_t start = 0; start < total; ++start) {
    if (v[start] == 0 || component[start] >= 0) continue;
    const int32_t id = static_cast<int32_t>(sizes.size());
    const uint16_t label = v[start];
    int64_t size = 0;
    queue.assign(1, start);
    component[start] = id;
    while (!queue.empty()) {
      int64_t at = queue.back();
      queue.pop_back();
      ++size;
      int64_t i = at % n[0], j = (at / n[0]) % n[1], k = at / (n[0] * n[1]);
      for (int64_t dk = -1; dk <= 1; ++dk) {
        for (int64_t dj = -1; dj <= 1; ++dj) {
          for (int64_t di = -1; di <= 1; ++di) {
            int64_t ii = i + di, jj = j + dj, kk = k + dk;
            if (ii < 0 || jj < 0 || kk < 0 || ii >= n[0] || jj >= n[1] || kk >= n[2]) continue;
            int64_t nb = static_cast<int64_t>(labels.Offset(ii, jj, kk));
            if (v[nb] == label && component[nb] < 0) {
              component[nb] = id;
              queue.push_back(nb);
            }
          }
        }
      }
    }
    sizes.push_back(size);
    component_label.push_back(label);
  }
  std::map<uint16_t, int32_t> largest;
  for (int32_t c = 0; c < static_cast<int32_t>(sizes.size()); ++c) {
    auto it = largest.find(component_label[c]);
    if (it == largest.end() || sizes[c] > sizes[it->second]) largest[component_label[c]] = c;
  }
  int64_t removed = 0;
  for (int64_t at = 0; at < total; ++at) {
    if (v[at] != 0 && largest[v[at]] != component[at]) {
      v[at] = 0;
      ++removed;
    }
  }
  return removed;
}

}  // namespace viscera
