// libFuzzer target for label-name files (io/label_names.h): {"1": "spleen", ...} JSON that
// arrives with a label map from elsewhere.
#include <cstdint>

#include "fuzz_support.h"
#include "io/label_names.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = viscera::fuzz::WorkDir("label_names") / "labels.json";
  viscera::fuzz::WriteFile(path, data, size);
  auto table = viscera::ReadLabelNames(path);
  if (table.ok()) {
    for (const auto& entry : table->entries()) {
      if (entry.id == 0 || entry.name.empty()) __builtin_trap();  // the reader promised otherwise
    }
  }
  return 0;
}
