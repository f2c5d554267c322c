#include "export/slice_contours.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

namespace viscera {
namespace {

using Point = std::array<double, 2>;

// A mask from rows of text: '#' inside, anything else outside.
struct Mask {
  int64_t columns = 0, rows = 0;
  std::vector<uint8_t> pixels;
};
Mask FromText(const std::vector<std::string>& lines) {
  Mask m;
  m.rows = static_cast<int64_t>(lines.size());
  m.columns = static_cast<int64_t>(lines.front().size());
  for (const std::string& line : lines) {
    for (char c : line) m.pixels.push_back(c == '#' ? 1 : 0);
  }
  return m;
}

std::vector<SliceContour> Trace(const Mask& m) {
  return TraceSliceContours(m.pixels, m.columns, m.rows);
}

// The properties every tracing must have: exact round trip, vertices on pixel corners, no
// repeated or collinear vertices, only axis-aligned edges.
void ExpectWellFormed(const Mask& m, const std::vector<SliceContour>& contours) {
  EXPECT_EQ(RasterizeContours(contours, m.columns, m.rows), m.pixels);
  for (const SliceContour& c : contours) {
    ASSERT_GE(c.points.size(), 4u);
    EXPECT_EQ(c.points.size() % 2, 0u) << "axis-aligned polygons alternate direction";
    for (size_t n = 0; n < c.points.size(); ++n) {
      const Point& a = c.points[n];
      const Point& b = c.points[(n + 1) % c.points.size()];
      const Point& next = c.points[(n + 2) % c.points.size()];
      EXPECT_EQ(a[0] - std::floor(a[0]), 0.5);
      EXPECT_EQ(a[1] - std::floor(a[1]), 0.5);
      EXPECT_TRUE((a[0] == b[0]) != (a[1] == b[1])) << "edges are horizontal or vertical";
      // Consecutive edges turn: a vertical edge follows a horizontal one and vice versa.
      EXPECT_NE(a[0] == b[0], b[0] == next[0]) << "collinear vertex left in";
    }
  }
}

TEST(SliceContoursTest, EmptyMaskHasNoContours) {
  const Mask m = FromText({"....", "...."});
  EXPECT_TRUE(Trace(m).empty());
  EXPECT_TRUE(TraceSliceContours({}, 0, 0).empty());
}

TEST(SliceContoursTest, SinglePixelIsItsSquare) {
  const Mask m = FromText({"...", ".#.", "..."});
  const auto contours = Trace(m);
  ASSERT_EQ(contours.size(), 1u);
  EXPECT_FALSE(contours[0].hole);
  const std::vector<Point> expected{{1.5, 0.5}, {1.5, 1.5}, {0.5, 1.5}, {0.5, 0.5}};
  EXPECT_EQ(contours[0].points, expected);  // clockwise with rows going down, from the top right
  ExpectWellFormed(m, contours);
}

TEST(SliceContoursTest, SquareKeepsOnlyItsCorners) {
  const Mask m = FromText({".....", ".###.", ".###.", ".###.", "....."});
  const auto contours = Trace(m);
  ASSERT_EQ(contours.size(), 1u);
  EXPECT_EQ(contours[0].points.size(), 4u);
  ExpectWellFormed(m, contours);
}

TEST(SliceContoursTest, LShapeHasSixCorners) {
  const Mask m = FromText({"#..", "#..", "###"});
  const auto contours = Trace(m);
  ASSERT_EQ(contours.size(), 1u);
  EXPECT_EQ(contours[0].points.size(), 6u);
  ExpectWellFormed(m, contours);
}

TEST(SliceContoursTest, HoleIsAnInnerContour) {
  const Mask m = FromText({"#####", "#...#", "#...#", "#####"});
  const auto contours = Trace(m);
  ASSERT_EQ(contours.size(), 2u);
  EXPECT_FALSE(contours[0].hole);
  EXPECT_TRUE(contours[1].hole);
  EXPECT_EQ(contours[1].points.size(), 4u);
  ExpectWellFormed(m, contours);
}

TEST(SliceContoursTest, IslandInsideAHole) {
  const Mask m =
      FromText({"#######", "#.....#", "#.###.#", "#.#.#.#", "#.###.#", "#.....#", "#######"});
  const auto contours = Trace(m);
  ASSERT_EQ(contours.size(), 4u);  // outer, its hole, the island, the island's hole
  EXPECT_EQ(
      std::count_if(contours.begin(), contours.end(), [](const SliceContour& c) { return c.hole; }),
      2);
  ExpectWellFormed(m, contours);
}

TEST(SliceContoursTest, DiagonalNeighboursAreSeparateContours) {
  const Mask m = FromText({"#..", ".#.", "..#"});
  const auto contours = Trace(m);
  ASSERT_EQ(contours.size(), 3u);
  for (const auto& c : contours) EXPECT_EQ(c.points.size(), 4u);
  ExpectWellFormed(m, contours);
  // The other diagonal, and a hole whose corners touch the outside diagonally.
  const Mask other = FromText({"..#", ".#.", "#.."});
  EXPECT_EQ(Trace(other).size(), 3u);
  ExpectWellFormed(other, Trace(other));
  const Mask pinched = FromText({"##.", "#.#", ".##"});
  ExpectWellFormed(pinched, Trace(pinched));
}

TEST(SliceContoursTest, SeveralIslandsAndBorderPixels) {
  const Mask m = FromText({"##..#", "#...#", "....#", "##..."});
  const auto contours = Trace(m);
  EXPECT_EQ(contours.size(), 3u);
  ExpectWellFormed(m, contours);
  const Mask full = FromText({"###", "###"});
  ASSERT_EQ(Trace(full).size(), 1u);
  // The walk starts east from the top-left corner, which therefore closes the list.
  const std::vector<Point> expected{{2.5, -0.5}, {2.5, 1.5}, {-0.5, 1.5}, {-0.5, -0.5}};
  EXPECT_EQ(Trace(full)[0].points, expected);
  ExpectWellFormed(full, Trace(full));
}

TEST(SliceContoursTest, CheckerboardRoundTrips) {
  Mask m;
  m.columns = 9;
  m.rows = 7;
  for (int64_t j = 0; j < m.rows; ++j) {
    for (int64_t i = 0; i < m.columns; ++i) m.pixels.push_back((i + j) % 2 == 0);
  }
  const auto contours = Trace(m);
  EXPECT_EQ(contours.size(), 32u);  // every foreground pixel alone
  ExpectWellFormed(m, contours);
}

TEST(SliceContoursTest, RandomMasksRoundTripExactly) {
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 300; ++trial) {
    Mask m;
    m.columns = 1 + static_cast<int64_t>(rng() % 24);
    m.rows = 1 + static_cast<int64_t>(rng() % 24);
    const double density = (trial % 10 + 1) / 11.0;
    std::bernoulli_distribution inside(density);
    for (int64_t n = 0; n < m.columns * m.rows; ++n) m.pixels.push_back(inside(rng) ? 1 : 0);
    const auto contours = Trace(m);
    ExpectWellFormed(m, contours);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "trial " << trial << ": " << m.columns << "x" << m.rows;
      return;
    }
  }
}

TEST(SliceContoursTest, RasterizeTakesAnyPolygon) {
  // A diamond centred on pixel (2, 2) with radius 1.6: the centres within |dx|+|dy| < 1.6.
  const SliceContour diamond{{{2, 0.4}, {3.6, 2}, {2, 3.6}, {0.4, 2}}, false};
  const auto filled = RasterizeContours(std::span<const SliceContour>(&diamond, 1), 5, 5);
  for (int j = 0; j < 5; ++j) {
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(filled[static_cast<size_t>(j * 5 + i)], std::abs(i - 2) + std::abs(j - 2) <= 1)
          << i << "," << j;
    }
  }
}

}  // namespace
}  // namespace viscera
