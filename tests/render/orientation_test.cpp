// Which way is up: the six anatomical views and the three slice orientations put the patient's
// left, anterior and superior where radiologists expect them, whatever order the voxels are
// stored in.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "render/camera_control.h"
#include "render/image.h"
#include "render/slice_renderer.h"
#include "render/volume_renderer.h"
#include "render_test_support.h"

namespace viscera {
namespace {
using namespace render_test;

constexpr int kSize = 96;

// 56 x 64 x 72 voxels of 2 mm (a non-cubic box, so swapped axes would show), index axes L, P, S.
Geometry LpsGrid() {
  return CenteredLpsGrid({56, 64, 72}, {2, 2, 2});
}

int ChannelOf(uint16_t marker) {
  return marker - 1;  // red, green, blue
}

const char* MarkerName(uint16_t marker) {
  return marker == kLeftMarker ? "left" : marker == kAnteriorMarker ? "anterior" : "superior";
}

// Where each marker must appear: -1 left/bottom, 0 centre, +1 right/top of the image.
struct Expected2 {
  int horizontal, vertical;
};
struct ViewCase {
  AnatomicalView view;
  Expected2 left, anterior, superior;
};
// Anterior: left on the image's right, head up. Posterior: left on the left. Left lateral: the
// camera on the patient's left, anterior on the image's left. Right lateral: anterior on the
// right. Superior: from the head, anterior up, left on the image's left. Inferior (radiological
// axial): from the feet, anterior up, left on the right.
constexpr ViewCase kViewCases[] = {
    {AnatomicalView::kAnterior, {+1, 0}, {0, 0}, {0, +1}},
    {AnatomicalView::kPosterior, {-1, 0}, {0, 0}, {0, +1}},
    {AnatomicalView::kLeft, {0, 0}, {-1, 0}, {0, +1}},
    {AnatomicalView::kRight, {0, 0}, {+1, 0}, {0, +1}},
    {AnatomicalView::kSuperior, {-1, 0}, {0, +1}, {0, 0}},
    {AnatomicalView::kInferior, {+1, 0}, {0, +1}, {0, 0}},
};

// Checks a marker's centroid against the expected side of the image; `place` names the case.
void ExpectSide(const Centroid& c, Expected2 expected, int width, int height,
                const std::string& place) {
  ASSERT_GE(c.count, 10) << place << ": marker not visible";
  const double dx = c.x - (width - 1) / 2.0;   // + toward the right
  const double dy = (height - 1) / 2.0 - c.y;  // + toward the top
  const double off = 0.1 * width;              // markers sit 40 mm (~16 px) off the centre
  const double on = 3;
  if (expected.horizontal == 0) {
    EXPECT_LT(std::abs(dx), on) << place << ": expected centred horizontally, dx " << dx;
  } else {
    EXPECT_GT(expected.horizontal * dx, off) << place << ": wrong side horizontally, dx " << dx;
  }
  if (expected.vertical == 0) {
    EXPECT_LT(std::abs(dy), on) << place << ": expected centred vertically, dy " << dy;
  } else {
    EXPECT_GT(expected.vertical * dy, off) << place << ": wrong side vertically, dy " << dy;
  }
}

TEST(OrientationTest, AnatomicalViewsPlaceMarkersRadiologically) {
  const auto volume = MakeRenderVolume(SamplePhantom(LpsGrid(), MarkerPhantomAt));
  VolumeRenderer renderer(volume);
  RenderSettings s = MarkerSettings();
  for (const ViewCase& vc : kViewCases) {
    s.camera = AnatomicalCamera(*volume, vc.view);
    const RgbImage image = renderer.Render(s, kSize, kSize, RenderQuality::kFull);
    const Expected2 expected[] = {vc.left, vc.anterior, vc.superior};
    for (uint16_t marker : {kLeftMarker, kAnteriorMarker, kSuperiorMarker}) {
      std::string place = AnatomicalViewName(vc.view);
      place += " view, ";
      place += MarkerName(marker);
      place += " marker";
      const int channel = ChannelOf(marker);
      const Centroid c =
          CentroidOf(image, [&](const uint8_t* p) { return DominantChannel(p) == channel; });
      ExpectSide(c, expected[marker - 1], kSize, kSize, place);
      // And exactly where a pinhole camera puts the marker's centre.
      const auto at = Project(s.camera, kSize, kSize, MarkerCenter(marker));
      EXPECT_NEAR(c.x, at[0], 1.5) << place;
      EXPECT_NEAR(c.y, at[1], 1.5) << place;
    }
  }
}

TEST(OrientationTest, NonSquareFramesKeepTheAspect) {
  // A 128 x 64 frame: the vertical field of view is kept, so the superior marker sits as far
  // above the centre as in a square frame and the left marker as far right (square pixels).
  const auto volume = MakeRenderVolume(SamplePhantom(LpsGrid(), MarkerPhantomAt));
  VolumeRenderer renderer(volume);
  RenderSettings s = MarkerSettings();
  s.camera = AnatomicalCamera(*volume, AnatomicalView::kAnterior);
  const RgbImage wide = renderer.Render(s, 128, 64, RenderQuality::kFull);
  for (uint16_t marker : {kLeftMarker, kSuperiorMarker}) {
    const int channel = ChannelOf(marker);
    const Centroid c =
        CentroidOf(wide, [&](const uint8_t* p) { return DominantChannel(p) == channel; });
    ASSERT_GT(c.count, 3) << MarkerName(marker);
    const auto at = Project(s.camera, 128, 64, MarkerCenter(marker));
    EXPECT_NEAR(c.x, at[0], 1.5) << MarkerName(marker);
    EXPECT_NEAR(c.y, at[1], 1.5) << MarkerName(marker);
  }
}

// The same physical phantom stored LPS, RAS-like (i toward the right, j anterior) and with the
// index axes permuted and reversed must give the same pictures.
struct Storage {
  const char* name;
  std::array<int, 3> perm;
  std::array<bool, 3> flip;
};
constexpr Storage kStorages[] = {
    {"RAS (diag(-1,-1,1))", {0, 1, 2}, {true, true, false}},
    {"permuted (S, L, P) with S and P reversed", {2, 0, 1}, {true, false, true}},
};

TEST(OrientationTest, StorageOrderDoesNotChangeTheImage) {
  const Geometry lps = LpsGrid();
  const auto reference = MakeRenderVolume(SamplePhantom(lps, MarkerPhantomAt));
  VolumeRenderer reference_renderer(reference);
  RenderSettings s = MarkerSettings();
  for (const Storage& storage : kStorages) {
    const Geometry grid = ReorderedGrid(lps, storage.perm, storage.flip);
    const auto volume = MakeRenderVolume(SamplePhantom(grid, MarkerPhantomAt));
    VolumeRenderer renderer(volume);
    for (AnatomicalView view : {AnatomicalView::kAnterior, AnatomicalView::kLeft}) {
      s.camera = AnatomicalCamera(*reference, view);
      const RgbImage expected = reference_renderer.Render(s, kSize, kSize, RenderQuality::kFull);
      s.camera = AnatomicalCamera(*volume, view);
      const RgbImage actual = renderer.Render(s, kSize, kSize, RenderQuality::kFull);
      EXPECT_GT(Psnr(expected, actual), 40)
          << storage.name << ", " << AnatomicalViewName(view) << " view";
    }
    for (SliceOrientation o :
         {SliceOrientation::kAxial, SliceOrientation::kCoronal, SliceOrientation::kSagittal}) {
      s.mode = RenderMode::kSliceSegmentation;
      s.slice.orientation = o;
      // 90 px: no pixel centre falls exactly half way between voxel centres, where the
      // nearest label is a tie that each storage order may break its own way.
      const RgbImage expected = RenderSlice(*reference, s, 90, 90);
      const RgbImage actual = RenderSlice(*volume, s, 90, 90);
      EXPECT_GT(Psnr(expected, actual), 40)
          << storage.name << ", slice orientation " << static_cast<int>(o);
      s.mode = RenderMode::kComposite;
    }
  }
}

// Slices through the phantom's centre: axial from the feet (left on the right, anterior up),
// coronal from the front (left on the right, head up), sagittal from the patient's left
// (anterior on the left, head up). The marker off the plane must not show.
struct SliceCase {
  SliceOrientation orientation;
  const char* name;
  Expected2 left, anterior, superior;  // {2, 2}: not in this plane
};
constexpr SliceCase kSliceCases[] = {
    {SliceOrientation::kAxial, "axial", {+1, 0}, {0, +1}, {2, 2}},
    {SliceOrientation::kCoronal, "coronal", {+1, 0}, {2, 2}, {0, +1}},
    {SliceOrientation::kSagittal, "sagittal", {2, 2}, {-1, 0}, {0, +1}},
};

TEST(OrientationTest, SlicesFollowRadiologicalConventions) {
  for (const Storage* storage : {static_cast<const Storage*>(nullptr), &kStorages[0]}) {
    const Geometry grid =
        storage ? ReorderedGrid(LpsGrid(), storage->perm, storage->flip) : LpsGrid();
    const auto volume = MakeRenderVolume(SamplePhantom(grid, MarkerPhantomAt));
    RenderSettings s = MarkerSettings();
    s.mode = RenderMode::kSliceSegmentation;
    for (const SliceCase& sc : kSliceCases) {
      s.slice.orientation = sc.orientation;
      const RgbImage image = RenderSlice(*volume, s, kSize, kSize);
      const Expected2 expected[] = {sc.left, sc.anterior, sc.superior};
      for (uint16_t marker : {kLeftMarker, kAnteriorMarker, kSuperiorMarker}) {
        std::string place = storage ? storage->name : "LPS";
        place += ", ";
        place += sc.name;
        place += " slice, ";
        place += MarkerName(marker);
        place += " marker";
        const int channel = ChannelOf(marker);
        const Centroid c =
            CentroidOf(image, [&](const uint8_t* p) { return DominantChannel(p) == channel; });
        if (expected[marker - 1].horizontal == 2) {
          EXPECT_EQ(c.count, 0) << place << ": off the plane, yet drawn";
        } else {
          ExpectSide(c, expected[marker - 1], kSize, kSize, place);
        }
      }
    }
  }
}

}  // namespace
}  // namespace viscera
