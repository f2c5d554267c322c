// Per-organ measurements of a label map: voxel count, volume (mL), bounding box and centroid in
// patient millimetres (LPS).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/label_map.h"

namespace viscera {

struct OrganStats {
  uint16_t id = 0;
  std::string name;
  int64_t voxel_count = 0;
  double volume_ml = 0;
  Index3 bbox_min_index{0, 0, 0}, bbox_max_index{0, 0, 0};  // inclusive
  // LPS box of the voxel centres: the 8 corners of the index box mapped to LPS (exact for grids
  // aligned with the patient axes, enclosing for oblique ones).
  Vec3 bbox_min_lps{0, 0, 0}, bbox_max_lps{0, 0, 0};
  Vec3 centroid_lps{0, 0, 0};  // mean of the voxel centres
  Geometry grid;               // the label map's grid (the same in every entry of one call)
};

// One entry per label in the table (voxel_count 0 when absent), in table order. volume_ml is
// voxel_count * |det(direction * spacing)| / 1000. One parallel pass over the voxels.
std::vector<OrganStats> ComputeOrganStats(const LabelMap& labels);

// stats.json, atomically: {"coordinate_system": "LPS", "unit": "mm", "volume_unit": "mL",
// "size", "spacing", "origin", "index_to_lps" (4x4 rows), "organs": [{"id", "name",
// "voxel_count", "volume_ml", "bbox": {"min_index", "max_index", "min_lps", "max_lps"},
// "centroid_lps"}]}; bbox and centroid_lps are null for absent organs.
Status WriteOrganStats(const std::vector<OrganStats>& stats, const std::filesystem::path& path);

}  // namespace viscera
