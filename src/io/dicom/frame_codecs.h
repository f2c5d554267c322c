// Decoders for compressed (encapsulated) frames: RLE and lossless JPEG (ours), JPEG-LS (CharLS),
// JPEG 2000 (OpenJPEG). Only frame_codecs.cpp includes those libraries.
#pragma once

#include <cstdint>
#include <span>

#include "io/dicom/dicom_file.h"

namespace viscera {

// Decodes one frame from its fragments into `out` (rows*columns*bits_allocated/8 bytes,
// little-endian samples), choosing the codec by header.transfer_syntax_uid. Errors name the file.
Status DecodeCompressedFrame(std::span<const std::span<const uint8_t>> fragments,
                             const DicomSliceHeader& header, std::span<uint8_t> out);

}  // namespace viscera
