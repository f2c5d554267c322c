#include "export/organ_stats.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/parallel.h"
#include "io/atomic_file.h"

namespace viscera {
namespace {

// Insertion order, so that each organ reads id, name, counts, then geometry.
using json = nlohmann::ordered_json;

// Running sums for one label over some slices. Index sums are exact in int64 (a 2^31-voxel
// organ of 2^16-wide grids stays below 2^63), so the centroid carries no rounding from order.
struct Accumulator {
  int64_t count = 0;
  int64_t sum[3] = {0, 0, 0};
  Index3 lo{std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::max(),
            std::numeric_limits<int64_t>::max()};
  Index3 hi{-1, -1, -1};

  void Merge(const Accumulator& o) {
    count += o.count;
    for (int a = 0; a < 3; ++a) {
      sum[a] += o.sum[a];
      lo[a] = std::min(lo[a], o.lo[a]);
      hi[a] = std::max(hi[a], o.hi[a]);
    }
  }
};

json Array3(const Vec3& v) {
  return json::array({v[0], v[1], v[2]});
}

json Array3(const Index3& v) {
  return json::array({v[0], v[1], v[2]});
}

}  // namespace

std::vector<OrganStats> ComputeOrganStats(const LabelMap& labels) {
  const auto& entries = labels.table.entries();
  // Label id -> position in the table (-1: not an organ we report).
  std::vector<int32_t> slot(65536, -1);
  for (size_t s = 0; s < entries.size(); ++s) slot[entries[s].id] = static_cast<int32_t>(s);

  const Volume<uint16_t>& volume = labels.labels;
  const Index3 n = volume.size();
  const int64_t workers = std::max<int64_t>(1, std::min<int64_t>(WorkerCount(), n[2]));
  std::vector<std::vector<Accumulator>> partial(static_cast<size_t>(workers),
                                                std::vector<Accumulator>(entries.size()));
  ParallelFor(0, workers, [&](int64_t t) {
    auto& acc = partial[static_cast<size_t>(t)];
    for (int64_t k = n[2] * t / workers; k < n[2] * (t + 1) / workers; ++k) {
      for (int64_t j = 0; j < n[1]; ++j) {
        const uint16_t* row = &volume.at(0, j, k);
        for (int64_t i = 0; i < n[0]; ++i) {
          const int32_t s = slot[row[i]];
          if (s < 0) continue;
          Accumulator& a = acc[static_cast<size_t>(s)];
          ++a.count;
          a.sum[0] += i;
          a.sum[1] += j;
          a.sum[2] += k;
          const Index3 p{i, j, k};
          for (int axis = 0; axis < 3; ++axis) {
            a.lo[axis] = std::min(a.lo[axis], p[axis]);
            a.hi[axis] = std::max(a.hi[axis], p[axis]);
          }
        }
      }
    }
  });

  const Affine to_lps = volume.geometry().IndexToLps();
  const double voxel_ml = volume.geometry().VoxelVolumeMm3() / 1000.0;
  std::vector<OrganStats> out;
  for (size_t s = 0; s < entries.size(); ++s) {
    Accumulator total;
    for (const auto& acc : partial) total.Merge(acc[s]);
    OrganStats stats;
    stats.id = entries[s].id;
    stats.name = entries[s].name;
    stats.voxel_count = total.count;
    stats.grid = volume.geometry();
    if (total.count > 0) {
      stats.volume_ml = static_cast<double>(total.count) * voxel_ml;
      stats.bbox_min_index = total.lo;
      stats.bbox_max_index = total.hi;
      // The LPS box of the index box's 8 corner voxel centres: for grids whose axes follow the
      // patient's (any permutation or flip) it is exactly the min/max over the organ's voxel
      // centres; for oblique grids it encloses them.
      const Geometry::LpsBox box = stats.grid.LpsBoxOfIndices(total.lo, total.hi);
      stats.bbox_min_lps = box.min;
      stats.bbox_max_lps = box.max;
      // The affine is linear, so the mean of the LPS centres is the LPS of the mean index.
      const double count = static_cast<double>(total.count);
      stats.centroid_lps = to_lps.Apply(Vec3{static_cast<double>(total.sum[0]) / count,
                                             static_cast<double>(total.sum[1]) / count,
                                             static_cast<double>(total.sum[2]) / count});
    }
    out.push_back(std::move(stats));
  }
  return out;
}

namespace {

std::string OrganStatsJson(const std::vector<OrganStats>& stats) {
  json organs = json::array();
  for (const OrganStats& s : stats) {
    json organ = {
        {"id", s.id}, {"name", s.name}, {"voxel_count", s.voxel_count}, {"volume_ml", s.volume_ml}};
    if (s.voxel_count > 0) {
      organ["bbox"] = {{"min_index", Array3(s.bbox_min_index)},
                       {"max_index", Array3(s.bbox_max_index)},
                       {"min_lps", Array3(s.bbox_min_lps)},
                       {"max_lps", Array3(s.bbox_max_lps)}};
      organ["centroid_lps"] = Array3(s.centroid_lps);
    } else {
      organ["bbox"] = nullptr;
      organ["centroid_lps"] = nullptr;
    }
    organs.push_back(std::move(organ));
  }
  json doc = {{"coordinate_system", "LPS"}, {"unit", "mm"}, {"volume_unit", "mL"}};
  if (stats.empty()) {  // no table: nothing says which grid was measured
    doc["size"] = doc["spacing"] = doc["origin"] = doc["index_to_lps"] = nullptr;
  } else {
    const Geometry& grid = stats.front().grid;
    json index_to_lps = json::array();
    for (const auto& row : grid.IndexToLps().m) {
      index_to_lps.push_back(json::array({row[0], row[1], row[2], row[3]}));
    }
    doc["size"] = Array3(grid.size);
    doc["spacing"] = Array3(grid.spacing);
    doc["origin"] = Array3(grid.origin);
    doc["index_to_lps"] = std::move(index_to_lps);
  }
  doc["organs"] = std::move(organs);
  return doc.dump(2) + "\n";
}

}  // namespace

Status WriteOrganStats(const std::vector<OrganStats>& stats, const std::filesystem::path& path) {
  return WriteFileAtomically(path, OrganStatsJson(stats));
}

}  // namespace viscera
