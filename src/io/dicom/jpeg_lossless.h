// Lossless JPEG (ITU T.81 process 14, Huffman, one component: DICOM transfer syntaxes
// 1.2.840.10008.1.2.4.57 and .70), decoded by our own code: small, bounded, fuzzed.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/expected.h"

namespace viscera {

// Decodes a frame of columns x rows samples into `out` (1 byte per sample when bytes_per_sample
// is 1, else 2 bytes little-endian). Errors name `name` and what is wrong with the stream.
Status DecodeLosslessJpeg(std::span<const uint8_t> stream, int columns, int rows,
                          int bytes_per_sample, std::span<uint8_t> out, const std::string& name);

}  // namespace viscera
