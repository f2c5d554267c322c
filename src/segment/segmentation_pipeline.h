// The segmentation pipeline as explicit stages (models/unetr/PIPELINE.md): preprocess ->
// sliding-window inference -> postprocess. Loading and writing are the callers' (io/, export/).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/volume.h"
#include "segment/model_metadata.h"
#include "segment/window_predictor.h"

namespace viscera {

enum class SegmentStage { kPreprocess, kInference, kPostprocess };
const char* SegmentStageName(SegmentStage stage);  // "preprocess", ...

struct SegmentOptions {
  bool largest_component = false;
  int network_batch = 0;  // most windows per network call (0: sw_batch); see SlidingWindowOptions
  // Called at each stage start (done = 0) and, during inference, after each batch of windows.
  std::function<void(SegmentStage stage, int64_t done, int64_t total)> on_progress;
  // Parity checks: the first window's network input and logits.
  std::vector<float>* first_window_input = nullptr;
  std::vector<float>* first_window_logits = nullptr;
};

struct SegmentationResult {
  Volume<uint16_t> labels;  // on the source grid
  Geometry network_grid;    // oriented + resampled grid the network saw (before crop)
  Index3 crop_begin{0, 0, 0};
  Index3 crop_size{0, 0, 0};
  int64_t windows = 0;
  int64_t removed_by_largest_component = 0;
  double preprocess_seconds = 0, inference_seconds = 0, postprocess_seconds = 0;
};

Expected<SegmentationResult> SegmentHounsfield(const HounsfieldVolume& hu,
                                               const ModelMetadata& model,
                                               WindowPredictor& predictor,
                                               const SegmentOptions& options = {});

}  // namespace viscera
