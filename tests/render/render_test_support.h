// Helpers shared by the renderer tests: synthetic volumes sampled from a function of LPS
// position (so one phantom can be stored on any grid), the marker phantom, image measurements
// (centroids, extents, masks), a pinhole projection written independently of the renderer, and
// the shared abdomen loaded once.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <numbers>
#include <utility>
#include <vector>

#include "core/check.h"
#include "core/geometry.h"
#include "core/label_map.h"
#include "core/volume.h"
#include "io/volume_file.h"
#include "render/camera_control.h"
#include "render/image.h"
#include "render/presets.h"
#include "render/render_settings.h"
#include "render/render_volume.h"
#include "render/transfer_table.h"
#include "test_data.h"

namespace viscera::render_test {

// size voxels of `spacing` mm, index axes along L, P, S, the centre of the voxel box at LPS 0.
inline Geometry CenteredLpsGrid(const Index3& size, const Vec3& spacing) {
  Geometry g;
  g.size = size;
  g.spacing = spacing;
  for (int a = 0; a < 3; ++a) g.origin[a] = -(static_cast<double>(size[a]) - 1) * spacing[a] / 2;
  return g;
}

// The same voxel centres as `g`, stored with other index axes: new axis a runs along g's axis
// perm[a], reversed where flip[a] (diag(-1,-1,1) storage of an LPS grid is RAS order).
inline Geometry ReorderedGrid(const Geometry& g, const std::array<int, 3>& perm,
                              const std::array<bool, 3>& flip) {
  Geometry out;
  Vec3 corner{0, 0, 0};  // g's index of the new voxel (0,0,0)
  for (int a = 0; a < 3; ++a) {
    const int from = perm[static_cast<size_t>(a)];
    const bool reversed = flip[static_cast<size_t>(a)];
    out.size[a] = g.size[from];
    out.spacing[a] = g.spacing[from];
    for (int r = 0; r < 3; ++r)
      out.direction.m[r][a] = (reversed ? -1 : 1) * g.direction.m[r][from];
    if (reversed) corner[from] = static_cast<double>(g.size[from]) - 1;
  }
  out.origin = g.IndexToLpsPoint(corner);
  return out;
}

struct Phantom {
  HounsfieldVolume ct;
  Volume<uint16_t> labels;
};

struct Voxel {
  int16_t hu = -1000;
  uint16_t label = 0;
};

// Samples f(LPS position of each voxel centre) -> Voxel.
inline Phantom SamplePhantom(const Geometry& g, const std::function<Voxel(const Vec3&)>& f) {
  Phantom p{HounsfieldVolume(g), Volume<uint16_t>(g)};
  const Affine to_lps = g.IndexToLps();
  for (int64_t k = 0; k < g.size[2]; ++k) {
    for (int64_t j = 0; j < g.size[1]; ++j) {
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const Voxel v = f(
            to_lps.Apply({static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)}));
        p.ct.at(i, j, k) = v.hu;
        p.labels.at(i, j, k) = v.label;
      }
    }
  }
  return p;
}

inline std::shared_ptr<const RenderVolume> MakeRenderVolume(const Phantom& p, bool labels = true) {
  auto volume = RenderVolume::Create(p.ct, labels ? &p.labels : nullptr);
  EXPECT_TRUE(volume.ok()) << volume.error().ToString();
  return volume.value();
}

inline bool InBox(const Vec3& p, const Vec3& center, double half) {
  return std::abs(p[0] - center[0]) <= half && std::abs(p[1] - center[1]) <= half &&
         std::abs(p[2] - center[2]) <= half;
}

// The marker phantom: a soft-tissue body (40 HU) with three 1500 HU cubes, label 1 on the
// patient's left, 2 anterior, 3 superior, each off the other two axes.
constexpr uint16_t kLeftMarker = 1, kAnteriorMarker = 2, kSuperiorMarker = 3;
constexpr double kMarkerHalfMm = 6;
inline Vec3 MarkerCenter(uint16_t label) {
  switch (label) {
    case kLeftMarker:
      return {40, 0, 0};  // +x: the patient's left
    case kAnteriorMarker:
      return {0, -40, 0};  // -y: anterior
    default:
      return {0, 0, 40};  // +z: superior
  }
}
inline Voxel MarkerPhantomAt(const Vec3& p) {
  for (uint16_t label : {kLeftMarker, kAnteriorMarker, kSuperiorMarker}) {
    if (InBox(p, MarkerCenter(label), kMarkerHalfMm)) return {1500, label};
  }
  // The body stays clear of the markers (label-0 tissue touching a marker would colour its
  // border with label 0's components).
  if (std::abs(p[0]) <= 30 && std::abs(p[1]) <= 25 && std::abs(p[2]) <= 28) return {40, 0};
  return {-1000, 0};
}

// Markers drawn red (left), green (anterior), blue (superior) by the bone preset's organ
// components; the body (40 HU, label 0) stays invisible.
inline RenderSettings MarkerSettings() {
  RenderSettings s;
  const std::vector<uint16_t> labels{kLeftMarker, kAnteriorMarker, kSuperiorMarker};
  const Color colors[] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  for (size_t n = 0; n < labels.size(); ++n) {
    OrganStyle style;
    style.label = labels[n];
    style.has_color = true;
    style.color = colors[n];
    s.organs.push_back(style);
  }
  s.transfer_function =
      OrganTransferFunction(*PresetTransferFunction("bone"), labels, LabelColors(s));
  s.slice.label_opacity = 1;
  return s;
}

// 0, 1, 2 when that channel clearly dominates the pixel, else -1.
inline int DominantChannel(const uint8_t* p) {
  for (int c = 0; c < 3; ++c) {
    const int other = std::max(p[(c + 1) % 3], p[(c + 2) % 3]);
    if (p[c] >= 40 && p[c] > other + 30) return c;
  }
  return -1;
}

inline bool Lit(const uint8_t* p, int threshold = 1) {
  return std::max({p[0], p[1], p[2]}) >= threshold;
}

struct Centroid {
  double x = 0, y = 0;
  int64_t count = 0;
};

inline Centroid CentroidOf(const RgbImage& image, const std::function<bool(const uint8_t*)>& in) {
  Centroid c;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      if (!in(image.pixel(x, y))) continue;
      c.x += x;
      c.y += y;
      ++c.count;
    }
  }
  if (c.count > 0) {
    c.x /= static_cast<double>(c.count);
    c.y /= static_cast<double>(c.count);
  }
  return c;
}

// Bounding box of the pixels `in` accepts (width/height 0 when none).
struct Extent {
  int x0 = 1 << 30, y0 = 1 << 30, x1 = -1, y1 = -1;
  int width() const { return x1 >= x0 ? x1 - x0 + 1 : 0; }
  int height() const { return y1 >= y0 ? y1 - y0 + 1 : 0; }
};
inline Extent ExtentOf(const RgbImage& image, const std::function<bool(const uint8_t*)>& in) {
  Extent e;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      if (!in(image.pixel(x, y))) continue;
      e.x0 = std::min(e.x0, x), e.x1 = std::max(e.x1, x);
      e.y0 = std::min(e.y0, y), e.y1 = std::max(e.y1, y);
    }
  }
  return e;
}

// A per-pixel mask (row-major, 1 = set) and its dilation by a square of radius r.
inline std::vector<uint8_t> MaskOf(const RgbImage& image,
                                   const std::function<bool(const uint8_t*)>& in) {
  std::vector<uint8_t> mask(static_cast<size_t>(image.width) * image.height, 0);
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      mask[static_cast<size_t>(y) * image.width + x] = in(image.pixel(x, y)) ? 1 : 0;
    }
  }
  return mask;
}
inline std::vector<uint8_t> Dilate(const std::vector<uint8_t>& mask, int width, int height, int r) {
  std::vector<uint8_t> out(mask.size(), 0);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      if (!mask[static_cast<size_t>(y) * width + x]) continue;
      for (int yy = std::max(0, y - r); yy <= std::min(height - 1, y + r); ++yy) {
        for (int xx = std::max(0, x - r); xx <= std::min(width - 1, x + r); ++xx) {
          out[static_cast<size_t>(yy) * width + xx] = 1;
        }
      }
    }
  }
  return out;
}

inline bool SamePixel(const RgbImage& a, const RgbImage& b, int x, int y) {
  const uint8_t *p = a.pixel(x, y), *q = b.pixel(x, y);
  return p[0] == q[0] && p[1] == q[1] && p[2] == q[2];
}

// Where an LPS point lands in a width x height frame of `camera`, in pixel-centre coordinates
// (pixel (x, y) covers [x - 0.5, x + 0.5]): a plain pinhole, vertical field of view, square
// pixels, written from the camera's definition rather than taken from the renderer.
inline std::array<double, 2> Project(const Camera& camera, int width, int height, const Vec3& p) {
  auto sub = [](const Vec3& a, const Vec3& b) {
    return Vec3{a[0] - b[0], a[1] - b[1], a[2] - b[2]};
  };
  auto dot = [](const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; };
  auto cross = [](const Vec3& a, const Vec3& b) {
    return Vec3{a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
  };
  auto unit = [&](const Vec3& a) {
    const double n = std::sqrt(dot(a, a));
    return Vec3{a[0] / n, a[1] / n, a[2] / n};
  };
  const Vec3 forward = unit(sub(camera.look_at, camera.eye));
  const Vec3 right = unit(cross(forward, camera.up));
  const Vec3 up = cross(right, forward);
  const Vec3 d = sub(p, camera.eye);
  const double depth = dot(d, forward);
  const double t = std::tan(camera.field_of_view_deg / 2 * std::numbers::pi / 180);
  const double sx = dot(d, right) / depth / (t * width / height);
  const double sy = dot(d, up) / depth / t;
  return {(sx + 1) / 2 * width - 0.5, (1 - sy) / 2 * height - 0.5};
}

// The shared abdomen (TotalSegmentator example, 3 mm, RAS storage) with its labels, loaded once.
struct Abdomen {
  HounsfieldVolume ct;
  Volume<uint16_t> labels;
  std::shared_ptr<const RenderVolume> volume;
};
inline const Abdomen& SharedAbdomen() {
  static const Abdomen* abdomen = [] {
    auto* a = new Abdomen;
    const auto dir = testing::SharedData("totalseg-example");
    auto ct_file = ReadVolume(dir / "example_ct.nii.gz");
    VISCERA_CHECK(ct_file.ok(), "abdomen CT: " + ct_file.error().ToString());
    auto ct = ToHounsfield(ct_file->volume, "example_ct.nii.gz");
    VISCERA_CHECK(ct.ok(), "abdomen CT: " + ct.error().ToString());
    a->ct = std::move(ct).value();
    auto seg_file = ReadVolume(dir / "example_seg_fast_force_split.nii.gz");
    VISCERA_CHECK(seg_file.ok(), "abdomen labels: " + seg_file.error().ToString());
    auto map = LabelMap::Create(a->ct.geometry(), seg_file->volume, LabelTable{});
    VISCERA_CHECK(map.ok(), "abdomen labels: " + map.error().ToString());
    a->labels = std::move(map->labels);
    auto volume = RenderVolume::Create(a->ct, &a->labels);
    VISCERA_CHECK(volume.ok(), "abdomen render volume: " + volume.error().ToString());
    a->volume = volume.value();
    return a;
  }();
  return *abdomen;
}

constexpr uint16_t kFirstRib = 92, kLastRib = 115;
inline bool IsRib(int label) {
  return label >= kFirstRib && label <= kLastRib;
}

// The CLI's default look for a labelled volume: a preset on label 0 plus one component per
// organ in its palette colour, seen from `view`.
inline RenderSettings OrganSettings(const RenderVolume& volume, const char* preset,
                                    AnatomicalView view) {
  RenderSettings s;
  s.camera = AnatomicalCamera(volume, view);
  s.transfer_function = OrganTransferFunction(*PresetTransferFunction(preset),
                                              volume.present_labels(), LabelColors(s));
  return s;
}

}  // namespace viscera::render_test
