#include "segment/preprocess.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

#include "core/parallel.h"
#include "core/reorient.h"
#include "core/resample.h"

namespace viscera {

int64_t MonaiResampledSize(int64_t n, double spacing, double new_spacing) {
  double extent = static_cast<double>(n - 1) * spacing / new_spacing;
  return static_cast<int64_t>(std::nearbyint(extent)) + 1;  // FE_TONEAREST: half to even
}

void ForegroundBox(const Volume<float>& image, float threshold, Index3* begin, Index3* size) {
  const Index3& n = image.size();
  Index3 lo{n[0], n[1], n[2]}, hi{-1, -1, -1};
  std::mutex mutex;
  ParallelFor(0, n[2], [&](int64_t k) {
    Index3 slo{n[0], n[1], n[2]}, shi{-1, -1, -1};
    for (int64_t j = 0; j < n[1]; ++j) {
      const float* row = &image.at(0, j, k);
      for (int64_t i = 0; i < n[0]; ++i) {
        if (row[i] > threshold) {
          slo[0] = std::min(slo[0], i);
          shi[0] = std::max(shi[0], i);
          slo[1] = std::min(slo[1], j);
          shi[1] = std::max(shi[1], j);
          slo[2] = k;
          shi[2] = k;
        }
      }
    }
    if (shi[0] < 0) return;
    std::lock_guard lock(mutex);
    for (int a = 0; a < 3; ++a) {
      lo[a] = std::min(lo[a], slo[a]);
      hi[a] = std::max(hi[a], shi[a]);
    }
  });
  if (hi[0] < 0) {
    *begin = {0, 0, 0};
    *size = n;
    return;
  }
  for (int a = 0; a < 3; ++a) {
    (*begin)[a] = lo[a];
    (*size)[a] = hi[a] - lo[a] + 1;
  }
}

Expected<PreprocessedImage> Preprocess(const HounsfieldVolume& hu, const ModelMetadata& model) {
  VISCERA_ASSIGN_OR_RETURN(AxisMapping oriented,
                           ComputeReorientation(hu.geometry(), model.orientation));
  const Geometry& og = oriented.geometry;
  Geometry grid = og;
  for (int a = 0; a < 3; ++a) {
    grid.size[a] = MonaiResampledSize(og.size[a], og.spacing[a], model.spacing[a]);
    grid.spacing[a] = model.spacing[a];
    if (grid.size[a] < 1 || grid.size[a] > 4096) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "resampling axis " + std::to_string(a) + " of " +
                           std::to_string(og.size[a]) + " voxels at " +
                           std::to_string(og.spacing[a]) + " mm to " +
                           std::to_string(model.spacing[a]) + " mm gives " +
                           std::to_string(grid.size[a]) + " voxels");
    }
  }
  std::vector<AxisSample> axis[3];
  for (int a = 0; a < 3; ++a) {
    axis[a] = AxisSamples(grid.size[a], og.size[a], model.spacing[a] / og.spacing[a]);
  }
  // Strides of the oriented axes in the source buffer (negative when flipped), so the fused
  // reorient+resample reads the int16 source directly.
  const Index3& src_size = hu.size();
  const int64_t src_stride[3] = {1, src_size[0], src_size[0] * src_size[1]};
  int64_t stride[3];
  int64_t base = 0;
  for (int t = 0; t < 3; ++t) {
    int s = oriented.source_axis[t];
    stride[t] = oriented.flipped[t] ? -src_stride[s] : src_stride[s];
    if (oriented.flipped[t]) base += (src_size[s] - 1) * src_stride[s];
  }
  const IntensityWindow& w = model.window;
  const double scale = (w.b_max - w.b_min) / (w.a_max - w.a_min);
  const int16_t* src = hu.voxels().data();

  Volume<float> resampled(grid);
  ParallelFor(0, grid.size[2], [&](int64_t k) {
    const AxisSample& sk = axis[2][static_cast<size_t>(k)];
    for (int64_t j = 0; j < grid.size[1]; ++j) {
      const AxisSample& sj = axis[1][static_cast<size_t>(j)];
      const int64_t row00 = base + sj.lo * stride[1] + sk.lo * stride[2];
      const int64_t row10 = base + sj.hi * stride[1] + sk.lo * stride[2];
      const int64_t row01 = base + sj.lo * stride[1] + sk.hi * stride[2];
      const int64_t row11 = base + sj.hi * stride[1] + sk.hi * stride[2];
      float* out = &resampled.at(0, j, k);
      for (int64_t i = 0; i < grid.size[0]; ++i) {
        const AxisSample& si = axis[0][static_cast<size_t>(i)];
        const int64_t a = si.lo * stride[0], b = si.hi * stride[0];
        auto lerp_x = [&](int64_t row) { return (1 - si.w) * src[row + a] + si.w * src[row + b]; };
        double c0 = (1 - sj.w) * lerp_x(row00) + sj.w * lerp_x(row10);
        double c1 = (1 - sj.w) * lerp_x(row01) + sj.w * lerp_x(row11);
        // The HU value is rounded to float32 before windowing, as the reference stores it.
        double v = static_cast<float>((1 - sk.w) * c0 + sk.w * c1);
        v = (v - w.a_min) * scale + w.b_min;
        if (w.clip) v = std::clamp(v, w.b_min, w.b_max);
        out[i] = static_cast<float>(v);
      }
    }
  });

  PreprocessedImage result;
  result.network_grid = grid;
  if (!model.crop_foreground) {
    result.image = std::move(resampled);
    return result;
  }
  Index3 size;
  ForegroundBox(resampled, static_cast<float>(w.b_min), &result.crop_begin, &size);
  if (size == grid.size) {
    result.image = std::move(resampled);
    return result;
  }
  VISCERA_ASSIGN_OR_RETURN(result.image, Crop(resampled, result.crop_begin, size));
  return result;
}

}  // namespace viscera
