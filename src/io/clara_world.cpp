#include "io/clara_world.h"

#include <algorithm>

namespace viscera {
namespace {

Mat3 Inverse(const Mat3& matrix) {
  const auto& m = matrix.m;
  const double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                     m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                     m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  Mat3 inv;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) {
      // Cofactor of (c, r), divided by the determinant.
      const int r1 = (c + 1) % 3, r2 = (c + 2) % 3, c1 = (r + 1) % 3, c2 = (r + 2) % 3;
      inv.m[r][c] = (m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1]) / det;
    }
  }
  return inv;
}

Vec3 Times(const Mat3& matrix, const Vec3& v) {
  const auto& m = matrix.m;
  Vec3 out{};
  for (int r = 0; r < 3; ++r) out[r] = m[r][0] * v[0] + m[r][1] * v[1] + m[r][2] * v[2];
  return out;
}

}  // namespace

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
