// libFuzzer target for the DICOM reader: our parser, the layout checks and the frame decoders
// (native, RLE, and the toolkit codecs behind them), straight from memory.
#include <cstdint>
#include <vector>

#include "io/dicom/dicom_file.h"
#include "io/dicom/series_layout.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  auto header = viscera::ParseDicomHeader(bytes, "fuzz.dcm");
  if (!header) return 0;
  viscera::DicomSeries series{header->series_instance_uid, header->study_instance_uid, {*header}};
  auto layout = viscera::ComputeSeriesLayout(series);
  if (!layout) return 0;  // the loader decodes only slices that passed the layout checks
  const auto& h = *header;
  // Frames of a sane size only: size limits are checked by the loader before decoding.
  if (int64_t{h.rows} * h.columns <= (int64_t{1} << 20)) {
    std::vector<uint8_t> frame(static_cast<size_t>(h.rows) * static_cast<size_t>(h.columns) *
                               static_cast<size_t>(h.bits_allocated / 8));
    auto status = viscera::DecodeDicomFrame(h, bytes, frame);
    (void)status;
  }
  return 0;
}
