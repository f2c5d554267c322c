// The network as the sliding window sees it: a batch of input windows in, logits out. The
// TorchScript adapter (torch_model.h) is one implementation; tests use small fakes.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "core/expected.h"

namespace viscera {

class WindowPredictor {
 public:
  virtual ~WindowPredictor() = default;
  // input: [batch, 1, rx, ry, rz] float32, row-major (the last index, z, fastest) as PyTorch
  // lays out a tensor built from a nibabel (x, y, z) array. output: [batch, channels, rx, ry, rz].
  // `output` is sized by the caller for `channels` (from the model metadata); a network that
  // produces another channel count is an error naming both counts.
  virtual Status Predict(std::span<const float> input, int batch, const std::array<int64_t, 3>& roi,
                         int channels, std::span<float> output) = 0;
  virtual std::string Describe() const = 0;  // "TorchScript cpu, 2 threads"
};

}  // namespace viscera
