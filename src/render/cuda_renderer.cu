// CudaRenderer: MarchPixel (ray_march.h) in a kernel, one thread per pixel. The only file that
// includes CUDA headers; every CUDA error becomes an Error here.
#include "render/cuda_renderer.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <type_traits>

#include "render/frame_setup.h"
#include "render/ray_march.h"
#include "render/slice_renderer.h"
#include "render/transfer_cache.h"

namespace viscera {
namespace {

Status Check(cudaError_t e, const std::string& what) {
  if (e == cudaSuccess) return Ok{};
  // Clears a non-sticky error so that later calls do not report it again.
  cudaGetLastError();
  const ErrorCode code =
      e == cudaErrorMemoryAllocation ? ErrorCode::kTooLarge : ErrorCode::kIoError;
  return MakeError(code, "CUDA renderer: " + what + ": " + cudaGetErrorString(e) + " (" +
                             cudaGetErrorName(e) + ")");
}

// An array in device memory, freed with its owner.
template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  ~DeviceBuffer() { Release(); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  // Room for at least n elements; the contents are lost when it grows.
  Status Reserve(size_t n, const std::string& what) {
    if (n <= capacity_ && data_) return Ok{};
    Release();
    void* p = nullptr;
    const size_t bytes = std::max<size_t>(n, 1) * sizeof(T);
    VISCERA_RETURN_IF_ERROR(
        Check(cudaMalloc(&p, bytes), "allocating " + std::to_string(bytes) + " bytes for " + what));
    data_ = static_cast<T*>(p);
    capacity_ = n;
    return Ok{};
  }
  template <typename Vector>
  Status Upload(const Vector& host, const std::string& what) {
    static_assert(std::is_same_v<typename Vector::value_type, T>);
    VISCERA_RETURN_IF_ERROR(Reserve(host.size(), what));
    if (host.empty()) return Ok{};
    return Check(cudaMemcpy(data_, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice),
                 "uploading " + what);
  }
  T* get() const { return data_; }

 private:
  void Release() {
    if (data_) cudaFree(data_);
    data_ = nullptr;
    capacity_ = 0;
  }
  T* data_ = nullptr;
  size_t capacity_ = 0;
};

constexpr int kBlockSide = 16;  // threads per block: 16 x 16 pixels

__global__ void MarchKernel(VolumeView view, FrameParams frame, uint8_t* rgb) {
  const int x = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  const int y = static_cast<int>(blockIdx.y * blockDim.y + threadIdx.y);
  if (x >= frame.width || y >= frame.height) return;
  const PixelColor c = MarchPixel(view, frame, x, y);
  // As the CPU renderer: round half away from zero of the clamped float times 255.
  uint8_t* out = rgb + (static_cast<size_t>(y) * frame.width + x) * 3;
  out[0] = static_cast<uint8_t>(lroundf(Clamp(c.r, 0, 1) * 255));
  out[1] = static_cast<uint8_t>(lroundf(Clamp(c.g, 0, 1) * 255));
  out[2] = static_cast<uint8_t>(lroundf(Clamp(c.b, 0, 1) * 255));
}

}  // namespace

struct CudaRenderer::Impl {
  std::shared_ptr<const RenderVolume> volume;
  DeviceBuffer<int16_t> hu;
  DeviceBuffer<uint8_t> labels;
  // The transfer function on the device, for `uploaded` (held, so its address is not reused).
  TransferCache cache;
  std::shared_ptr<const PreparedTransfer> uploaded;
  DeviceBuffer<uint16_t> block_code, label_table;
  DeviceBuffer<uint8_t> block_distance, label_visible;
  DeviceBuffer<TfEntry> tables;
  DeviceBuffer<float> alphas;
  DeviceBuffer<uint8_t> image;

  Status UploadTransfer(const std::shared_ptr<const PreparedTransfer>& prepared) {
    if (prepared == uploaded) return Ok{};
    uploaded.reset();
    const BakedTransferFunction& baked = prepared->baked;
    VISCERA_RETURN_IF_ERROR(block_code.Upload(prepared->occupancy.block_code, "block occupancy"));
    VISCERA_RETURN_IF_ERROR(
        block_distance.Upload(prepared->occupancy.block_distance, "block distances"));
    VISCERA_RETURN_IF_ERROR(label_table.Upload(baked.label_table, "label tables"));
    VISCERA_RETURN_IF_ERROR(label_visible.Upload(baked.label_visible, "label visibility"));
    VISCERA_RETURN_IF_ERROR(tables.Upload(baked.tables, "transfer-function tables"));
    VISCERA_RETURN_IF_ERROR(alphas.Upload(baked.alphas, "transfer-function opacities"));
    uploaded = prepared;
    return Ok{};
  }

  // HostViewOf's layout with device pointers.
  VolumeView DeviceView() const {
    VolumeView view = HostViewOf(*volume, *uploaded);
    view.hu = hu.get();
    view.labels = volume->has_labels() ? labels.get() : nullptr;
    view.block_code = block_code.get();
    view.block_distance = block_distance.get();
    view.label_table = label_table.get();
    view.label_visible = label_visible.get();
    view.tables = tables.get();
    view.alphas = alphas.get();
    return view;
  }
};

bool CudaDeviceAvailable(std::string* why) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  std::string reason;
  if (e != cudaSuccess) {
    cudaGetLastError();
    reason = std::string("no usable CUDA device: ") + cudaGetErrorString(e) + " (" +
             cudaGetErrorName(e) + ")";
    int driver = 0, runtime = 0;
    cudaDriverGetVersion(&driver);
    cudaRuntimeGetVersion(&runtime);
    auto version = [](int v) {
      return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
    };
    if (driver == 0) {
      reason += "; no NVIDIA driver is installed (libcuda.so not found)";
    } else if (driver < runtime) {
      reason += "; the NVIDIA driver supports CUDA " + version(driver) + ", this build needs " +
                version(runtime);
    }
  } else if (count == 0) {
    reason = "no CUDA device found";
  }
  if (why) *why = reason;
  return reason.empty();
}

Expected<std::unique_ptr<CudaRenderer>> CudaRenderer::Create(
    std::shared_ptr<const RenderVolume> volume) {
  VISCERA_CHECK(volume != nullptr, "CudaRenderer::Create without a volume");
  std::string why;
  if (!CudaDeviceAvailable(&why)) return MakeError(ErrorCode::kUnsupported, why);
  // A device this build has no code for (older than the architectures compiled) fails here.
  cudaFuncAttributes attributes{};
  if (const cudaError_t e = cudaFuncGetAttributes(&attributes, MarchKernel); e != cudaSuccess) {
    cudaGetLastError();
    int device = 0, major = 0, minor = 0;
    cudaGetDevice(&device);
    cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device);
    cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device);
    return MakeError(ErrorCode::kUnsupported,
                     "the CUDA renderer cannot run on this GPU (compute capability " +
                         std::to_string(major) + "." + std::to_string(minor) +
                         "): " + cudaGetErrorString(e));
  }
  auto impl = std::make_unique<Impl>();
  impl->volume = std::move(volume);
  VISCERA_RETURN_IF_ERROR(impl->hu.Upload(impl->volume->bricked_hu(), "the CT"));
  if (impl->volume->has_labels()) {
    VISCERA_RETURN_IF_ERROR(impl->labels.Upload(impl->volume->bricked_labels(), "the labels"));
  }
  return std::unique_ptr<CudaRenderer>(new CudaRenderer(std::move(impl)));
}

CudaRenderer::CudaRenderer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CudaRenderer::~CudaRenderer() = default;

const RenderVolume& CudaRenderer::volume() const {
  return *impl_->volume;
}

Expected<RgbImage> CudaRenderer::Render(const RenderSettings& settings, int width, int height,
                                        RenderQuality quality, int pixel_scale, FrameStats* stats) {
  const auto start = std::chrono::steady_clock::now();
  const RenderVolume& volume = *impl_->volume;
  FrameStats local;
  RgbImage image;
  if (settings.mode == RenderMode::kSlice || settings.mode == RenderMode::kSliceSegmentation) {
    image = RenderSlice(volume, settings, width, height);
    local.marched_width = width;
    local.marched_height = height;
  } else {
    pixel_scale = std::max(1, pixel_scale);
    const int w = std::max(1, width / pixel_scale), h = std::max(1, height / pixel_scale);
    const float step = StepMm(volume, settings, quality);
    bool rebaked = false;
    std::shared_ptr<const PreparedTransfer> prepared =
        impl_->cache.Get(volume, settings, step, &rebaked);
    VISCERA_RETURN_IF_ERROR(impl_->UploadTransfer(prepared));
    const VolumeView view = impl_->DeviceView();
    const FrameParams frame = MakeFrameParams(volume, settings, w, h, quality);

    RgbImage marched(w, h);
    VISCERA_RETURN_IF_ERROR(impl_->image.Reserve(marched.rgb.size(), "the frame"));
    const dim3 block(kBlockSide, kBlockSide);
    const dim3 grid((w + kBlockSide - 1) / kBlockSide, (h + kBlockSide - 1) / kBlockSide);
    MarchKernel<<<grid, block>>>(view, frame, impl_->image.get());
    VISCERA_RETURN_IF_ERROR(Check(cudaGetLastError(), "launching the ray marcher"));
    // Waits for the kernel; a fault inside it is reported here.
    VISCERA_RETURN_IF_ERROR(Check(cudaMemcpy(marched.rgb.data(), impl_->image.get(),
                                             marched.rgb.size(), cudaMemcpyDeviceToHost),
                                  "ray marching the frame"));
    image = FinishMarchedFrame(std::move(marched), width, height, rebaked, *prepared, local);
  }
  local.milliseconds =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (stats) *stats = local;
  return image;
}

}  // namespace viscera
