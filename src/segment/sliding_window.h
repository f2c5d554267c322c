// Stage 3 of segmentation: MONAI's sliding-window inference with the aggregation streamed by
// slabs along k, so only about one roi's depth of per-class sums is held, never the whole volume
// per class (a 512x512x600 CT would need ~2 GB of float sums at 1.5 mm otherwise).
#pragma once

#include <array>
#include <functional>
#include <vector>

#include "core/volume.h"
#include "segment/model_metadata.h"
#include "segment/window_predictor.h"

namespace viscera {

// Window start positions along one axis of n voxels (n already padded to >= roi), MONAI's
// dense_patch_slices rule.
std::vector<int64_t> WindowStarts(int64_t n, int64_t roi, double overlap);

// MONAI's importance map for "gaussian" blending (sigma_scale 0.125), [rx][ry][rz] z fastest;
// all ones for "constant".
std::vector<float> ImportanceMap(const std::array<int64_t, 3>& roi, WindowBlend blend);

struct SlidingWindowProgress {
  int64_t windows_done = 0;
  int64_t windows_total = 0;
};

struct SlidingWindowOptions {
  // Called after each batch (from the calling thread).
  std::function<void(const SlidingWindowProgress&)> on_progress;
  // Most windows per network call (0: the model's sw_batch). Does not change the result.
  int network_batch = 0;
  // When set, the first window's input and logits are copied here (parity checks).
  std::vector<float>* first_window_input = nullptr;
  std::vector<float>* first_window_logits = nullptr;
};

// Runs the network over `image` and returns the argmax class per voxel (ties to the lowest
// class), on image's grid.
Expected<Volume<uint16_t>> SlidingWindowSegment(const Volume<float>& image,
                                                const ModelMetadata& model,
                                                WindowPredictor& predictor,
                                                const SlidingWindowOptions& options = {});

}  // namespace viscera
