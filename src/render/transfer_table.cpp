#include "render/transfer_table.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <tuple>

namespace viscera {
namespace {

const OrganStyle* FindStyle(const std::vector<OrganStyle>& organs, int label) {
  for (const OrganStyle& s : organs) {
    if (s.label == label) return &s;
  }
  return nullptr;
}

bool Applies(const TransferComponent& c, int label) {
  return c.active_regions.empty() || std::find(c.active_regions.begin(), c.active_regions.end(),
                                               label) != c.active_regions.end();
}

float Mix(float a, float b, double t) {
  return static_cast<float>(a + (b - a) * t);
}

double SmoothStep(double edge, double x) {
  if (edge <= 0) return x >= 0 ? 1 : 0;
  const double t = std::clamp(x / edge, 0.0, 1.0);
  return t * t * (3 - 2 * t);
}

// Everything that decides a label's table: which components apply and the organ's overrides.
struct TableKey {
  std::vector<int> components;
  bool has_color = false;
  float r = 0, g = 0, b = 0;
  double opacity_scale = 1;
  bool operator<(const TableKey& o) const {
    return std::tie(components, has_color, r, g, b, opacity_scale) <
           std::tie(o.components, o.has_color, o.r, o.g, o.b, o.opacity_scale);
  }
};

// Material of one component at one HU, before blending.
struct Material {
  double opacity = 0;
  Color diffuse, emissive;
  double specular = 0, shininess = 1;
};

Material Evaluate(const TransferComponent& c, const TableKey& key, double global_opacity,
                  double hu) {
  Material m;
  const double w = ProfileWeight(c, hu);
  if (w <= 0) return m;
  const double t = c.max_hu > c.min_hu ? (hu - c.min_hu) / (c.max_hu - c.min_hu) : 0.5;
  m.opacity = std::clamp(w * c.opacity * global_opacity * key.opacity_scale, 0.0, 1.0);
  if (key.has_color) {
    m.diffuse = {key.r, key.g, key.b};
  } else {
    m.diffuse = {Mix(c.diffuse_start.r, c.diffuse_end.r, t),
                 Mix(c.diffuse_start.g, c.diffuse_end.g, t),
                 Mix(c.diffuse_start.b, c.diffuse_end.b, t)};
  }
  const float strength = static_cast<float>(c.emissive_strength);
  m.emissive = {Mix(c.emissive_start.r, c.emissive_end.r, t) * strength,
                Mix(c.emissive_start.g, c.emissive_end.g, t) * strength,
                Mix(c.emissive_start.b, c.emissive_end.b, t) * strength};
  // Clara's roughness 0..100: glossy to matte. Specular colour's mean sets the highlight's weight.
  const double rough = std::clamp(c.roughness / 100.0, 0.0, 1.0);
  const double spec_colour =
      (Mix(c.specular_start.r, c.specular_end.r, t) + Mix(c.specular_start.g, c.specular_end.g, t) +
       Mix(c.specular_start.b, c.specular_end.b, t)) /
      3.0;
  m.specular = 0.6 * (1 - rough) * spec_colour;
  m.shininess = 4 + 120 * (1 - rough) * (1 - rough);
  return m;
}

}  // namespace

double ProfileWeight(const TransferComponent& c, double hu) {
  if (hu < c.min_hu || hu > c.max_hu) return 0;
  const double width = c.max_hu - c.min_hu;
  const double t = width > 0 ? (hu - c.min_hu) / width : 0.5;
  switch (c.profile) {
    case OpacityProfile::kSquare:
      if (c.transition_hu <= 0) return 1;
      return SmoothStep(c.transition_hu, hu - c.min_hu) *
             SmoothStep(c.transition_hu, c.max_hu - hu);
    case OpacityProfile::kTriangle:
      return 1 - std::abs(2 * t - 1);
    case OpacityProfile::kSine:
      return std::sin(std::numbers::pi * t);
    case OpacityProfile::kTrapezoid:
      if (c.transition_hu <= 0) return 1;
      return std::clamp(std::min(hu - c.min_hu, c.max_hu - hu) / c.transition_hu, 0.0, 1.0);
  }
  return 0;
}

bool BakedTransferFunction::AnyVisible(int label, float lo_hu, float hi_hu) const {
  return TableVisible(label_table[static_cast<size_t>(label)], lo_hu, hi_hu);
}

bool BakedTransferFunction::TableVisible(int table, float lo_hu, float hi_hu) const {
  if (table == 0) return false;
  auto bin = [](float hu) {
    return std::clamp(static_cast<int>((hu - kHuMin) / kHuBinWidth), 0, kHuBins - 1);
  };
  const uint32_t* prefix = visible_prefix.data() + static_cast<size_t>(table) * (kHuBins + 1);
  return prefix[bin(hi_hu) + 1] - prefix[bin(lo_hu)] > 0;
}

BakedTransferFunction BakeTransferFunction(const TransferFunction& tf,
                                           const std::vector<OrganStyle>& organs, float step_mm,
                                           float largest_extent_mm) {
  BakedTransferFunction baked;
  baked.tables.assign(kHuBins, TfEntry{});  // table 0: nothing
  std::map<TableKey, uint16_t> table_of;
  std::vector<TableKey> keys{TableKey{}};
  for (int label = 0; label <= kMaxRenderLabel; ++label) {
    const OrganStyle* style = FindStyle(organs, label);
    const bool hidden = (style && !style->visible) ||
                        std::find(tf.hidden_regions.begin(), tf.hidden_regions.end(), label) !=
                            tf.hidden_regions.end();
    TableKey key;
    for (size_t c = 0; c < tf.components.size(); ++c) {
      if (Applies(tf.components[c], label)) key.components.push_back(static_cast<int>(c));
    }
    if (style) {
      key.has_color = style->has_color;
      key.r = style->color.r, key.g = style->color.g, key.b = style->color.b;
      key.opacity_scale = style->opacity_scale;
    }
    if (hidden || key.components.empty() || key.opacity_scale <= 0) {
      baked.label_table[static_cast<size_t>(label)] = 0;
      baked.label_visible[static_cast<size_t>(label)] = hidden ? 0 : 1;
      continue;
    }
    baked.label_visible[static_cast<size_t>(label)] = 1;
    auto [it, inserted] = table_of.emplace(key, static_cast<uint16_t>(keys.size()));
    if (inserted) keys.push_back(key);
    baked.label_table[static_cast<size_t>(label)] = it->second;
  }

  // Extinction per mm for opacity 1, from Clara's per-largest-extent density scale.
  const double sigma_unit = tf.density_scale / std::max(1e-3f, largest_extent_mm);
  baked.tables.resize(keys.size() * kHuBins);
  baked.visible_prefix.assign(keys.size() * (kHuBins + 1), 0);
  for (size_t t = 1; t < keys.size(); ++t) {
    const TableKey& key = keys[t];
    uint32_t* prefix = baked.visible_prefix.data() + t * (kHuBins + 1);
    for (int bin = 0; bin < kHuBins; ++bin) {
      const double hu = kHuMin + (bin + 0.5) * kHuBinWidth;
      Material m;
      if (tf.blending == BlendingProfile::kMaximumOpacity) {
        for (int c : key.components) {
          Material candidate =
              Evaluate(tf.components[static_cast<size_t>(c)], key, tf.global_opacity, hu);
          if (candidate.opacity > m.opacity) m = candidate;
        }
      } else {
        // Opacity-weighted mix; opacities combine as independent absorbers.
        double transmit = 1, weight = 0;
        Material sum;
        for (int c : key.components) {
          Material x = Evaluate(tf.components[static_cast<size_t>(c)], key, tf.global_opacity, hu);
          if (x.opacity <= 0) continue;
          transmit *= 1 - x.opacity;
          weight += x.opacity;
          const float w = static_cast<float>(x.opacity);
          sum.diffuse = {sum.diffuse.r + x.diffuse.r * w, sum.diffuse.g + x.diffuse.g * w,
                         sum.diffuse.b + x.diffuse.b * w};
          sum.emissive = {sum.emissive.r + x.emissive.r * w, sum.emissive.g + x.emissive.g * w,
                          sum.emissive.b + x.emissive.b * w};
          sum.specular += x.specular * w;
          sum.shininess += x.shininess * w;
        }
        if (weight > 0) {
          const float inv = static_cast<float>(1 / weight);
          m.opacity = 1 - transmit;
          m.diffuse = {sum.diffuse.r * inv, sum.diffuse.g * inv, sum.diffuse.b * inv};
          m.emissive = {sum.emissive.r * inv, sum.emissive.g * inv, sum.emissive.b * inv};
          m.specular = sum.specular * inv;
          m.shininess = (sum.shininess - 1) * inv;  // sum started at 1
        }
      }
      TfEntry& e = baked.tables[t * kHuBins + static_cast<size_t>(bin)];
      // Opacity as absorption, so the image does not change with the step length.
      e.alpha = static_cast<float>(1 - std::exp(-m.opacity * sigma_unit * step_mm));
      e.r = m.diffuse.r, e.g = m.diffuse.g, e.b = m.diffuse.b;
      e.er = m.emissive.r, e.eg = m.emissive.g, e.eb = m.emissive.b;
      e.specular = static_cast<float>(m.specular);
      e.shininess = static_cast<float>(std::max(1.0, m.shininess));
      prefix[bin + 1] = prefix[bin] + (e.alpha > 1e-4f ? 1 : 0);
    }
  }
  baked.alphas.resize(baked.tables.size());
  for (size_t n = 0; n < baked.tables.size(); ++n) baked.alphas[n] = baked.tables[n].alpha;
  return baked;
}

std::array<Color, 256> LabelColors(const RenderSettings& settings) {
  // A qualitative palette for labels nothing else colours (golden-angle hues).
  std::array<Color, 256> colors{};
  for (int label = 1; label < 256; ++label) {
    const double hue = std::fmod(label * 137.508, 360.0) / 60.0;
    const double x = 1 - std::abs(std::fmod(hue, 2.0) - 1);
    const int sector = static_cast<int>(hue);
    double r = 0, g = 0, b = 0;
    switch (sector) {
      case 0:
        r = 1, g = x;
        break;
      case 1:
        r = x, g = 1;
        break;
      case 2:
        g = 1, b = x;
        break;
      case 3:
        g = x, b = 1;
        break;
      case 4:
        r = x, b = 1;
        break;
      default:
        r = 1, b = x;
        break;
    }
    colors[static_cast<size_t>(label)] = {static_cast<float>(0.25 + 0.75 * r),
                                          static_cast<float>(0.25 + 0.75 * g),
                                          static_cast<float>(0.25 + 0.75 * b)};
  }
  const auto& components = settings.transfer_function.components;
  for (auto it = components.rbegin(); it != components.rend(); ++it) {  // the first one wins
    const TransferComponent& c = *it;
    if (c.active_regions.size() == 1 && c.active_regions[0] > 0 && c.active_regions[0] < 256) {
      colors[c.active_regions[0]] = c.diffuse_start;
    }
  }
  for (const OrganStyle& s : settings.organs) {
    if (s.has_color && s.label < 256) colors[s.label] = s.color;
  }
  return colors;
}

}  // namespace viscera
