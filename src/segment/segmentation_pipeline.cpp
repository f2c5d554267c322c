#include "segment/segmentation_pipeline.h"

#include <chrono>

#include "segment/postprocess.h"
#include "segment/preprocess.h"
#include "segment/sliding_window.h"

namespace viscera {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

const char* SegmentStageName(SegmentStage stage) {
  switch (stage) {
    case SegmentStage::kPreprocess:
      return "preprocess";
    case SegmentStage::kInference:
      return "inference";
    case SegmentStage::kPostprocess:
      return "postprocess";
  }
  return "?";
}

Expected<SegmentationResult> SegmentHounsfield(const HounsfieldVolume& hu,
                                               const ModelMetadata& model,
                                               WindowPredictor& predictor,
                                               const SegmentOptions& options) {
  auto report = [&](SegmentStage stage, int64_t done, int64_t total) {
    if (options.on_progress) options.on_progress(stage, done, total);
  };
  SegmentationResult result;

  auto start = std::chrono::steady_clock::now();
  report(SegmentStage::kPreprocess, 0, 1);
  VISCERA_ASSIGN_OR_RETURN(PreprocessedImage pre, Preprocess(hu, model));
  result.network_grid = pre.network_grid;
  result.crop_begin = pre.crop_begin;
  result.crop_size = pre.image.size();
  result.preprocess_seconds = SecondsSince(start);

  start = std::chrono::steady_clock::now();
  SlidingWindowOptions sw;
  sw.first_window_input = options.first_window_input;
  sw.first_window_logits = options.first_window_logits;
  sw.network_batch = options.network_batch;
  sw.on_progress = [&](const SlidingWindowProgress& p) {
    result.windows = p.windows_total;
    report(SegmentStage::kInference, p.windows_done, p.windows_total);
  };
  VISCERA_ASSIGN_OR_RETURN(Volume<uint16_t> classes,
                           SlidingWindowSegment(pre.image, model, predictor, sw));
  result.inference_seconds = SecondsSince(start);
  pre.image = Volume<float>();  // release the network input before the full-size output

  start = std::chrono::steady_clock::now();
  report(SegmentStage::kPostprocess, 0, 1);
  if (options.largest_component) {
    // On the network's grid: same connectivity, far fewer voxels than the source grid.
    result.removed_by_largest_component = KeepLargestComponents(classes);
  }
  VISCERA_ASSIGN_OR_RETURN(
      result.labels, LabelsToSourceGrid(classes, pre.network_grid, pre.crop_begin, hu.geometry()));
  result.postprocess_seconds = SecondsSince(start);
  return result;
}

}  // namespace viscera
