// The CPU renderer: tiles of the image marched in parallel on every core. It keeps the baked
// transfer function and brick occupancy of the last frame, so frames that only move the camera
// pay nothing for them and organ edits re-bake only the small tables.
#pragma once

#include <memory>

#include "render/image.h"
#include "render/render_settings.h"
#include "render/render_volume.h"
#include "render/transfer_cache.h"

namespace viscera {

struct FrameStats {
  double milliseconds = 0;                    // wall time of the frame
  int marched_width = 0, marched_height = 0;  // resolution actually ray-marched
  bool rebaked = false;                       // the transfer function/occupancy had to be rebuilt
  double occupied_fraction = 0;               // of the bricks, for the frame's transfer function
};

class VolumeRenderer {
 public:
  explicit VolumeRenderer(std::shared_ptr<const RenderVolume> volume);

  // A frame of width x height. quality decides the step and shadows; pixel_scale > 1 marches
  // width/scale x height/scale rays and resizes (progressive drafts). Slice modes ignore both.
  RgbImage Render(const RenderSettings& settings, int width, int height, RenderQuality quality,
                  int pixel_scale = 1, FrameStats* stats = nullptr);

  const RenderVolume& volume() const { return *volume_; }

  // Off: every block is marched (for tests: skipping must not change the image).
  void set_empty_space_skipping(bool on) { skip_empty_space_ = on; }

 private:
  std::shared_ptr<const RenderVolume> volume_;
  TransferCache cache_;
  bool skip_empty_space_ = true;
};

// The end of a marched frame, shared by the CPU and CUDA renderers: the marched image resized to
// the requested size, and the frame's statistics filled in.
RgbImage FinishMarchedFrame(RgbImage marched, int width, int height, bool rebaked,
                            const PreparedTransfer& prepared, FrameStats& stats);

// Renders at low resolution while the user interacts, sized so a frame takes about
// target_ms, and at full quality once interaction stops.
class ProgressiveRenderer {
 public:
  explicit ProgressiveRenderer(VolumeRenderer& renderer, double target_ms = 30)
      : renderer_(renderer), target_ms_(target_ms) {}

  RgbImage RenderInteractive(const RenderSettings& settings, int width, int height,
                             FrameStats* stats = nullptr);
  RgbImage RenderRefined(const RenderSettings& settings, int width, int height,
                         FrameStats* stats = nullptr);
  int draft_scale() const { return scale_; }

 private:
  VolumeRenderer& renderer_;
  double target_ms_;
  int scale_ = 4;
};

}  // namespace viscera
