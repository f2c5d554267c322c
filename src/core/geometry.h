// Where voxels are in the patient: the one place that defines the index -> world mapping.
//
// World coordinates are DICOM patient coordinates (LPS: +x toward the patient's Left, +y toward
// Posterior, +z toward Superior), in millimetres. NIfTI and other RAS-based formats differ only by
// the sign of x and y; IndexToRas() is the one conversion, and readers/writers go through it.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/expected.h"

namespace viscera {

using Vec3 = std::array<double, 3>;
using Index3 = std::array<int64_t, 3>;

// Row-major 3x3 matrix: m[row][col].
struct Mat3 {
  std::array<std::array<double, 3>, 3> m{{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};
  Vec3 Column(int c) const { return {m[0][c], m[1][c], m[2][c]}; }
};

// Vector arithmetic on LPS points and directions.
inline Vec3 Add(const Vec3& a, const Vec3& b) {
  return {a[0] + b[0], a[1] + b[1], a[2] + b[2]};
}
inline Vec3 Sub(const Vec3& a, const Vec3& b) {
  return {a[0] - b[0], a[1] - b[1], a[2] - b[2]};
}
inline Vec3 Scale(const Vec3& a, double s) {
  return {a[0] * s, a[1] * s, a[2] * s};
}
inline double Dot(const Vec3& a, const Vec3& b) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
inline Vec3 Cross(const Vec3& a, const Vec3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
// `a` scaled to length 1 (a zero vector stays zero).
Vec3 Unit(const Vec3& a);

double Determinant(const Mat3& a);
// The inverse of a non-singular matrix (callers check Determinant first where it may be singular).
Mat3 Inverse(const Mat3& a);
Vec3 Times(const Mat3& a, const Vec3& v);

// Row-major 4x4 homogeneous transform, last row (0 0 0 1).
struct Affine {
  std::array<std::array<double, 4>, 4> m{{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}};
  Vec3 Apply(const Vec3& p) const;
};

// Flips x and y: converts an LPS transform to RAS and back (the operation is its own inverse).
Affine FlipXY(const Affine& a);

struct Geometry {
  Index3 size{0, 0, 0};   // voxels along i (columns), j (rows), k (slices)
  Vec3 spacing{1, 1, 1};  // mm between voxel centres along i, j, k
  Vec3 origin{0, 0, 0};   // LPS mm of the centre of voxel (0,0,0)
  Mat3 direction;         // column c: unit LPS vector along index axis c (may be non-orthogonal)

  int64_t VoxelCount() const { return size[0] * size[1] * size[2]; }
  Affine IndexToLps() const;
  Affine IndexToRas() const { return FlipXY(IndexToLps()); }
  Vec3 IndexToLpsPoint(const Vec3& ijk) const { return IndexToLps().Apply(ijk); }
  // mm^3 of one voxel: |det(direction * diag(spacing))|.
  double VoxelVolumeMm3() const;
  // The axis-aligned LPS box around the centres of the voxels lo..hi (an inclusive index box):
  // its 8 corner voxels mapped to LPS. Exact for the whole box's voxel centres (the affine image
  // of a box is a parallelepiped, whose bounding box is its corners').
  struct LpsBox {
    Vec3 min{0, 0, 0}, max{0, 0, 0};
  };
  LpsBox LpsBoxOfIndices(const Index3& lo, const Index3& hi) const;

  // Builds a geometry from an index->world affine: spacing = column norms, direction = normalised
  // columns. Fails if a column is zero or the matrix is singular.
  static Expected<Geometry> FromIndexToLps(const Affine& a, const Index3& size);
  static Expected<Geometry> FromIndexToRas(const Affine& a, const Index3& size) {
    return FromIndexToLps(FlipXY(a), size);
  }

  // The anatomical direction each index axis points toward, as three letters from
  // {L,R}{P,A}{I,S} (nibabel's aff2axcodes convention): a standard DICOM axial series is "LPS",
  // a canonical NIfTI image "RAS". Oblique axes get the nearest letter.
  std::string AxisCodes() const;

  // True when size matches and spacing/origin/direction agree within tol_mm / 1e-4.
  bool SameGrid(const Geometry& other, double tol_mm = 1e-3) const;
};

// Checks that a three-letter orientation code names each anatomical axis exactly once.
Status ValidateAxisCodes(const std::string& codes);

}  // namespace viscera
