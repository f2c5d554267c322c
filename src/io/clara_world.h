// Clara's normalised world and density, and how they relate to patient space (LPS mm) and HU: the
// one place that knows, shared by the dataset writer (export/clara_dataset.h), the render settings
// converter (render/clara_settings.h) and the dataset reader.
//
// World: Clara places the density volume with its x, y, z axes along the data's X, Y, Z (our index
// axes i, j, k, fastest first, as in the .mhd), each element element_size (our spacing) big,
// centred on the world origin and scaled so that its largest extent (size * spacing) is 1. So
//   lps = centre + largest_extent_mm * D * world
// with D the geometry's direction matrix and centre the LPS point of index (size - 1) / 2, and a
// direction maps by D alone (the uniform scale does not change directions). Clara's DataConfig has
// element sizes but no direction cosines, so a grid whose axes form a left-handed set in LPS
// (det D < 0, e.g. LAS) is shown mirrored by Clara itself.
//
// Density: Clara Render Server normalises the density volume to 0..1 over its value range
// (DataConfig's element_range is optional and "if this is not set then the range is calculated
// from the data", clara-viz render_server.proto; Clara Deploy's dataset service does not set it).
// A transfer function's range r is therefore HU = min_hu + r * (max_hu - min_hu), with min_hu and
// max_hu the density file's actual extremes, and widths (opacityTransition) scale by the span.
#pragma once

#include "core/geometry.h"

namespace viscera {

class ClaraWorld {
 public:
  explicit ClaraWorld(const Geometry& geometry);

  Vec3 ToLps(const Vec3& world) const;
  Vec3 FromLps(const Vec3& lps) const;
  Vec3 DirectionToLps(const Vec3& world) const;  // D * v (not normalised)
  Vec3 DirectionFromLps(const Vec3& lps) const;  // D^-1 * v (not normalised)

  // Of the voxel box (size * spacing); 1 for an empty grid, so the mapping stays finite.
  double largest_extent_mm() const { return largest_extent_mm_; }
  const Vec3& centre_lps() const { return centre_lps_; }

 private:
  Mat3 direction_;  // D
  Mat3 inverse_;    // D^-1
  Vec3 centre_lps_;
  double largest_extent_mm_;
};

struct ClaraDensity {
  double min_hu = 0, max_hu = 0;

  // (hu - min) / (max - min) clamped to [0, 1]; 0 when the volume is uniform.
  double Normalise(double hu) const;
  double ToHu(double density) const { return min_hu + density * (max_hu - min_hu); }
  // A width (opacityTransition) in density units and back; 0 when the volume is uniform.
  double WidthToHu(double width) const { return width * (max_hu - min_hu); }
  double WidthFromHu(double width_hu) const;
};

}  // namespace viscera
