// TorchScript models through libtorch, behind WindowPredictor: torch_model.cpp is the one file
// that includes torch, and turns its exceptions into Errors.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "segment/window_predictor.h"

namespace viscera {

enum class InferenceDevice { kCpu, kCuda };

struct TorchModelOptions {
  InferenceDevice device = InferenceDevice::kCpu;
  int threads = 0;  // intra-op threads on CPU; 0 = all cores (libtorch alone would use 1)
};

// Loads a TorchScript file. kCorruptData names the file when it is not a loadable TorchScript
// archive; kUnsupported when CUDA is asked of a build whose libtorch has none (the message says
// how to get one).
Expected<std::unique_ptr<WindowPredictor>> LoadTorchModel(const std::filesystem::path& file,
                                                          const TorchModelOptions& options);

// True when this build's libtorch can run on a CUDA GPU right now.
bool TorchCudaAvailable();

}  // namespace viscera
