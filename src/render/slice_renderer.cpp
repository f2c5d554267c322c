#include "render/slice_renderer.h"

#include <algorithm>
#include <cmath>

#include "core/parallel.h"
#include "render/render_volume.h"
#include "render/transfer_table.h"

namespace viscera {

SliceAxes SliceAxesOf(const SliceView& view) {
  switch (view.orientation) {
    case SliceOrientation::kAxial:
      return {{1, 0, 0}, {0, -1, 0}, {0, 0, 1}};
    case SliceOrientation::kCoronal:
      return {{1, 0, 0}, {0, 0, 1}, {0, 1, 0}};
    case SliceOrientation::kSagittal:
      return {{0, 1, 0}, {0, 0, 1}, {-1, 0, 0}};
    case SliceOrientation::kOblique:
      break;
  }
  const Vec3 normal = Unit(view.normal);
  Vec3 up = view.up;
  const double along = Dot(up, normal);
  up = Unit({up[0] - along * normal[0], up[1] - along * normal[1], up[2] - along * normal[2]});
  if (Dot(up, up) < 0.5)
    up = Unit(Cross(normal, std::abs(normal[0]) < 0.9 ? Vec3{1, 0, 0} : Vec3{0, 1, 0}));
  return {Unit(Cross(normal, up)), up, normal};
}

RgbImage RenderSlice(const RenderVolume& volume, const RenderSettings& settings, int width,
                     int height) {
  RgbImage image(width, height);
  const Geometry& g = volume.geometry();
  const SliceAxes axes = SliceAxesOf(settings.slice);
  const Vec3 center = settings.slice.center_set ? settings.slice.center : volume.CenterLps();
  // Fit the volume's box, projected on the plane, into the image.
  double half_x = 1, half_y = 1;
  for (int corner = 0; corner < 8; ++corner) {
    Vec3 ijk{};
    for (int a = 0; a < 3; ++a) {
      ijk[a] = (corner >> a & 1) ? static_cast<double>(g.size[a]) - 0.5 : -0.5;
    }
    const Vec3 p = g.IndexToLpsPoint(ijk);
    const Vec3 d{p[0] - center[0], p[1] - center[1], p[2] - center[2]};
    half_x = std::max(half_x, std::abs(Dot(d, axes.right)));
    half_y = std::max(half_y, std::abs(Dot(d, axes.up)));
  }
  const double pixel_mm =
      std::max(2 * half_x / width, 2 * half_y / height) / std::max(1e-3, settings.slice.zoom);

  // LPS -> continuous index: the inverse of the index -> LPS affine.
  Mat3 linear;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) linear.m[r][c] = g.direction.m[r][c] * g.spacing[c];
  }
  const Mat3 to_index = Inverse(linear);

  const bool overlay = settings.mode == RenderMode::kSliceSegmentation && volume.has_labels();
  const std::array<Color, 256> colors = LabelColors(settings);
  std::array<bool, 256> shown{};
  shown.fill(true);
  for (uint16_t id : settings.transfer_function.hidden_regions) {
    if (id < 256) shown[id] = false;
  }
  for (const OrganStyle& s : settings.organs) {
    if (s.label < 256 && !s.visible) shown[s.label] = false;
  }
  const double lo = settings.slice.window_center - settings.slice.window_width / 2;
  const double width_hu = std::max(1.0, settings.slice.window_width);
  const float label_alpha = static_cast<float>(std::clamp(settings.slice.label_opacity, 0.0, 1.0));
  const Index3& n = g.size;

  ParallelFor(0, height, [&](int64_t y) {
    for (int x = 0; x < width; ++x) {
      const double u = (x + 0.5 - width / 2.0) * pixel_mm;
      const double v = (height / 2.0 - y - 0.5) * pixel_mm;
      Vec3 p;
      for (int a = 0; a < 3; ++a) p[a] = center[a] + u * axes.right[a] + v * axes.up[a];
      const Vec3 q = Times(to_index, {p[0] - g.origin[0], p[1] - g.origin[1], p[2] - g.origin[2]});
      uint8_t* out = image.pixel(x, static_cast<int>(y));
      bool inside = true;
      for (int a = 0; a < 3; ++a) inside = inside && q[a] >= -0.5 && q[a] <= n[a] - 0.5;
      if (!inside) continue;
      // Trilinear HU, clamped to the voxel centres.
      int i0[3];
      double f[3];
      for (int a = 0; a < 3; ++a) {
        const double c = std::clamp(q[a], 0.0, static_cast<double>(n[a] - 1));
        i0[a] = std::min(static_cast<int>(c), static_cast<int>(n[a]) - 2);
        f[a] = c - i0[a];
      }
      double hu = 0;
      for (int corner = 0; corner < 8; ++corner) {
        const int di = corner & 1, dj = corner >> 1 & 1, dk = corner >> 2 & 1;
        const double w = (di ? f[0] : 1 - f[0]) * (dj ? f[1] : 1 - f[1]) * (dk ? f[2] : 1 - f[2]);
        hu += w * volume.HuAt(i0[0] + di, i0[1] + dj, i0[2] + dk);
      }
      const float grey = static_cast<float>(std::clamp((hu - lo) / width_hu, 0.0, 1.0));
      float r = grey, gr = grey, b = grey;
      if (overlay) {
        int64_t idx[3];
        for (int a = 0; a < 3; ++a) {
          idx[a] = std::clamp<int64_t>(std::llround(q[a]), 0, n[a] - 1);
        }
        const uint8_t label = volume.LabelAt(idx[0], idx[1], idx[2]);
        if (label != 0 && shown[label]) {
          const Color& c = colors[label];
          r = grey + (c.r - grey) * label_alpha;
          gr = grey + (c.g - grey) * label_alpha;
          b = grey + (c.b - grey) * label_alpha;
        }
      }
      out[0] = static_cast<uint8_t>(std::lround(r * 255));
      out[1] = static_cast<uint8_t>(std::lround(gr * 255));
      out[2] = static_cast<uint8_t>(std::lround(b * 255));
    }
  });
  return image;
}

}  // namespace viscera
