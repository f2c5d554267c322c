// The CUDA renderer: the CPU renderer's ray marcher (ray_march.h, compiled a second time by nvcc)
// run as one GPU thread per pixel. The bricked volume is uploaded once; the baked transfer
// function and occupancy (small) again only when they change. Slice modes are drawn on the CPU.
// No CUDA header is included here: builds without nvcc get a stub whose Create says so.
#pragma once

#include <memory>
#include <string>

#include "core/expected.h"
#include "render/image.h"
#include "render/render_settings.h"
#include "render/render_volume.h"
#include "render/volume_renderer.h"

namespace viscera {

// Whether this build has the CUDA renderer and a CUDA device can be used; if not, *why (when
// given) says why in words a user can act on.
bool CudaDeviceAvailable(std::string* why = nullptr);

// Renders frames of one volume on the current CUDA device. One thread at a time.
class CudaRenderer {
 public:
  // kUnsupported (naming the reason) when the build has no CUDA or there is no usable device;
  // kTooLarge when the volume does not fit in device memory.
  static Expected<std::unique_ptr<CudaRenderer>> Create(std::shared_ptr<const RenderVolume> volume);
  ~CudaRenderer();
  CudaRenderer(const CudaRenderer&) = delete;
  CudaRenderer& operator=(const CudaRenderer&) = delete;

  // As VolumeRenderer::Render, with the same pixels up to float rounding; an error if a CUDA
  // call fails (the device is lost, out of memory).
  Expected<RgbImage> Render(const RenderSettings& settings, int width, int height,
                            RenderQuality quality, int pixel_scale = 1,
                            FrameStats* stats = nullptr);

  const RenderVolume& volume() const;

 private:
  struct Impl;
  explicit CudaRenderer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace viscera
