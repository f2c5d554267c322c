#include "service/scene_summary.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/check.h"
#include "core/parallel.h"
#include "render/json_checks.h"
#include "render/transfer_table.h"

namespace viscera {

namespace {

// Voxels per HU value (min_hu..max_hu) and per label, over some brick layers.
struct Counts {
  std::vector<int64_t> per_hu;
  std::array<int64_t, kMaxRenderLabel + 1> per_label{};
};

// One pass, slabs of slices per worker, each counting into its own histogram.
Counts CountVoxels(const RenderVolume& volume, int min_hu, int max_hu) {
  const Index3 n = volume.geometry().size;
  const int64_t workers = std::max<int64_t>(1, std::min<int64_t>(WorkerCount(), n[2]));
  const size_t hu_values = static_cast<size_t>(max_hu - min_hu + 1);
  std::vector<Counts> partial(static_cast<size_t>(workers));
  ParallelFor(0, workers, [&](int64_t t) {
    Counts& c = partial[static_cast<size_t>(t)];
    c.per_hu.assign(hu_values, 0);
    for (int64_t k = n[2] * t / workers; k < n[2] * (t + 1) / workers; ++k) {
      for (int64_t j = 0; j < n[1]; ++j) {
        for (int64_t i = 0; i < n[0]; ++i) {
          const int hu = std::clamp<int>(volume.HuAt(i, j, k), min_hu, max_hu);
          ++c.per_hu[static_cast<size_t>(hu - min_hu)];
          ++c.per_label[volume.LabelAt(i, j, k)];
        }
      }
    }
  });
  Counts total = std::move(partial[0]);
  for (size_t t = 1; t < partial.size(); ++t) {
    for (size_t v = 0; v < hu_values; ++v) total.per_hu[v] += partial[t].per_hu[v];
    for (size_t l = 0; l < total.per_label.size(); ++l) {
      total.per_label[l] += partial[t].per_label[l];
    }
  }
  return total;
}

}  // namespace

SceneSummary SummarizeScene(const Scene& scene, const RenderSettings& settings, int bins) {
  VISCERA_CHECK(bins >= kMinHistogramBins && bins <= kMaxHistogramBins, "histogram bins");
  const RenderVolume& volume = *scene.volume;
  SceneSummary s;
  s.dataset_id = scene.dataset_id;
  s.grid = volume.geometry();
  const Index3& n = s.grid.size;
  s.bounds = s.grid.LpsBoxOfIndices({0, 0, 0}, {n[0] - 1, n[1] - 1, n[2] - 1});
  s.center = Scale(Add(s.bounds.min, s.bounds.max), 0.5);
  s.min_hu = scene.min_hu;
  s.max_hu = scene.max_hu;

  // The CT is int16 in the volume: its range always fits, and min <= max.
  const int lo = static_cast<int>(std::floor(scene.min_hu));
  const int hi = std::max(lo, static_cast<int>(std::ceil(scene.max_hu)));
  const Counts counts = CountVoxels(volume, lo, hi);
  const int64_t range = int64_t{hi} - lo + 1;
  s.histogram.first_hu = lo;
  s.histogram.bin_width_hu = static_cast<double>(range) / bins;
  s.histogram.counts.assign(static_cast<size_t>(bins), 0);
  for (int64_t v = 0; v < range; ++v) {
    // floor(v / width) in integers: the bin edges never round a voxel into its neighbour.
    s.histogram.counts[static_cast<size_t>(v * bins / range)] +=
        counts.per_hu[static_cast<size_t>(v)];
  }

  const std::array<Color, 256> colors = LabelColors(settings);
  const double voxel_ml = s.grid.VoxelVolumeMm3() / 1000.0;
  for (size_t label = 1; label < counts.per_label.size(); ++label) {
    if (counts.per_label[label] == 0) continue;
    OrganSummary organ;
    organ.label = static_cast<uint16_t>(label);
    for (const auto& [id, name] : scene.label_names) {
      if (id == label) organ.name = name;
    }
    organ.color = colors[label];
    organ.voxels = counts.per_label[label];
    organ.volume_ml = static_cast<double>(organ.voxels) * voxel_ml;
    s.organs.push_back(std::move(organ));
  }
  return s;
}

nlohmann::json SceneSummaryJson(const SceneSummary& s) {
  using json_checks::RgbJson;
  using json_checks::VectorJson;
  nlohmann::json organs = nlohmann::json::array();
  for (const OrganSummary& o : s.organs) {
    organs.push_back({{"label", o.label},
                      {"name", o.name},
                      {"color", RgbJson(o.color)},
                      {"voxels", o.voxels},
                      {"volume_ml", o.volume_ml}});
  }
  return {{"id", s.dataset_id},
          {"dimensions", s.grid.size},
          {"spacing_mm", VectorJson(s.grid.spacing)},
          {"bounds_mm", {{"min", VectorJson(s.bounds.min)}, {"max", VectorJson(s.bounds.max)}}},
          {"center_mm", VectorJson(s.center)},
          {"hu_range", {s.min_hu, s.max_hu}},
          {"histogram",
           {{"first_hu", s.histogram.first_hu},
            {"bin_width_hu", s.histogram.bin_width_hu},
            {"counts", s.histogram.counts}}},
          {"organs", std::move(organs)}};
}

}  // namespace viscera
