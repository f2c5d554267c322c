// Clara's SLICE and SLICE_SEGMENTATION views: a windowed CT plane (axial, coronal, sagittal or
// oblique), with the label map drawn over it in the organs' colours.
#pragma once

#include "render/image.h"
#include "render/render_settings.h"

namespace viscera {

class RenderVolume;

// The plane's in-image axes (LPS), radiological conventions: axial seen from the feet (patient's
// left on the image's right, anterior up), coronal seen from the front (left on the right, head
// up), sagittal seen from the patient's left (anterior on the image's left, head up). Oblique:
// the image's top is `up` projected into the plane, right = normal x up.
struct SliceAxes {
  Vec3 right, up, normal;
};
SliceAxes SliceAxesOf(const SliceView& view);

// Nothing outside the volume is drawn (black). Hidden labels (transfer function hiddenRegions or
// organ styles) are not overlaid; the CT under them still shows.
RgbImage RenderSlice(const RenderVolume& volume, const RenderSettings& settings, int width,
                     int height);

}  // namespace viscera
