// Everything that decides how a frame looks, independent of the volume: camera, lights, transfer
// function, crop/clip, view mode and quality. Geometry is in patient space (LPS millimetres,
// core/geometry.h); intensities are Hounsfield units. Clara's config_render.json (normalised
// world, normalised density) is converted to and from this by render/clara_settings.h.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/geometry.h"

namespace viscera {

struct Color {
  float r = 0, g = 0, b = 0;
  bool operator==(const Color&) const = default;
};

// How a component's opacity varies across its HU range (Clara's opacityProfile).
//   kSquare:    full opacity inside the range; `transition_hu` > 0 softens both edges (smoothstep).
//   kTriangle:  0 at both ends, full at the centre.
//   kSine:      sin(pi * t), t = 0..1 across the range.
//   kTrapezoid: linear ramps `transition_hu` wide at both edges, full between.
enum class OpacityProfile { kSquare, kTriangle, kSine, kTrapezoid };

// One piece of a transfer function (Clara's TransferFunctionComponent), in HU.
struct TransferComponent {
  double min_hu = 0, max_hu = 0;
  OpacityProfile profile = OpacityProfile::kSquare;
  double transition_hu = 0;
  double opacity = 1;  // 0..1, the peak of the profile
  // Colours vary linearly from *_start at min_hu to *_end at max_hu.
  Color diffuse_start{1, 1, 1}, diffuse_end{1, 1, 1};
  Color specular_start{1, 1, 1}, specular_end{1, 1, 1};
  Color emissive_start, emissive_end;
  double emissive_strength = 0;
  double roughness = 0;  // Clara's 0..100: 0 glossy, 100 matte
  // Label ids this component applies to (0: voxels outside every organ). Empty: every label.
  std::vector<uint16_t> active_regions;
  bool operator==(const TransferComponent&) const = default;
};

// Where components overlap: the most opaque wins (Clara's MAXIMUM_OPACITY) or they are mixed
// weighted by opacity (BLENDED_OPACITY).
enum class BlendingProfile { kMaximumOpacity, kBlendedOpacity };

struct TransferFunction {
  std::vector<TransferComponent> components;
  std::vector<uint16_t> hidden_regions;  // labels not drawn at all, whatever the components say
  BlendingProfile blending = BlendingProfile::kMaximumOpacity;
  // Clara's extinction scale: opacity 1 absorbs e^-density_scale over the volume's largest
  // extent. Clara Deploy's datasets use 710.
  double density_scale = 710;
  double global_opacity = 1;  // multiplies every component's opacity
  // How quickly a sample turns from volumetric to surface-shaded as its gradient grows (Clara's
  // gradientScale for the HYBRID shading profile): surface weight = 1 - exp(-gradient_scale *
  // |grad| / 4096 HU per largest extent).
  double gradient_scale = 110;
  bool operator==(const TransferFunction&) const = default;
};

// Per-organ overrides the UI and voice commands change without touching the components:
// visibility, colour and opacity of one label. Applied on top of the transfer function.
struct OrganStyle {
  uint16_t label = 0;
  bool visible = true;
  bool has_color = false;
  Color color;
  double opacity_scale = 1;  // multiplies the opacity of every component active on this label
  bool operator==(const OrganStyle&) const = default;
};

// A pinhole camera in LPS mm. `up` need not be orthogonal to the view direction.
struct Camera {
  std::string name;
  Vec3 eye{0, -500, 0};
  Vec3 look_at{0, 0, 0};
  Vec3 up{0, 0, 1};
  double field_of_view_deg = 30;  // vertical
};

// A directional light; `direction` is the way the light travels (LPS, need not be unit length).
struct Light {
  bool enable = true;
  Vec3 direction{0, 1, 0};
  Color color{1, 1, 1};
  double intensity = 1;
};

// Clara's BackgroundLight: an environment gradient from bottom through horizon to top (along the
// camera's up), used as ambient light and, when `show`, as the image background.
struct BackgroundLight {
  bool enable = true;
  bool show = false;
  Color top{1, 1, 1}, horizon{1, 1, 1}, bottom{1, 1, 1};
  double intensity = 1;
};

// Clara's DataCrop: the kept part of the volume, as fractions 0..1 of each index axis
// (i, j, k = Clara's X, Y, Z; the density axis D of Clara's limits is not a crop).
struct DataCrop {
  std::array<double, 3> min{0, 0, 0};
  std::array<double, 3> max{1, 1, 1};
};

// An arbitrary clip plane in LPS mm: voxels with dot(p - point, normal) > 0 are removed.
struct ClipPlane {
  bool enable = false;
  Vec3 point{0, 0, 0};
  Vec3 normal{0, 0, 1};
};

enum class RenderMode {
  kComposite,          // direct volume rendering with shading (Clara's CINEMATIC)
  kMaximumIntensity,   // MIP of HU, windowed by the slice window
  kSlice,              // a CT slice, windowed (Clara's SLICE)
  kSliceSegmentation,  // a CT slice with the label map over it (Clara's SLICE_SEGMENTATION)
};

enum class SliceOrientation { kAxial, kCoronal, kSagittal, kOblique };

// The slice shown by the slice modes, and the CT window used by slices and MIP.
struct SliceView {
  SliceOrientation orientation = SliceOrientation::kAxial;
  Vec3 center{0, 0, 0};     // LPS mm; the slice passes through it
  bool center_set = false;  // false: the volume's centre
  Vec3 normal{0, 0, 1};     // oblique only: the plane's normal (LPS)
  Vec3 up{0, 0, 1};         // oblique only: a direction shown toward the image's top
  double window_center = 40, window_width = 400;  // HU
  double label_opacity = 0.5;                     // of the label colours over the CT
  double zoom = 1;                                // 1: the whole volume fits the image
};

enum class RenderQuality {
  kDraft,      // interaction: coarse steps, no shading refinements
  kFull,       // a still: one sample per voxel, gradient shading
  kCinematic,  // full plus soft shadows toward the first light
};

struct RenderSettings {
  Camera camera;
  std::vector<Camera> cameras;  // named viewpoints (Clara's Cameras)
  std::vector<Light> lights{Light{}};
  BackgroundLight background;
  Color background_color{0, 0, 0};  // when the background light is not shown
  double ambient = 0.25;            // weight of the background light in shading
  TransferFunction transfer_function;
  std::vector<OrganStyle> organs;
  DataCrop crop;
  ClipPlane clip;
  RenderMode mode = RenderMode::kComposite;
  SliceView slice;
  RenderQuality quality = RenderQuality::kFull;
  double step_voxels = 1.0;  // ray step at full quality, in units of the smallest voxel spacing
};

}  // namespace viscera
