#include "io/clara_world.h"

#include <algorithm>

namespace viscera {

ClaraWorld::ClaraWorld(const Geometry& geometry)
    : direction_(geometry.direction), inverse_(Inverse(geometry.direction)) {
  Vec3 extent{}, centre_index{};
  for (int a = 0; a < 3; ++a) {
    extent[a] = static_cast<double>(geometry.size[a]) * geometry.spacing[a];
    centre_index[a] = static_cast<double>(geometry.size[a] - 1) / 2;
  }
  const double largest = std::max({extent[0], extent[1], extent[2]});
  largest_extent_mm_ = largest > 0 ? largest : 1;
  centre_lps_ = geometry.IndexToLpsPoint(centre_index);
}

Vec3 ClaraWorld::ToLps(const Vec3& world) const {
  const Vec3 d = DirectionToLps(world);
  Vec3 out{};
  for (int a = 0; a < 3; ++a) out[a] = centre_lps_[a] + largest_extent_mm_ * d[a];
  return out;
}

Vec3 ClaraWorld::FromLps(const Vec3& lps) const {
  Vec3 offset{};
  for (int a = 0; a < 3; ++a) offset[a] = (lps[a] - centre_lps_[a]) / largest_extent_mm_;
  return DirectionFromLps(offset);
}

Vec3 ClaraWorld::DirectionToLps(const Vec3& world) const {
  return Times(direction_, world);
}

Vec3 ClaraWorld::DirectionFromLps(const Vec3& lps) const {
  return Times(inverse_, lps);
}

double ClaraDensity::Normalise(double hu) const {
  if (max_hu <= min_hu) return 0;
  return std::clamp((hu - min_hu) / (max_hu - min_hu), 0.0, 1.0);
}

double ClaraDensity::WidthFromHu(double width_hu) const {
  return max_hu > min_hu ? width_hu / (max_hu - min_hu) : 0;
}

}  // namespace viscera
