#include "segment/sliding_window.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/parallel.h"

namespace viscera {
namespace {

using Roi = std::array<int64_t, 3>;

// Per-class logit sums of one k plane of the padded volume: sums[c * ny * nx + y * nx + x].
struct Plane {
  std::vector<float> sums;
};

}  // namespace

std::vector<int64_t> WindowStarts(int64_t n, int64_t roi, double overlap) {
  VISCERA_CHECK(n >= roi && roi > 0, "WindowStarts needs n >= roi > 0");
  int64_t interval = roi;
  if (roi != n) interval = std::max<int64_t>(1, static_cast<int64_t>(roi * (1 - overlap)));
  int64_t count = 1;
  while ((count - 1) * interval + roi < n) ++count;
  std::vector<int64_t> starts;
  for (int64_t idx = 0; idx < count; ++idx) {
    int64_t start = idx * interval;
    start -= std::max<int64_t>(start + roi - n, 0);
    starts.push_back(start);
  }
  return starts;
}

std::vector<float> ImportanceMap(const Roi& roi, WindowBlend blend) {
  const size_t total = static_cast<size_t>(roi[0] * roi[1] * roi[2]);
  if (blend == WindowBlend::kConstant) return std::vector<float>(total, 1.0f);
  // MONAI compute_importance_map(GAUSSIAN, sigma_scale=0.125): separable gaussian centred on the
  // window, normalised to a maximum of 1, then clamped below at max(min, 1e-3).
  std::array<std::vector<double>, 3> g;
  for (int a = 0; a < 3; ++a) {
    double sigma = static_cast<double>(roi[a]) * 0.125;
    for (int64_t n = 0; n < roi[a]; ++n) {
      double x = static_cast<double>(n) - (static_cast<double>(roi[a]) - 1) / 2.0;
      g[a].push_back(std::exp(x * x / (-2 * sigma * sigma)));
    }
  }
  std::vector<float> map(total);
  float max_value = 0, min_value = 1e30f;
  for (int64_t x = 0; x < roi[0]; ++x) {
    for (int64_t y = 0; y < roi[1]; ++y) {
      for (int64_t z = 0; z < roi[2]; ++z) {
        float v = static_cast<float>(g[0][x] * g[1][y] * g[2][z]);
        map[static_cast<size_t>((x * roi[1] + y) * roi[2] + z)] = v;
        max_value = std::max(max_value, v);
      }
    }
  }
  for (float& v : map) {
    v /= max_value;
    min_value = std::min(min_value, v);
  }
  const float floor_value = std::max(min_value, 1e-3f);
  for (float& v : map) v = std::max(v, floor_value);
  return map;
}

Expected<Volume<uint16_t>> SlidingWindowSegment(const Volume<float>& image,
                                                const ModelMetadata& model,
                                                WindowPredictor& predictor,
                                                const SlidingWindowOptions& options) {
  const Roi& roi = model.roi;
  const int channels = model.output_channels;
  const Index3& n = image.size();
  // Axes shorter than the roi are padded with zeros, symmetrically (MONAI's rule).
  Index3 padded{}, before{};
  for (int a = 0; a < 3; ++a) {
    padded[a] = std::max(n[a], roi[a]);
    before[a] = (padded[a] - n[a]) / 2;
  }
  std::array<std::vector<int64_t>, 3> starts;
  for (int a = 0; a < 3; ++a) starts[a] = WindowStarts(padded[a], roi[a], model.overlap);
  const std::vector<float> importance = ImportanceMap(roi, model.blend);

  const int64_t window_voxels = roi[0] * roi[1] * roi[2];
  const int64_t plane_voxels = padded[0] * padded[1];
  // Windows per network call: sw_batch, or fewer when the caller asks (on a CPU, batching gains
  // nothing and each extra window in flight costs ~170 MB of activations). Results are the same:
  // every window is computed alone by the network.
  const int batch_max =
      options.network_batch > 0 ? std::min(options.network_batch, model.sw_batch) : model.sw_batch;
  std::vector<float> input(static_cast<size_t>(batch_max * window_voxels));
  std::vector<float> output(static_cast<size_t>(batch_max * channels * window_voxels));

  SlidingWindowProgress progress;
  progress.windows_total =
      static_cast<int64_t>(starts[0].size() * starts[1].size() * starts[2].size());
  Volume<uint16_t> labels(image.geometry());
  std::map<int64_t, Plane> planes;  // padded k -> sums, only for k inside open windows

  // Final labels of every plane below `k_end` (sums complete there), then the plane is freed.
  auto finalize_below = [&](int64_t k_end) {
    while (!planes.empty() && planes.begin()->first < k_end) {
      auto node = planes.extract(planes.begin());
      const int64_t k = node.key() - before[2];
      if (k < 0 || k >= n[2]) continue;
      const std::vector<float>& sums = node.mapped().sums;
      ParallelFor(0, n[1], [&](int64_t j) {
        const int64_t pj = j + before[1];
        for (int64_t i = 0; i < n[0]; ++i) {
          const size_t at = static_cast<size_t>(pj * padded[0] + i + before[0]);
          float best = sums[at];
          uint16_t best_c = 0;
          for (int c = 1; c < channels; ++c) {
            float v = sums[at + static_cast<size_t>(c * plane_voxels)];
            if (v > best) {  // strict: ties go to the lowest class, as argmax does
              best = v;
              best_c = static_cast<uint16_t>(c);
            }
          }
          labels.at(i, j, k) = best_c;
        }
      });
    }
  };

  for (size_t gz = 0; gz < starts[2].size(); ++gz) {
    const int64_t sz = starts[2][gz];
    for (int64_t k = sz; k < sz + roi[2]; ++k) {
      if (k < before[2] || k >= before[2] + n[2]) continue;  // padding: never part of the result
      Plane& p = planes[k];
      if (p.sums.empty()) p.sums.assign(static_cast<size_t>(channels * plane_voxels), 0.0f);
    }
    // Windows of this slab, x slowest as MONAI orders them.
    std::vector<std::array<int64_t, 2>> group;
    for (int64_t sx : starts[0]) {
      for (int64_t sy : starts[1]) group.push_back({sx, sy});
    }
    for (size_t first = 0; first < group.size(); first += static_cast<size_t>(batch_max)) {
      const int batch = static_cast<int>(std::min<size_t>(batch_max, group.size() - first));
      // Gather windows into [b][x][y][z] (z fastest), zeros outside the image (padding).
      ParallelFor(0, batch * roi[0], [&](int64_t bx) {
        const int64_t b = bx / roi[0], x = bx % roi[0];
        const auto& s = group[first + static_cast<size_t>(b)];
        float* dst = &input[static_cast<size_t>(b * window_voxels + x * roi[1] * roi[2])];
        const int64_t ix = s[0] + x - before[0];
        for (int64_t y = 0; y < roi[1]; ++y) {
          const int64_t iy = s[1] + y - before[1];
          for (int64_t z = 0; z < roi[2]; ++z) {
            const int64_t iz = sz + z - before[2];
            bool inside = ix >= 0 && ix < n[0] && iy >= 0 && iy < n[1] && iz >= 0 && iz < n[2];
            dst[y * roi[2] + z] = inside ? image.at(ix, iy, iz) : 0.0f;
          }
        }
      });
      std::span<const float> in(input.data(), static_cast<size_t>(batch * window_voxels));
      std::span<float> out(output.data(), static_cast<size_t>(batch * channels * window_voxels));
      VISCERA_RETURN_IF_ERROR(predictor.Predict(in, batch, roi, channels, out));
      if (progress.windows_done == 0) {
        if (options.first_window_input) {
          options.first_window_input->assign(input.begin(), input.begin() + window_voxels);
        }
        if (options.first_window_logits) {
          options.first_window_logits->assign(output.begin(),
                                              output.begin() + channels * window_voxels);
        }
      }
      // Accumulate: each z plane of the window goes to its own slab plane, so threads over z
      // never write the same memory.
      ParallelFor(0, roi[2], [&](int64_t z) {
        auto plane_it = planes.find(sz + z);
        if (plane_it == planes.end()) return;  // a padding plane
        float* sums = plane_it->second.sums.data();
        for (int b = 0; b < batch; ++b) {
          const auto& s = group[first + static_cast<size_t>(b)];
          for (int c = 0; c < channels; ++c) {
            const float* logits = &output[static_cast<size_t>((b * channels + c) * window_voxels)];
            float* plane = sums + c * plane_voxels;
            for (int64_t y = 0; y < roi[1]; ++y) {
              float* row = plane + (s[1] + y) * padded[0] + s[0];
              for (int64_t x = 0; x < roi[0]; ++x) {
                const size_t at = static_cast<size_t>((x * roi[1] + y) * roi[2] + z);
                row[x] += importance[at] * logits[at];
              }
            }
          }
        }
      });
      progress.windows_done += batch;
      if (options.on_progress) options.on_progress(progress);
    }
    const bool last = gz + 1 == starts[2].size();
    finalize_below(last ? padded[2] : starts[2][gz + 1]);
  }
  return labels;
}

}  // namespace viscera
