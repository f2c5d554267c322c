#include "core/resample.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/parallel.h"

namespace viscera {
namespace {

// The most voxels a resampled volume may have (as the readers' ReadLimits::max_voxels).
constexpr int64_t kMaxResampledVoxels = int64_t{1} << 31;

template <typename T>
T RoundToVoxel(double value) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(value);
  } else {
    double r = std::round(value);
    r = std::clamp(r, static_cast<double>(std::numeric_limits<T>::min()),
                   static_cast<double>(std::numeric_limits<T>::max()));
    return static_cast<T>(r);
  }
}

}  // namespace

std::vector<AxisSample> AxisSamples(int64_t new_size, int64_t old_size, double step) {
  std::vector<AxisSample> samples(static_cast<size_t>(new_size));
  for (int64_t n = 0; n < new_size; ++n) {
    double x = std::clamp(static_cast<double>(n) * step, 0.0, static_cast<double>(old_size - 1));
    int64_t lo = static_cast<int64_t>(std::floor(x));
    int64_t hi = std::min(lo + 1, old_size - 1);
    samples[static_cast<size_t>(n)] = {lo, hi, x - static_cast<double>(lo)};
  }
  return samples;
}

template <typename T>
Expected<Volume<T>> Resample(const Volume<T>& volume, const Vec3& new_spacing,
                             Interpolation interpolation) {
  const Geometry& src = volume.geometry();
  Geometry dst = src;
  for (int a = 0; a < 3; ++a) {
    if (src.size[a] < 1) {
      return MakeError(ErrorCode::kInvalidArgument, "cannot resample an empty volume (size[" +
                                                        std::to_string(a) + "] is " +
                                                        std::to_string(src.size[a]) + ")");
    }
    if (!(new_spacing[a] > 0) || !std::isfinite(new_spacing[a])) {
      return MakeError(ErrorCode::kInvalidArgument, "spacing[" + std::to_string(a) +
                                                        "] must be > 0 mm, got " +
                                                        std::to_string(new_spacing[a]));
    }
    double extent = static_cast<double>(src.size[a]) * src.spacing[a];
    double n = std::max(1.0, std::round(extent / new_spacing[a]));
    if (n > 1e5) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "spacing[" + std::to_string(a) + "] = " + std::to_string(new_spacing[a]) +
                           " mm would make " + std::to_string(n) + " voxels along that axis");
    }
    dst.size[a] = static_cast<int64_t>(n);
    dst.spacing[a] = new_spacing[a];
  }
  // Each axis is <= 1e5, so the product fits in int64.
  if (dst.VoxelCount() > kMaxResampledVoxels) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "spacing [" + std::to_string(new_spacing[0]) + ", " +
                         std::to_string(new_spacing[1]) + ", " + std::to_string(new_spacing[2]) +
                         "] mm would make " + std::to_string(dst.size[0]) + "x" +
                         std::to_string(dst.size[1]) + "x" + std::to_string(dst.size[2]) +
                         " voxels, over the limit of " + std::to_string(kMaxResampledVoxels));
  }
  std::vector<AxisSample> axis[3];
  for (int a = 0; a < 3; ++a) {
    axis[a] = AxisSamples(dst.size[a], src.size[a], new_spacing[a] / src.spacing[a]);
  }
  Volume<T> out(dst);
  const bool nearest = interpolation == Interpolation::kNearest;
  ParallelFor(0, dst.size[2], [&](int64_t k) {
    const AxisSample& sk = axis[2][static_cast<size_t>(k)];
    for (int64_t j = 0; j < dst.size[1]; ++j) {
      const AxisSample& sj = axis[1][static_cast<size_t>(j)];
      for (int64_t i = 0; i < dst.size[0]; ++i) {
        const AxisSample& si = axis[0][static_cast<size_t>(i)];
        if (nearest) {
          out.at(i, j, k) = volume.at(si.w < 0.5 ? si.lo : si.hi, sj.w < 0.5 ? sj.lo : sj.hi,
                                      sk.w < 0.5 ? sk.lo : sk.hi);
          continue;
        }
        auto lerp_x = [&](int64_t jj, int64_t kk) {
          return (1 - si.w) * volume.at(si.lo, jj, kk) + si.w * volume.at(si.hi, jj, kk);
        };
        double c0 = (1 - sj.w) * lerp_x(sj.lo, sk.lo) + sj.w * lerp_x(sj.hi, sk.lo);
        double c1 = (1 - sj.w) * lerp_x(sj.lo, sk.hi) + sj.w * lerp_x(sj.hi, sk.hi);
        out.at(i, j, k) = RoundToVoxel<T>((1 - sk.w) * c0 + sk.w * c1);
      }
    }
  });
  return out;
}

template <typename T>
Expected<Volume<T>> Crop(const Volume<T>& volume, const Index3& begin, const Index3& size) {
  const Geometry& src = volume.geometry();
  for (int a = 0; a < 3; ++a) {
    // Written so that huge begin/size cannot overflow (begin >= 0 is checked first).
    if (begin[a] < 0 || size[a] < 1 || begin[a] > src.size[a] - size[a]) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "crop box axis " + std::to_string(a) + " begins at " +
                           std::to_string(begin[a]) + " with size " + std::to_string(size[a]) +
                           ", outside 0.." + std::to_string(src.size[a]));
    }
  }
  Geometry dst = src;
  dst.size = size;
  dst.origin = src.IndexToLpsPoint({static_cast<double>(begin[0]), static_cast<double>(begin[1]),
                                    static_cast<double>(begin[2])});
  Volume<T> out(dst);
  ParallelFor(0, size[2], [&](int64_t k) {
    for (int64_t j = 0; j < size[1]; ++j) {
      const T* row = &volume.at(begin[0], begin[1] + j, begin[2] + k);
      std::memcpy(&out.at(0, j, k), row, static_cast<size_t>(size[0]) * sizeof(T));
    }
  });
  return out;
}

Expected<AnyVolume> Resample(const AnyVolume& volume, const Vec3& new_spacing,
                             Interpolation interpolation) {
  return std::visit(
      [&](const auto& v) -> Expected<AnyVolume> {
        VISCERA_ASSIGN_OR_RETURN(auto out, Resample(v, new_spacing, interpolation));
        return AnyVolume(std::move(out));
      },
      volume);
}

Expected<AnyVolume> Crop(const AnyVolume& volume, const Index3& begin, const Index3& size) {
  return std::visit(
      [&](const auto& v) -> Expected<AnyVolume> {
        VISCERA_ASSIGN_OR_RETURN(auto out, Crop(v, begin, size));
        return AnyVolume(std::move(out));
      },
      volume);
}

#define VISCERA_INSTANTIATE(T)                                                         \
  template Expected<Volume<T>> Resample(const Volume<T>&, const Vec3&, Interpolation); \
  template Expected<Volume<T>> Crop(const Volume<T>&, const Index3&, const Index3&);
VISCERA_INSTANTIATE(uint8_t)
VISCERA_INSTANTIATE(int16_t)
VISCERA_INSTANTIATE(uint16_t)
VISCERA_INSTANTIATE(int32_t)
VISCERA_INSTANTIATE(float)
#undef VISCERA_INSTANTIATE

}  // namespace viscera
