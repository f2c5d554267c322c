// A transfer function baked for the ray marcher: per label, a table over HU of colour and
// per-step opacity. Changing an organ's colour, opacity or visibility re-bakes these small tables
// (microseconds to a millisecond), never the volume.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "render/ray_march.h"
#include "render/render_settings.h"

namespace viscera {

// Labels the renderer handles: the volume's labels are stored as bytes.
constexpr int kMaxRenderLabel = 255;

struct BakedTransferFunction {
  // Table 0 is empty (hidden labels); the others hold kHuBins entries each.
  std::vector<TfEntry> tables;
  std::vector<float> alphas;  // tables[n].alpha, packed: the normals read eight per sample
  std::array<uint16_t, 256> label_table{};   // label -> table
  std::array<uint8_t, 256> label_visible{};  // label -> drawn at all
  // Per table, the number of bins with visible opacity before each bin (kHuBins + 1 entries):
  // whether a HU range can show anything is two lookups.
  std::vector<uint32_t> visible_prefix;

  int table_count() const { return static_cast<int>(tables.size() / kHuBins); }
  // Can a sample with this label and HU within [lo, hi] be visible?
  bool AnyVisible(int label, float lo_hu, float hi_hu) const;
  // Same for a table.
  bool TableVisible(int table, float lo_hu, float hi_hu) const;
};

// The opacity profile of one component at `hu` (0..1, before its opacity).
double ProfileWeight(const TransferComponent& c, double hu);

// Bakes for rays stepping `step_mm`, in a volume whose largest extent is `largest_extent_mm`
// (Clara's density scale is per largest extent).
BakedTransferFunction BakeTransferFunction(const TransferFunction& tf,
                                           const std::vector<OrganStyle>& organs, float step_mm,
                                           float largest_extent_mm);

// The colour a label is drawn with in slice overlays: its organ style's colour, else the diffuse
// colour of the first component active on it alone, else a fixed palette colour.
std::array<Color, 256> LabelColors(const RenderSettings& settings);

}  // namespace viscera
