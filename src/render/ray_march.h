// The ray marcher, written once and compiled for the CPU renderer and the CUDA kernel. Plain data
// in (FrameParams: what the host prepared for one frame), one pixel's colour out. Rays march in
// the volume's continuous index space with a fixed step in millimetres, so anisotropic voxels
// and oblique grids need no resampling.
#pragma once

#include "render/render_math.h"

namespace viscera {

// Transfer-function tables: per table, kHuBins entries over [kHuMin, kHuMin + kHuBins*kHuBinWidth).
constexpr int kHuBins = 1024;
constexpr float kHuMin = -1024.0f;
constexpr float kHuBinWidth = 4.0f;
// Voxels are stored in bricks of 8^3. Empty space is skipped by blocks of 4^3 cells: each block
// has an occupancy code (from its min/max HU and its brick's labels) and, when empty, its
// chessboard distance in blocks to the nearest occupied one, so a ray leaps over the whole cube
// of blocks known to be empty around it (distance-map space leaping).
constexpr int kBrickShift = 3;
constexpr int kBlockShift = 2;
constexpr int kBlockSize = 1 << kBlockShift;
constexpr int kBrickSize = 1 << kBrickShift;
constexpr int kBrickVoxels = kBrickSize * kBrickSize * kBrickSize;
constexpr int kMaxLights = 4;
// Early ray termination: what lies behind 98% opacity changes a pixel by at most 2%.
constexpr float kOpaque = 0.98f;

// What one HU bin of one label's table looks like, baked for the current step length.
struct TfEntry {
  float r = 0, g = 0, b = 0;
  float alpha = 0;  // opacity of one step
  float er = 0, eg = 0, eb = 0;
  float specular = 0;  // 0..1 weight of the specular highlight
  float shininess = 1;
  float pad[3] = {0, 0, 0};
};

enum class MarchMode : int { kComposite = 0, kMaximumIntensity = 1 };

// Block codes of the occupancy grid (RenderVolume::ComputeOccupancy).
constexpr uint16_t kBrickEmpty = 0;
constexpr uint16_t kBrickMixed = 0xFFFF;

// Pointers valid on the device the marcher runs on. Voxels are bricked (RenderVolume): voxel
// (i, j, k) is at brick (i>>3, j>>3, k>>3), offset (k&7)*64 + (j&7)*8 + (i&7) inside it.
struct VolumeView {
  const int16_t* hu = nullptr;
  const uint8_t* labels = nullptr;  // null: every voxel label 0
  int nx = 0, ny = 0, nz = 0;
  int bx = 0, by = 0, bz = 0;               // storage bricks per axis
  const uint16_t* block_code = nullptr;     // per block: kBrickEmpty, kBrickMixed or 1 + table
  int kx = 0, ky = 0, kz = 0;               // blocks per axis
  const uint8_t* block_distance = nullptr;  // per empty block: distance to occupancy (>= 1)
  const uint16_t* label_table = nullptr;    // 256 entries: label -> table index
  const uint8_t* label_visible = nullptr;   // 256 entries: 1 if drawn
  const TfEntry* tables = nullptr;          // table t starts at tables[t * kHuBins]
  const float* alphas = nullptr;            // the tables' alpha, packed
};

struct FrameParams {
  int width = 0, height = 0;  // of the image being marched (may be below the output's)
  MarchMode mode = MarchMode::kComposite;
  // Camera in LPS, and the map from LPS offsets to index offsets (inverse of direction*spacing).
  Float3 eye_lps, forward, right, up;
  float tan_half_fov = 0.27f, aspect = 1;
  Float3 origin_lps;      // LPS of voxel (0,0,0)
  Float3x3 lps_to_index;  // index offset = lps_to_index * LPS offset
  float step_mm = 1;
  Float3 box_lo, box_hi;  // crop box in continuous index coordinates
  int clip_enable = 0;
  Float3 clip_normal_index;  // voxels with dot(clip_normal_index, p) + clip_offset > 0 are cut
  float clip_offset = 0;
  // Lights: unit vectors toward each light (LPS) and colour*intensity.
  int light_count = 0;
  Float3 light_to[kMaxLights];
  Float3 light_color[kMaxLights];
  Float3 ambient;  // background light colour * intensity * ambient weight
  Float3 background;
  float surface_scale = 1;  // |opacity gradient| (per mm) -> surface weight k|g| / (1 + k|g|)
  int shadows = 0;
  float shadow_step_mm = 2;
  // Offset each pixel's samples by a hash (turns the rings thin plates show on the step lattice
  // into fine noise); off for drafts, where low resolution magnifies the noise.
  int jitter = 1;
  float window_lo = -160, window_hi = 240;  // MIP grey window (HU)
};

struct PixelColor {
  float r = 0, g = 0, b = 0, a = 0;
};

namespace march {

struct Cell {
  float fx, fy, fz;  // fractions inside the cell
  // Addresses split by axis: corner (a, b, c) is at x[a] + y[b] + z[c].
  int64_t x[2], y[2], z[2];
  VISCERA_HD int64_t Corner(int n) const { return x[n & 1] + y[(n >> 1) & 1] + z[(n >> 2) & 1]; }
};

// The bricked address contributions of index i along an axis whose bricks are `stride` voxels
// apart.
VISCERA_HD inline int64_t AxisAddress(int i, int64_t stride, int shift) {
  return (i >> kBrickShift) * stride + ((i & (kBrickSize - 1)) << shift);
}

VISCERA_HD inline Cell Locate(const VolumeView& v, Float3 p) {
  Cell c;
  const float x = Clamp(p.x, 0.0f, static_cast<float>(v.nx - 1));
  const float y = Clamp(p.y, 0.0f, static_cast<float>(v.ny - 1));
  const float z = Clamp(p.z, 0.0f, static_cast<float>(v.nz - 1));
  const int i = static_cast<int>(x) < v.nx - 1 ? static_cast<int>(x) : v.nx - 2;
  const int j = static_cast<int>(y) < v.ny - 1 ? static_cast<int>(y) : v.ny - 2;
  const int k = static_cast<int>(z) < v.nz - 1 ? static_cast<int>(z) : v.nz - 2;
  c.fx = x - static_cast<float>(i);
  c.fy = y - static_cast<float>(j);
  c.fz = z - static_cast<float>(k);
  const int64_t sx = kBrickVoxels, sy = sx * v.bx, sz = sy * v.by;
  c.x[0] = AxisAddress(i, sx, 0);
  c.x[1] = AxisAddress(i + 1, sx, 0);
  c.y[0] = AxisAddress(j, sy, kBrickShift);
  c.y[1] = AxisAddress(j + 1, sy, kBrickShift);
  c.z[0] = AxisAddress(k, sz, 2 * kBrickShift);
  c.z[1] = AxisAddress(k + 1, sz, 2 * kBrickShift);
  return c;
}

// The voxel nearest to p (for shadow rays and MIP label checks).
VISCERA_HD inline int64_t NearestAddress(const VolumeView& v, Float3 p) {
  const int i = static_cast<int>(Clamp(p.x + 0.5f, 0.0f, static_cast<float>(v.nx - 1)));
  const int j = static_cast<int>(Clamp(p.y + 0.5f, 0.0f, static_cast<float>(v.ny - 1)));
  const int k = static_cast<int>(Clamp(p.z + 0.5f, 0.0f, static_cast<float>(v.nz - 1)));
  const int64_t sx = kBrickVoxels, sy = sx * v.bx, sz = sy * v.by;
  return AxisAddress(i, sx, 0) + AxisAddress(j, sy, kBrickShift) +
         AxisAddress(k, sz, 2 * kBrickShift);
}

VISCERA_HD inline float Lerp(float a, float b, float t) {
  return a + (b - a) * t;
}

VISCERA_HD inline int Bin(float hu) {
  const int bin = static_cast<int>((hu - kHuMin) * (1.0f / kHuBinWidth));
  return bin < 0 ? 0 : (bin >= kHuBins ? kHuBins - 1 : bin);
}

VISCERA_HD inline void Accumulate(TfEntry& sum, const TfEntry& e, float w) {
  sum.r += e.r * w;
  sum.g += e.g * w;
  sum.b += e.b * w;
  sum.alpha += e.alpha * w;
  sum.er += e.er * w;
  sum.eg += e.eg * w;
  sum.eb += e.eb * w;
  sum.specular += e.specular * w;
  sum.shininess += e.shininess * w;
}

// The eight corners of a sample's cell: HU and the table each corner's label selects.
struct Corners {
  Cell cell;
  float hu[8];
  int table[8];
  bool uniform;  // one table for all eight
  float value;   // trilinear HU at the sample
};

VISCERA_HD inline float Trilinear(const float c[8], const Cell& cell) {
  const float x00 = Lerp(c[0], c[1], cell.fx), x10 = Lerp(c[2], c[3], cell.fx);
  const float x01 = Lerp(c[4], c[5], cell.fx), x11 = Lerp(c[6], c[7], cell.fx);
  return Lerp(Lerp(x00, x10, cell.fy), Lerp(x01, x11, cell.fy), cell.fz);
}

// uniform_table >= 0: the brick's one table (labels not read).
VISCERA_HD inline Corners Fetch(const VolumeView& v, Float3 p, int uniform_table) {
  Corners c;
  c.cell = Locate(v, p);
  int64_t at[8];
  for (int n = 0; n < 8; ++n) at[n] = c.cell.Corner(n);
  for (int n = 0; n < 8; ++n) c.hu[n] = v.hu[at[n]];
  c.value = Trilinear(c.hu, c.cell);
  c.uniform = true;
  if (uniform_table >= 0 || v.labels == nullptr) {
    const int t = uniform_table >= 0 ? uniform_table : v.label_table[0];
    for (int n = 0; n < 8; ++n) c.table[n] = t;
    return c;
  }
  for (int n = 0; n < 8; ++n) {
    c.table[n] = v.label_table[v.labels[at[n]]];
    c.uniform = c.uniform && c.table[n] == c.table[0];
  }
  return c;
}

// The transfer function at the sample: label-aware (each corner's own table, weighted by the
// trilinear weights, at the interpolated HU), so colours never bleed across organ borders and
// hidden organs fade out over one voxel instead of a staircase.
VISCERA_HD inline TfEntry Classify(const VolumeView& v, const Corners& c) {
  if (c.uniform) return v.tables[c.table[0] * kHuBins + Bin(c.value)];
  // Corners grouped by table; each table is evaluated at the HU of its own corners only, so the
  // dense voxels of one organ never lend another tissue's table their HU (no bone-coloured shell
  // around a hidden dense organ).
  const float wx[2] = {1 - c.cell.fx, c.cell.fx}, wy[2] = {1 - c.cell.fy, c.cell.fy};
  const float wz[2] = {1 - c.cell.fz, c.cell.fz};
  int group_table[8];
  float group_w[8], group_wh[8];
  int groups = 0;
  for (int n = 0; n < 8; ++n) {
    const float w = wx[n & 1] * wy[(n >> 1) & 1] * wz[(n >> 2) & 1];
    int g = 0;
    while (g < groups && group_table[g] != c.table[n]) ++g;
    if (g == groups) {
      group_table[g] = c.table[n];
      group_w[g] = 0;
      group_wh[g] = 0;
      ++groups;
    }
    group_w[g] += w;
    group_wh[g] += w * c.hu[n];
  }
  TfEntry sum;
  sum.shininess = 0;
  for (int g = 0; g < groups; ++g) {
    if (group_w[g] <= 0 || group_table[g] == 0) continue;  // table 0: hidden, draws nothing
    Accumulate(sum, v.tables[group_table[g] * kHuBins + Bin(group_wh[g] / group_w[g])], group_w[g]);
  }
  return sum;
}

// HU of a sample from its visible corners only (MIP with hidden organs); false when none is.
VISCERA_HD inline bool VisibleValue(const VolumeView& v, const Corners& c, float* value) {
  const float wx[2] = {1 - c.cell.fx, c.cell.fx}, wy[2] = {1 - c.cell.fy, c.cell.fy};
  const float wz[2] = {1 - c.cell.fz, c.cell.fz};
  float w_sum = 0, wh_sum = 0;
  for (int n = 0; n < 8; ++n) {
    if (!v.label_visible[v.labels[c.cell.Corner(n)]]) continue;
    const float w = wx[n & 1] * wy[(n >> 1) & 1] * wz[(n >> 2) & 1];
    w_sum += w;
    wh_sum += w * c.hu[n];
  }
  if (w_sum <= 0) return false;
  *value = wh_sum / w_sum;
  return true;
}

// Gradient (index space) of the opacity field: corners' own opacity, trilinear. Normals from
// opacity, not HU, follow what is drawn: organ borders from labels, bone from its HU ramp,
// and not the noise inside homogeneous tissue.
VISCERA_HD inline Float3 OpacityGradient(const VolumeView& v, const Corners& c) {
  float a[8];
  for (int n = 0; n < 8; ++n) a[n] = v.alphas[c.table[n] * kHuBins + Bin(c.hu[n])];
  const Cell& cell = c.cell;
  Float3 g;
  g.x = Lerp(Lerp(a[1] - a[0], a[3] - a[2], cell.fy), Lerp(a[5] - a[4], a[7] - a[6], cell.fy),
             cell.fz);
  const float x00 = Lerp(a[0], a[1], cell.fx), x10 = Lerp(a[2], a[3], cell.fx);
  const float x01 = Lerp(a[4], a[5], cell.fx), x11 = Lerp(a[6], a[7], cell.fx);
  g.y = Lerp(x10 - x00, x11 - x01, cell.fz);
  g.z = Lerp(x01, x11, cell.fy) - Lerp(x00, x10, cell.fy);
  return g;
}

// HU at a point, trilinear (for gradients).
VISCERA_HD inline float HuAt(const VolumeView& v, Float3 p) {
  const Cell c = Locate(v, p);
  float h[8];
  for (int n = 0; n < 8; ++n) h[n] = v.hu[c.Corner(n)];
  return Trilinear(h, c);
}

// Central differences of HU one voxel each way (index space): smoother than a cell's own
// derivative, which follows the noise of single voxels.
VISCERA_HD inline Float3 HuGradient(const VolumeView& v, Float3 p) {
  return {0.5f * (HuAt(v, {p.x + 1, p.y, p.z}) - HuAt(v, {p.x - 1, p.y, p.z})),
          0.5f * (HuAt(v, {p.x, p.y + 1, p.z}) - HuAt(v, {p.x, p.y - 1, p.z})),
          0.5f * (HuAt(v, {p.x, p.y, p.z + 1}) - HuAt(v, {p.x, p.y, p.z - 1}))};
}

// Schlick's approximation of x^n: no powf in the inner loop.
VISCERA_HD inline float FastPow(float x, float n) {
  return x / (n - n * x + x);
}

// Transmittance toward a light, for soft shadows: coarse steps, nearest label.
VISCERA_HD inline float Transmittance(const VolumeView& v, const FrameParams& f, Float3 p,
                                      Float3 dir_index, float step_ratio) {
  float transmit = 1;
  for (int n = 1; n <= 48 && transmit > 0.05f; ++n) {
    const Float3 q = p + dir_index * (f.shadow_step_mm * static_cast<float>(n));
    if (q.x < f.box_lo.x || q.y < f.box_lo.y || q.z < f.box_lo.z || q.x > f.box_hi.x ||
        q.y > f.box_hi.y || q.z > f.box_hi.z) {
      break;
    }
    const int64_t at = NearestAddress(v, q);
    const int label = v.labels ? v.labels[at] : 0;
    const float a = v.alphas[v.label_table[label] * kHuBins + Bin(v.hu[at])];
    // One shadow step spans step_ratio marching steps: 1 - (1 - a)^ratio.
    transmit *= powf(1 - Min(a, 0.999f), step_ratio);
  }
  return transmit;
}

VISCERA_HD inline bool IntersectBox(const FrameParams& f, Float3 o, Float3 d, float& t0,
                                    float& t1) {
  const float lo[3] = {f.box_lo.x, f.box_lo.y, f.box_lo.z};
  const float hi[3] = {f.box_hi.x, f.box_hi.y, f.box_hi.z};
  const float oo[3] = {o.x, o.y, o.z}, dd[3] = {d.x, d.y, d.z};
  t0 = 0;
  t1 = 1e30f;
  for (int a = 0; a < 3; ++a) {
    if (fabsf(dd[a]) < 1e-12f) {
      if (oo[a] < lo[a] || oo[a] > hi[a]) return false;
      continue;
    }
    float ta = (lo[a] - oo[a]) / dd[a], tb = (hi[a] - oo[a]) / dd[a];
    if (ta > tb) {
      const float tmp = ta;
      ta = tb;
      tb = tmp;
    }
    t0 = Max(t0, ta);
    t1 = Min(t1, tb);
  }
  if (f.clip_enable) {
    // Keep dot(n, o + t d) + offset <= 0.
    const float a = Dot(f.clip_normal_index, o) + f.clip_offset;
    const float b = Dot(f.clip_normal_index, d);
    if (fabsf(b) < 1e-12f) {
      if (a > 0) return false;
    } else if (b > 0) {
      t1 = Min(t1, -a / b);
    } else {
      t0 = Max(t0, -a / b);
    }
  }
  return t0 < t1;
}

// Per-ray constants of the shading.
struct RayShading {
  Float3 view;                     // toward the eye
  Float3 half_vector[kMaxLights];  // Blinn-Phong half vectors, constant along the ray
  Float3 flat;                     // light on an unshaded sample: ambient + half of each light
};

// `weight`: how much this sample adds to the pixel ((1 - accumulated opacity) * alpha).
VISCERA_HD inline Float3 Shade(const VolumeView& v, const FrameParams& f, const RayShading& rs,
                               const Corners& c, const TfEntry& e, Float3 p, float weight) {
  const Float3 base{e.r, e.g, e.b};
  const Float3 emissive{e.er, e.eg, e.eb};
  const Float3 flat = rs.flat;
  // Faint samples, or samples deep behind what is already drawn: shading would not show.
  if (e.alpha < 0.02f || weight < 0.004f) return base * flat + emissive;
  // How surface-like: the opacity gradient. Which way the surface faces: inside one tissue
  // class the HU gradient (central differences, smooth); across label borders the opacity's.
  const Float3 g = TransposeTimes(f.lps_to_index, OpacityGradient(v, c));
  const float gmag = Length(g);
  if (gmag <= 0) return base * flat + emissive;
  Float3 n = g * (-1.0f / gmag);
  if (c.uniform) {
    const Float3 hg = TransposeTimes(f.lps_to_index, HuGradient(v, p));
    const float hmag = Length(hg);
    if (hmag > 0) n = hg * (-1.0f / hmag);
  }
  if (Dot(n, rs.view) < 0) n = n * -1.0f;  // two-sided: facing the viewer
  const float k = f.surface_scale * gmag;
  const float surface = k / (1 + k);
  float shadow = 1;
  if (f.shadows && f.light_count > 0) {
    shadow = Transmittance(v, f, p, f.lps_to_index * f.light_to[0], f.shadow_step_mm / f.step_mm);
  }
  Float3 lit = f.ambient * base;
  for (int l = 0; l < f.light_count; ++l) {
    const Float3 lc = f.light_color[l] * (l == 0 ? shadow : 1.0f);
    const float diffuse = Max(Dot(n, f.light_to[l]), 0);
    const float spec = e.specular * FastPow(Max(Dot(n, rs.half_vector[l]), 0), e.shininess);
    lit = lit + (base * diffuse + Float3{spec, spec, spec}) * lc;
  }
  const Float3 unlit = base * flat;
  return unlit + (lit - unlit) * surface + emissive;
}

}  // namespace march

#ifdef VISCERA_MARCH_STATS
struct MarchStats {
  long long bricks = 0, samples = 0, shaded = 0, rays = 0;
};
inline thread_local MarchStats march_stats;
#endif

// The colour of pixel (px, py) of the frame, composited over the background.
VISCERA_HD inline PixelColor MarchPixel(const VolumeView& v, const FrameParams& f, int px, int py) {
  using namespace march;
  const float sx = ((static_cast<float>(px) + 0.5f) / static_cast<float>(f.width) * 2 - 1) *
                   f.tan_half_fov * f.aspect;
  const float sy =
      (1 - (static_cast<float>(py) + 0.5f) / static_cast<float>(f.height) * 2) * f.tan_half_fov;
  const Float3 dir = Normalize(f.forward + f.right * sx + f.up * sy);
  const Float3 o = f.lps_to_index * (f.eye_lps - f.origin_lps);
  const Float3 d = f.lps_to_index * dir;  // index units per mm
  PixelColor out;
  out.r = f.background.x;
  out.g = f.background.y;
  out.b = f.background.z;
  float t0, t1;
  if (!IntersectBox(f, o, d, t0, t1)) return out;
#ifdef VISCERA_MARCH_STATS
  ++march_stats.rays;
#endif
  const float step = f.step_mm;
  // Start on a step lattice fixed in space (samples do not crawl as the box edge moves), offset
  // per pixel by a hash in [0, 1): thin plates otherwise show the lattice as concentric rings.
  uint32_t h = static_cast<uint32_t>(px) * 0x8da6b343u ^ static_cast<uint32_t>(py) * 0xd8163841u;
  h ^= h >> 15;
  h *= 0x2c1b3c6du;
  h ^= h >> 12;
  const float jitter = f.jitter ? static_cast<float>(h >> 8) * (1.0f / 16777216.0f) : 0.5f;
  float t = (ceilf(t0 / step - jitter) + jitter) * step;

  if (f.mode == MarchMode::kMaximumIntensity) {
    float best = -1e30f;
    for (; t <= t1; t += step) {
      const Corners c = Fetch(v, o + d * t, 0);
      float value = c.value;
      if (v.labels && !VisibleValue(v, c, &value)) continue;
      best = Max(best, value);
    }
    const float g =
        best <= -1e29f ? 0 : Clamp((best - f.window_lo) / (f.window_hi - f.window_lo), 0, 1);
    out.r = out.g = out.b = g;
    out.a = 1;
    return out;
  }

  RayShading rs;
  rs.view = dir * -1.0f;
  rs.flat = f.ambient;
  for (int l = 0; l < f.light_count; ++l) {
    rs.half_vector[l] = Normalize(f.light_to[l] + rs.view);
    rs.flat = rs.flat + f.light_color[l] * 0.5f;
  }
  // Per-axis inverse direction for the cell exits (huge where the ray is parallel).
  const float inv[3] = {fabsf(d.x) > 1e-12f ? 1 / d.x : 1e30f,
                        fabsf(d.y) > 1e-12f ? 1 / d.y : 1e30f,
                        fabsf(d.z) > 1e-12f ? 1 / d.z : 1e30f};
  const float maxc[3] = {static_cast<float>(v.nx - 1), static_cast<float>(v.ny - 1),
                         static_cast<float>(v.nz - 1)};
  float acc_r = 0, acc_g = 0, acc_b = 0, acc_a = 0;
  // Block by block: empty space is leapt over, blocks of one table are sampled without reading
  // labels.
  while (t <= t1 && acc_a <= kOpaque) {
    const Float3 p = o + d * t;
    const float pa[3] = {p.x, p.y, p.z};
    int cell[3];
    for (int a = 0; a < 3; ++a) cell[a] = static_cast<int>(Clamp(pa[a], 0, maxc[a]));
    const int k[3] = {cell[0] >> kBlockShift, cell[1] >> kBlockShift, cell[2] >> kBlockShift};
    const int block = k[0] + v.kx * (k[1] + v.ky * k[2]);
    const uint16_t code = v.block_code[block];
#ifdef VISCERA_MARCH_STATS
    ++march_stats.bricks;
#endif
    // Where the ray leaves the cube of blocks within `reach` - 1 of this one: the block itself for
    // an occupied block; for an empty one every block nearer than its distance is empty too.
    const int reach = code == kBrickEmpty ? v.block_distance[block] : 1;
    float exit = t1;
    for (int a = 0; a < 3; ++a) {
      const int face = (inv[a] > 0 ? k[a] + reach : k[a] - reach + 1) * kBlockSize;
      exit = Min(exit, t + (static_cast<float>(face) - pa[a]) * inv[a]);
    }
    if (code == kBrickEmpty) {
      t = Max(t + step, ceilf(exit / step - jitter) * step + jitter * step);
      continue;
    }
    const int uniform = code == kBrickMixed ? -1 : code - 1;
    // At least one sample: the one at t lies in this brick even when exit == t.
    do {
      const Float3 q = o + d * t;
      const Corners c = Fetch(v, q, uniform);
      const TfEntry e = Classify(v, c);
#ifdef VISCERA_MARCH_STATS
      ++march_stats.samples;
      if (e.alpha > 1e-4f) ++march_stats.shaded;
#endif
      if (e.alpha > 1e-4f) {
        const float w = (1 - acc_a) * e.alpha;
        const Float3 color = Shade(v, f, rs, c, e, q, w);
        acc_r += w * color.x;
        acc_g += w * color.y;
        acc_b += w * color.z;
        acc_a += w;
        if (acc_a > kOpaque) break;  // early ray termination
      }
      t += step;
    } while (t < exit && t <= t1);
  }
  out.r = acc_r + (1 - acc_a) * f.background.x;
  out.g = acc_g + (1 - acc_a) * f.background.y;
  out.b = acc_b + (1 - acc_a) * f.background.z;
  out.a = acc_a;
  return out;
}

}  // namespace viscera
