// Turns RenderSettings (LPS, HU) into the plain FrameParams both ray marchers read: camera rays,
// the LPS -> index map, crop box and clip plane in index space, lights, step length.
#pragma once

#include "render/ray_march.h"
#include "render/render_settings.h"

namespace viscera {

class RenderVolume;

// The ray step for a quality level: settings.step_voxels times the smallest spacing (at most
// 1 mm) at full quality, twice that for drafts, three quarters of it for cinematic frames.
float StepMm(const RenderVolume& volume, const RenderSettings& settings, RenderQuality quality);

FrameParams MakeFrameParams(const RenderVolume& volume, const RenderSettings& settings, int width,
                            int height, RenderQuality quality);

}  // namespace viscera
