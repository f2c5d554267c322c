// What a dashboard shows of a dataset without rendering it: the grid in patient space, a HU
// histogram and each organ's size and display colour, from one parallel pass over the loaded
// volume (GET /api/datasets/{id}/summary).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/geometry.h"
#include "render/render_settings.h"
#include "service/scene_source.h"

namespace viscera {

inline constexpr int kMinHistogramBins = 8;
inline constexpr int kMaxHistogramBins = 1024;
inline constexpr int kDefaultHistogramBins = 128;

// Bins of equal width over min_hu..max_hu: bin b counts the voxels with
// first_hu + b * bin_width_hu <= HU < first_hu + (b + 1) * bin_width_hu. HU are integers, so the
// last bin ends at max_hu + 1 (width (max_hu - min_hu + 1) / bins).
struct HuHistogram {
  double first_hu = 0;
  double bin_width_hu = 1;
  std::vector<int64_t> counts;
};

struct OrganSummary {
  uint16_t label = 0;
  std::string name;  // "" when unknown
  Color color;       // as the settings draw it (LabelColors: organ style, own component, palette)
  int64_t voxels = 0;
  double volume_ml = 0;  // voxels * |det(direction * diag(spacing))| / 1000
};

struct SceneSummary {
  std::string dataset_id;
  Geometry grid;
  Geometry::LpsBox bounds;  // around every voxel centre (LPS mm)
  Vec3 center{0, 0, 0};     // of `bounds`
  double min_hu = 0, max_hu = 0;
  HuHistogram histogram;
  std::vector<OrganSummary> organs;  // every label present but 0, ascending
};

// `bins` in kMinHistogramBins..kMaxHistogramBins (checked); `settings` give the organ colours.
SceneSummary SummarizeScene(const Scene& scene, const RenderSettings& settings, int bins);

// {"id", "dimensions": [nx, ny, nz], "spacing_mm": [sx, sy, sz],
//  "bounds_mm": {"min": [x, y, z], "max": [x, y, z]}, "center_mm": [x, y, z],
//  "hu_range": [min, max], "histogram": {"first_hu", "bin_width_hu", "counts": [...]},
//  "organs": [{"label", "name", "color": [r, g, b], "voxels", "volume_ml"}]}
nlohmann::json SceneSummaryJson(const SceneSummary& summary);

}  // namespace viscera
