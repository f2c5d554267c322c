// CudaRenderer in builds without nvcc (VISCERA_CUDA=OFF): every entry point says so.
#include "render/cuda_renderer.h"

namespace viscera {
namespace {

constexpr const char* kNoCuda =
    "this build of Viscera has no CUDA renderer: configure with nvcc available (VISCERA_CUDA=ON)";

}  // namespace

struct CudaRenderer::Impl {
  std::shared_ptr<const RenderVolume> volume;
};

bool CudaDeviceAvailable(std::string* why) {
  if (why) *why = kNoCuda;
  return false;
}

Expected<std::unique_ptr<CudaRenderer>> CudaRenderer::Create(
    std::shared_ptr<const RenderVolume> /*volume*/) {
  return MakeError(ErrorCode::kUnsupported, kNoCuda);
}

CudaRenderer::CudaRenderer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CudaRenderer::~CudaRenderer() = default;

Expected<RgbImage> CudaRenderer::Render(const RenderSettings& /*settings*/, int /*width*/,
                                        int /*height*/, RenderQuality /*quality*/,
                                        int /*pixel_scale*/, FrameStats* /*stats*/) {
  return MakeError(ErrorCode::kUnsupported, kNoCuda);
}

const RenderVolume& CudaRenderer::volume() const {
  return *impl_->volume;
}

}  // namespace viscera
