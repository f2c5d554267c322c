// libFuzzer target for a model folder's metadata.json parser: a model downloaded from elsewhere
// is outside data, and its metadata decides buffer sizes (roi, channels) for the whole pipeline.
#include <cstdint>
#include <string>

#include "segment/model_metadata.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto meta = viscera::ParseModelMetadata(text, "fuzz/metadata.json");
  if (meta) {
    // What the pipeline relies on after a successful parse.
    VISCERA_CHECK(meta->output_channels >= 2, "channels");
    VISCERA_CHECK(static_cast<int>(meta->labels.entries().size()) == meta->output_channels - 1,
                  "labels");
    for (int a = 0; a < 3; ++a) VISCERA_CHECK(meta->roi[a] >= 8 && meta->roi[a] <= 512, "roi");
    VISCERA_CHECK(meta->sw_batch >= 1 && meta->sw_batch <= 64, "sw_batch");
  }
  return 0;
}
