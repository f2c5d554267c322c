// libFuzzer target for the DICOM reader: header parse, layout checks and frame decode of one file.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "io/dicom/dicom_file.h"
#include "io/dicom/series_layout.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/viscera-dicom-fuzz-" + std::to_string(::getpid()) + ".dcm";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);

  auto header = viscera::ReadDicomHeader(path);
  if (!header) return 0;
  viscera::DicomSeries series{header->series_instance_uid, header->study_instance_uid, {*header}};
  auto layout = viscera::ComputeSeriesLayout(series);
  (void)layout;
  const auto& h = *header;
  // Decode only frames of a sane size: the size limits themselves are checked by the loader.
  if ((h.bits_allocated == 8 || h.bits_allocated == 16) && h.rows > 0 && h.columns > 0 &&
      int64_t{h.rows} * h.columns <= (int64_t{1} << 20)) {
    std::vector<uint8_t> frame(static_cast<size_t>(h.rows) * static_cast<size_t>(h.columns) *
                               static_cast<size_t>(h.bits_allocated / 8));
    auto status = viscera::DecodeDicomFrame(h, frame);
    (void)status;
  }
  return 0;
}
