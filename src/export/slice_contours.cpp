#include "export/slice_contours.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"

namespace viscera {
namespace {

// Directions of boundary edges between pixel corners, in turning order: each step to the next is
// a right turn as seen with rows going down (east -> south -> west -> north).
enum Direction : uint8_t { kEast = 0, kSouth = 1, kWest = 2, kNorth = 3 };
constexpr int kStepX[4] = {1, 0, -1, 0};
constexpr int kStepY[4] = {0, 1, 0, -1};

// Boundary edges of the mask, stored per start corner as one bit per direction. Corner (x, y) is
// the top-left corner of pixel (x, y); corners run 0..columns and 0..rows.
class BoundaryEdges {
 public:
  BoundaryEdges(std::span<const uint8_t> mask, int64_t columns, int64_t rows)
      : width_(columns + 1), bits_(static_cast<size_t>((columns + 1) * (rows + 1)), 0) {
    auto inside = [&](int64_t i, int64_t j) {
      return i >= 0 && j >= 0 && i < columns && j < rows &&
             mask[static_cast<size_t>(j * columns + i)] != 0;
    };
    // Each side of a foreground pixel facing background is an edge, directed so that the pixel is
    // on its right: the pixel's outline runs clockwise.
    for (int64_t j = 0; j < rows; ++j) {
      for (int64_t i = 0; i < columns; ++i) {
        if (!inside(i, j)) continue;
        if (!inside(i, j - 1)) Add(i, j, kEast);
        if (!inside(i + 1, j)) Add(i + 1, j, kSouth);
        if (!inside(i, j + 1)) Add(i + 1, j + 1, kWest);
        if (!inside(i - 1, j)) Add(i, j + 1, kNorth);
      }
    }
  }

  bool Has(int64_t x, int64_t y, int d) const { return (bits_[Index(x, y)] >> d) & 1u; }
  uint8_t At(size_t corner) const { return bits_[corner]; }
  size_t corners() const { return bits_.size(); }
  int64_t width() const { return width_; }

  // The edge that follows one arriving at (x, y) in direction d. Only at a corner where two
  // regions touch diagonally are there two candidates; turning right first keeps following the
  // same pixel, so diagonal neighbours get contours of their own.
  int Next(int64_t x, int64_t y, int d) const {
    for (int turn : {1, 0, 3}) {
      const int candidate = (d + turn) % 4;
      if (Has(x, y, candidate)) return candidate;
    }
    VISCERA_CHECK(false, "TraceSliceContours: boundary edge without a successor");
    return d;
  }

 private:
  size_t Index(int64_t x, int64_t y) const { return static_cast<size_t>(y * width_ + x); }
  void Add(int64_t x, int64_t y, Direction d) {
    bits_[Index(x, y)] = static_cast<uint8_t>(bits_[Index(x, y)] | (1u << d));
  }

  int64_t width_;
  std::vector<uint8_t> bits_;
};

// Twice the signed area in (column, row) coordinates: positive for clockwise as seen with rows
// going down.
double SignedArea2(const std::vector<std::array<double, 2>>& p) {
  double sum = 0;
  for (size_t n = 0; n < p.size(); ++n) {
    const auto& a = p[n];
    const auto& b = p[(n + 1) % p.size()];
    sum += a[0] * b[1] - b[0] * a[1];
  }
  return sum;
}

}  // namespace

std::vector<SliceContour> TraceSliceContours(std::span<const uint8_t> mask, int64_t columns,
                                             int64_t rows) {
  VISCERA_CHECK(columns >= 0 && rows >= 0 && static_cast<int64_t>(mask.size()) == columns * rows,
                "TraceSliceContours: mask size does not match columns x rows");
  std::vector<SliceContour> contours;
  if (mask.empty()) return contours;
  BoundaryEdges edges(mask, columns, rows);
  std::vector<uint8_t> visited(edges.corners(), 0);  // per corner, one bit per direction
  auto mark = [&](int64_t x, int64_t y, int d) {
    visited[static_cast<size_t>(y * edges.width() + x)] |= static_cast<uint8_t>(1u << d);
  };
  for (size_t corner = 0; corner < edges.corners(); ++corner) {
    // Raster order meets every contour first at the eastward edge leaving its top-left corner.
    if (!((edges.At(corner) & ~visited[corner]) & (1u << kEast))) continue;
    const int64_t x0 = static_cast<int64_t>(corner) % edges.width();
    const int64_t y0 = static_cast<int64_t>(corner) / edges.width();
    SliceContour contour;
    int64_t x = x0, y = y0;
    int d = kEast;
    // "Next" pairs each arriving edge with one leaving edge, so following it from the first edge
    // comes back to that edge: one closed contour. Corners where the walk runs straight through
    // are collinear and left out.
    do {
      mark(x, y, d);
      x += kStepX[d];
      y += kStepY[d];
      const int next = edges.Next(x, y, d);
      if (next != d) {
        contour.points.push_back({static_cast<double>(x) - 0.5, static_cast<double>(y) - 0.5});
      }
      d = next;
    } while (!(x == x0 && y == y0 && d == kEast));
    // Holes run the other way round (background on the right of the walk).
    contour.hole = SignedArea2(contour.points) < 0;
    contours.push_back(std::move(contour));
  }
  return contours;
}

std::vector<uint8_t> RasterizeContours(std::span<const SliceContour> contours, int64_t columns,
                                       int64_t rows) {
  std::vector<uint8_t> out(static_cast<size_t>(std::max<int64_t>(columns * rows, 0)), 0);
  std::vector<double> crossings;
  for (int64_t j = 0; j < rows; ++j) {
    const double y = static_cast<double>(j);
    crossings.clear();
    for (const SliceContour& c : contours) {
      for (size_t n = 0; n < c.points.size(); ++n) {
        const auto& a = c.points[n];
        const auto& b = c.points[(n + 1) % c.points.size()];
        // Half-open rule: an edge counts when it spans the row's centre line from one side.
        if ((a[1] > y) != (b[1] > y)) {
          crossings.push_back(a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1]));
        }
      }
    }
    std::sort(crossings.begin(), crossings.end());
    for (size_t n = 0; n + 1 < crossings.size(); n += 2) {
      // Pixel centres i with crossings[n] < i < crossings[n+1].
      const auto first = std::max<int64_t>(0, static_cast<int64_t>(std::floor(crossings[n])) + 1);
      const auto last =
          std::min<int64_t>(columns - 1, static_cast<int64_t>(std::ceil(crossings[n + 1])) - 1);
      for (int64_t i = first; i <= last; ++i) out[static_cast<size_t>(j * columns + i)] = 1;
    }
  }
  return out;
}

}  // namespace viscera
