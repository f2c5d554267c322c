#include "core/geometry.h"

#include <algorithm>
#include <cmath>

namespace viscera {

Vec3 Unit(const Vec3& a) {
  const double n = std::sqrt(Dot(a, a));
  return n > 0 ? Scale(a, 1 / n) : a;
}

double Determinant(const Mat3& a) {
  const auto& m = a.m;
  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
         m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
         m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

Mat3 Inverse(const Mat3& a) {
  const auto& m = a.m;
  const double det = Determinant(a);
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

Vec3 Times(const Mat3& a, const Vec3& v) {
  Vec3 out{};
  for (int r = 0; r < 3; ++r) out[r] = a.m[r][0] * v[0] + a.m[r][1] * v[1] + a.m[r][2] * v[2];
  return out;
}

Vec3 Affine::Apply(const Vec3& p) const {
  Vec3 out{};
  for (int r = 0; r < 3; ++r) out[r] = m[r][0] * p[0] + m[r][1] * p[1] + m[r][2] * p[2] + m[r][3];
  return out;
}

Affine FlipXY(const Affine& a) {
  Affine out = a;
  for (int c = 0; c < 4; ++c) {
    out.m[0][c] = -a.m[0][c];
    out.m[1][c] = -a.m[1][c];
  }
  return out;
}

Affine Geometry::IndexToLps() const {
  Affine a;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) a.m[r][c] = direction.m[r][c] * spacing[c];
    a.m[r][3] = origin[r];
  }
  return a;
}

double Geometry::VoxelVolumeMm3() const {
  const Affine a = IndexToLps();
  Mat3 linear;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) linear.m[r][c] = a.m[r][c];
  }
  return std::abs(Determinant(linear));
}

Geometry::LpsBox Geometry::LpsBoxOfIndices(const Index3& lo, const Index3& hi) const {
  const Affine to_lps = IndexToLps();
  LpsBox box;
  for (int corner = 0; corner < 8; ++corner) {
    const Vec3 p = to_lps.Apply({static_cast<double>((corner & 1) ? hi[0] : lo[0]),
                                 static_cast<double>((corner & 2) ? hi[1] : lo[1]),
                                 static_cast<double>((corner & 4) ? hi[2] : lo[2])});
    for (int a = 0; a < 3; ++a) {
      box.min[a] = corner == 0 ? p[a] : std::min(box.min[a], p[a]);
      box.max[a] = corner == 0 ? p[a] : std::max(box.max[a], p[a]);
    }
  }
  return box;
}

Expected<Geometry> Geometry::FromIndexToLps(const Affine& a, const Index3& size) {
  Geometry g;
  g.size = size;
  for (int c = 0; c < 3; ++c) {
    double norm = std::sqrt(a.m[0][c] * a.m[0][c] + a.m[1][c] * a.m[1][c] + a.m[2][c] * a.m[2][c]);
    if (!(norm > 0) || !std::isfinite(norm)) {
      return MakeError(ErrorCode::kCorruptData,
                       "affine column " + std::to_string(c) + " has zero or non-finite length");
    }
    g.spacing[c] = norm;
    for (int r = 0; r < 3; ++r) g.direction.m[r][c] = a.m[r][c] / norm;
  }
  if (std::abs(Determinant(g.direction)) < 1e-6)
    return MakeError(ErrorCode::kCorruptData, "affine is singular");
  for (int r = 0; r < 3; ++r) {
    if (!std::isfinite(a.m[r][3]))
      return MakeError(ErrorCode::kCorruptData, "origin is not finite");
    g.origin[r] = a.m[r][3];
  }
  return g;
}

namespace {
// Letter for world axis w (LPS) when the index axis points toward +w (positive) or -w.
char AxisLetter(int w, bool positive) {
  static constexpr char kPositive[] = {'L', 'P', 'S'};
  static constexpr char kNegative[] = {'R', 'A', 'I'};
  return positive ? kPositive[w] : kNegative[w];
}
}  // namespace

std::string Geometry::AxisCodes() const {
  // Greedy: assign the largest |component| first so each world axis is used once.
  std::string codes = "???";
  bool index_used[3] = {false, false, false};
  bool world_used[3] = {false, false, false};
  for (int n = 0; n < 3; ++n) {
    int best_c = -1, best_w = -1;
    double best = -1;
    for (int c = 0; c < 3; ++c) {
      if (index_used[c]) continue;
      for (int w = 0; w < 3; ++w) {
        if (world_used[w]) continue;
        if (std::abs(direction.m[w][c]) > best) {
          best = std::abs(direction.m[w][c]);
          best_c = c;
          best_w = w;
        }
      }
    }
    index_used[best_c] = world_used[best_w] = true;
    codes[best_c] = AxisLetter(best_w, direction.m[best_w][best_c] > 0);
  }
  return codes;
}

bool Geometry::SameGrid(const Geometry& other, double tol_mm) const {
  if (size != other.size) return false;
  for (int a = 0; a < 3; ++a) {
    if (std::abs(spacing[a] - other.spacing[a]) > tol_mm) return false;
    if (std::abs(origin[a] - other.origin[a]) > tol_mm) return false;
    for (int b = 0; b < 3; ++b) {
      if (std::abs(direction.m[a][b] - other.direction.m[a][b]) > 1e-4) return false;
    }
  }
  return true;
}

Status ValidateAxisCodes(const std::string& codes) {
  static const std::string kPairs[3] = {"LR", "PA", "SI"};
  bool seen[3] = {false, false, false};
  if (codes.size() == 3) {
    for (char ch : codes) {
      for (int w = 0; w < 3; ++w) {
        if (kPairs[w].find(ch) != std::string::npos) {
          if (seen[w]) break;
          seen[w] = true;
        }
      }
    }
  }
  if (!(seen[0] && seen[1] && seen[2])) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "orientation '" + codes +
            "' must be three letters naming each of L/R, P/A, I/S once (e.g. RAS, LPS)");
  }
  return Ok{};
}

}  // namespace viscera
