#include "render/presets.h"

#include <string>

namespace viscera {
namespace {

TransferComponent Component(double min_hu, double max_hu, double opacity, Color start, Color end,
                            double roughness, OpacityProfile profile = OpacityProfile::kTrapezoid,
                            double transition_hu = 100) {
  TransferComponent c;
  c.min_hu = min_hu;
  c.max_hu = max_hu;
  c.opacity = opacity;
  c.diffuse_start = start;
  c.diffuse_end = end;
  c.roughness = roughness;
  c.profile = profile;
  c.transition_hu = transition_hu;
  return c;
}

// Bone: cancellous bone starts near 150-200 HU, cortex reaches 1000-2000 HU.
TransferComponent Bone(double opacity) {
  return Component(150, 3071, opacity, {0.91f, 0.82f, 0.66f}, {1.0f, 0.98f, 0.92f}, 40,
                   OpacityProfile::kTrapezoid, 200);
}

}  // namespace

const char* PresetNames() {
  return "bone, soft-tissue, lung, angio";
}

std::optional<TransferFunction> PresetTransferFunction(std::string_view name) {
  TransferFunction tf;
  tf.density_scale = 710;
  if (name == "bone") {
    tf.components = {Bone(1.0)};
  } else if (name == "soft-tissue") {
    // Skin/fat faintly, muscle and organs (0..150 HU) red, bone opaque.
    tf.components = {Component(-600, -50, 0.015, {0.95f, 0.80f, 0.70f}, {0.95f, 0.75f, 0.62f}, 80,
                               OpacityProfile::kTriangle),
                     Component(-20, 180, 0.12, {0.80f, 0.32f, 0.26f}, {0.90f, 0.45f, 0.35f}, 70,
                               OpacityProfile::kTrapezoid, 40),
                     Bone(0.9)};
  } else if (name == "lung") {
    // Aerated lung (-920..-450 HU) as a translucent pink volume; nothing of soft tissue (the
    // chest wall would hide the lungs) and bone faint, so the ribs frame without covering.
    tf.components = {Component(-920, -450, 0.12, {0.90f, 0.55f, 0.52f}, {0.98f, 0.78f, 0.74f}, 80,
                               OpacityProfile::kSine),
                     Bone(0.25)};
  } else if (name == "angio") {
    // Iodinated contrast in vessels: 150..550 HU, translucent enough that the partial-volume rim
    // of bone does not coat the skeleton red; dense bone white above it.
    tf.components = {Component(150, 550, 0.2, {0.80f, 0.10f, 0.08f}, {1.0f, 0.35f, 0.25f}, 30,
                               OpacityProfile::kTrapezoid, 80),
                     Component(550, 3071, 0.9, {0.95f, 0.92f, 0.85f}, {1.0f, 1.0f, 0.95f}, 40,
                               OpacityProfile::kTrapezoid, 100)};
  } else {
    return std::nullopt;
  }
  return tf;
}

TransferFunction OrganTransferFunction(const TransferFunction& base,
                                       const std::vector<uint16_t>& labels,
                                       const std::array<Color, 256>& colors) {
  TransferFunction tf = base;
  for (TransferComponent& c : tf.components) c.active_regions = {0};
  for (uint16_t label : labels) {
    const Color color = label < 256 ? colors[label] : Color{1, 1, 1};
    TransferComponent c =
        Component(-150, 3071, 0.6, color, color, 60, OpacityProfile::kTrapezoid, 60);
    c.active_regions = {label};
    tf.components.push_back(c);
  }
  return tf;
}

}  // namespace viscera
