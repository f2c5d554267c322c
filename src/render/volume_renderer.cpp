#include "render/volume_renderer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>

#include "core/parallel.h"
#include "render/frame_setup.h"
#include "render/ray_march.h"
#include "render/slice_renderer.h"

namespace viscera {

VolumeRenderer::VolumeRenderer(std::shared_ptr<const RenderVolume> volume)
    : volume_(std::move(volume)) {}

RgbImage VolumeRenderer::Render(const RenderSettings& settings, int width, int height,
                                RenderQuality quality, int pixel_scale, FrameStats* stats) {
  const auto start = std::chrono::steady_clock::now();
  FrameStats local;
  RgbImage image;
  if (settings.mode == RenderMode::kSlice || settings.mode == RenderMode::kSliceSegmentation) {
    image = RenderSlice(*volume_, settings, width, height);
    local.marched_width = width;
    local.marched_height = height;
  } else {
    pixel_scale = std::max(1, pixel_scale);
    const int w = std::max(1, width / pixel_scale), h = std::max(1, height / pixel_scale);
    const float step = StepMm(*volume_, settings, quality);
    bool rebaked = false;
    std::shared_ptr<const PreparedTransfer> prepared =
        cache_.Get(*volume_, settings, step, &rebaked);
    VolumeView view = HostViewOf(*volume_, *prepared);
    // Without skipping: every block marched, with labels read (mixed) wherever there are any.
    std::vector<uint16_t> all_blocks;
    std::vector<uint8_t> no_distance;
    if (!skip_empty_space_) {
      all_blocks.assign(prepared->occupancy.block_code.size(), kBrickMixed);
      no_distance.assign(prepared->occupancy.block_distance.size(), 1);
      view.block_code = all_blocks.data();
      view.block_distance = no_distance.data();
    }
    const FrameParams frame = MakeFrameParams(*volume_, settings, w, h, quality);

    RgbImage marched(w, h);
    constexpr int kTile = 16;
    const int tiles_x = (w + kTile - 1) / kTile, tiles_y = (h + kTile - 1) / kTile;
    std::atomic<int> next{0};
    // Workers pull tiles from a shared counter: rays through dense tissue cost far more than
    // rays through air, so fixed chunks would leave cores idle.
    ParallelFor(0, WorkerCount(), [&](int64_t) {
      for (int tile = next++; tile < tiles_x * tiles_y; tile = next++) {
        const int x0 = (tile % tiles_x) * kTile, y0 = (tile / tiles_x) * kTile;
        for (int y = y0; y < std::min(y0 + kTile, h); ++y) {
          for (int x = x0; x < std::min(x0 + kTile, w); ++x) {
            const PixelColor c = MarchPixel(view, frame, x, y);
            uint8_t* out = marched.pixel(x, y);
            out[0] = static_cast<uint8_t>(std::lround(Clamp(c.r, 0, 1) * 255));
            out[1] = static_cast<uint8_t>(std::lround(Clamp(c.g, 0, 1) * 255));
            out[2] = static_cast<uint8_t>(std::lround(Clamp(c.b, 0, 1) * 255));
          }
        }
      }
    });
    image = FinishMarchedFrame(std::move(marched), width, height, rebaked, *prepared, local);
  }
  local.milliseconds =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (stats) *stats = local;
  return image;
}

RgbImage FinishMarchedFrame(RgbImage marched, int width, int height, bool rebaked,
                            const PreparedTransfer& prepared, FrameStats& stats) {
  stats.marched_width = marched.width;
  stats.marched_height = marched.height;
  stats.rebaked = rebaked;
  stats.occupied_fraction = prepared.occupancy.occupied_fraction;
  if (marched.width == width && marched.height == height) return marched;
  return Resize(marched, width, height);
}

RgbImage ProgressiveRenderer::RenderInteractive(const RenderSettings& settings, int width,
                                                int height, FrameStats* stats) {
  FrameStats local;
  RgbImage image = renderer_.Render(settings, width, height, RenderQuality::kDraft, scale_, &local);
  // Adapt the next draft's resolution: ray count scales with 1/scale^2.
  if (!local.rebaked) {
    if (local.milliseconds > target_ms_ && scale_ < 8) {
      ++scale_;
    } else if (local.milliseconds * (scale_ * scale_) / ((scale_ - 1) * (scale_ - 1) + 1e-9) <
                   0.8 * target_ms_ &&
               scale_ > 1) {
      --scale_;
    }
  }
  if (stats) *stats = local;
  return image;
}

RgbImage ProgressiveRenderer::RenderRefined(const RenderSettings& settings, int width, int height,
                                            FrameStats* stats) {
  const RenderQuality quality =
      settings.quality == RenderQuality::kDraft ? RenderQuality::kFull : settings.quality;
  return renderer_.Render(settings, width, height, quality, 1, stats);
}

}  // namespace viscera
