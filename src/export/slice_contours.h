// Closed planar outlines of a binary mask on one slice, as RT Structure Sets carry organs.
//
// The outline is the boundary of the pixel squares (each pixel (i, j) is the square
// [i-0.5, i+0.5] x [j-0.5, j+0.5]), with the vertices where the boundary runs straight on
// removed. Every connected region gives an outer contour, every hole in it an inner contour, and
// the even-odd rule at pixel centres gives the mask back exactly: RasterizeContours(Trace(m)) == m.
// Pixels that touch only at a corner belong to separate contours (4-connected regions), so no
// contour touches itself.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace viscera {

struct SliceContour {
  // (column i, row j) in pixel index units; vertices lie on pixel corners (half-integers).
  std::vector<std::array<double, 2>> points;
  bool hole = false;  // encloses background inside a region (an inner contour)
};

// Outlines of the pixels where mask != 0; `mask` holds rows*columns values, row after row (i
// fastest). Contours come in raster order of their top-left corner; outer contours run clockwise
// as seen with rows going down, holes anticlockwise.
std::vector<SliceContour> TraceSliceContours(std::span<const uint8_t> mask, int64_t columns,
                                             int64_t rows);

// The pixels whose centre lies inside the contours by the even-odd rule (1 inside, 0 outside),
// for any closed polygons in pixel units: the inverse of TraceSliceContours, used to check it.
std::vector<uint8_t> RasterizeContours(std::span<const SliceContour> contours, int64_t columns,
                                       int64_t rows);

}  // namespace viscera
