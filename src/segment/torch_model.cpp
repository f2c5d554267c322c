#include "segment/torch_model.h"

#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <torch/cuda.h>
#include <torch/script.h>

#include <algorithm>
#include <cstring>
#include <thread>

#include "core/log.h"

namespace viscera {
namespace {

// torch's messages carry a C++ backtrace after the first line; keep the first line only.
std::string FirstLine(const char* what) {
  std::string s(what);
  size_t end = s.find('\n');
  return end == std::string::npos ? s : s.substr(0, end);
}

class TorchScriptPredictor final : public WindowPredictor {
 public:
  TorchScriptPredictor(torch::jit::script::Module module, std::filesystem::path file,
                       InferenceDevice device, int threads)
      : module_(std::move(module)), file_(std::move(file)), device_(device), threads_(threads) {}

  Status Predict(std::span<const float> input, int batch, const std::array<int64_t, 3>& roi,
                 int channels, std::span<float> output) override {
    try {
      torch::NoGradGuard no_grad;
      torch::Tensor x = torch::from_blob(const_cast<float*>(input.data()),
                                         {batch, 1, roi[0], roi[1], roi[2]}, torch::kFloat32);
      torch::Tensor y;
      if (device_ == InferenceDevice::kCuda) {
        // fp16 autocast on the GPU: the network's matmuls and convolutions in half precision.
        at::autocast::set_enabled(true);
        y = module_.forward({x.to(torch::kCUDA)}).toTensor();
        at::autocast::set_enabled(false);
        at::autocast::clear_cache();
        y = y.to(torch::kCPU, torch::kFloat32);
      } else {
        y = module_.forward({x}).toTensor();
      }
      if (y.dim() != 5 || y.size(0) != batch || y.size(2) != roi[0] || y.size(3) != roi[1] ||
          y.size(4) != roi[2]) {
        return MakeError(ErrorCode::kInconsistentData,
                         file_.string() + ": model output has shape " + ShapeOf(y) +
                             ", expected [" + std::to_string(batch) + ", " +
                             std::to_string(channels) + ", " + std::to_string(roi[0]) + ", " +
                             std::to_string(roi[1]) + ", " + std::to_string(roi[2]) + "]");
      }
      if (y.size(1) != channels) {
        return MakeError(ErrorCode::kInconsistentData,
                         file_.string() + ": model produces " + std::to_string(y.size(1)) +
                             " output channels but its metadata.json declares " +
                             std::to_string(channels));
      }
      y = y.to(torch::kFloat32).contiguous();
      std::memcpy(output.data(), y.data_ptr<float>(),
                  static_cast<size_t>(y.numel()) * sizeof(float));
      return Ok{};
    } catch (const std::exception& e) {
      if (device_ == InferenceDevice::kCuda) at::autocast::set_enabled(false);
      return MakeError(ErrorCode::kCorruptData,
                       file_.string() + ": inference failed: " + FirstLine(e.what()));
    }
  }

  std::string Describe() const override {
    if (device_ == InferenceDevice::kCuda) return "TorchScript cuda (fp16 autocast)";
    return "TorchScript cpu, " + std::to_string(threads_) + " threads";
  }

 private:
  static std::string ShapeOf(const torch::Tensor& t) {
    std::string s = "[";
    for (int64_t d = 0; d < t.dim(); ++d) s += (d ? ", " : "") + std::to_string(t.size(d));
    return s + "]";
  }

  torch::jit::script::Module module_;
  std::filesystem::path file_;
  InferenceDevice device_;
  int threads_;
};

}  // namespace

bool TorchCudaAvailable() {
  try {
    return torch::cuda::is_available();
  } catch (const std::exception&) {
    return false;
  }
}

Expected<std::unique_ptr<WindowPredictor>> LoadTorchModel(const std::filesystem::path& file,
                                                          const TorchModelOptions& options) {
  if (options.device == InferenceDevice::kCuda && !TorchCudaAvailable()) {
    return MakeError(
        ErrorCode::kUnsupported,
        "--device cuda: this build's libtorch has no usable CUDA (Debian's libtorch is "
        "CPU-only, or no GPU is visible); configure with a CUDA-enabled libtorch, "
        "e.g. -DCMAKE_PREFIX_PATH=$(python3 -c 'import torch.utils; "
        "print(torch.utils.cmake_prefix_path)') from a CUDA PyTorch installation");
  }
  int threads = options.threads > 0
                    ? options.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  try {
    at::set_num_threads(threads);
    torch::Device device =
        options.device == InferenceDevice::kCuda ? torch::Device(torch::kCUDA) : torch::kCPU;
    torch::jit::script::Module module = torch::jit::load(file.string(), device);
    module.eval();
    return std::unique_ptr<WindowPredictor>(
        new TorchScriptPredictor(std::move(module), file, options.device, threads));
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kCorruptData,
                     file.string() + ": not a loadable TorchScript model: " + FirstLine(e.what()));
  }
}

}  // namespace viscera
