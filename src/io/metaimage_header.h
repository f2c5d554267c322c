// The text header of a MetaImage (.mhd / .mha): parsed into fields, and formatted back.
//
// Internal to io/: metaimage_io.cpp reads the voxels the header describes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/geometry.h"

namespace viscera {

// The ElementType values we read (others are refused).
enum class MetElementType { kUChar, kChar, kShort, kUShort, kInt, kUInt, kFloat, kDouble };

int MetElementBytes(MetElementType type);
const char* MetElementName(MetElementType type);  // "MET_SHORT", ...

struct MetaImageHeader {
  int ndims = 3;         // 2 or 3; a 2D image is one slice (size[2] == 1)
  Index3 size{0, 0, 0};  // DimSize
  Geometry geometry;     // size, spacing, origin (LPS) and direction
  MetElementType element_type = MetElementType::kUChar;
  bool msb = false;              // BinaryDataByteOrderMSB / ElementByteOrderMSB
  bool compressed = false;       // CompressedData (zlib or gzip stream)
  int64_t compressed_size = -1;  // CompressedDataSize; -1 when absent
  int64_t header_size = 0;       // HeaderSize: bytes to skip in the data file; -1 = data at end
  std::string data_file;         // ElementDataFile: "LOCAL" or a relative file name
  int64_t header_end = 0;        // offset of the first byte after the ElementDataFile line
  bool local() const { return data_file == "LOCAL"; }
};

// Most header text we look at before deciding the file is not a MetaImage header.
inline constexpr int64_t kMaxMetaImageHeaderBytes = int64_t{1} << 20;

// Parses header text up to and including the ElementDataFile line (which must come last; what
// follows is voxel data or ignored). `what` names the file in errors.
Expected<MetaImageHeader> ParseMetaImageHeader(std::string_view text, const std::string& what);

// Header text for writing: ObjectType ... ElementDataFile, one "Key = Value" per line, numbers
// printed with full double precision. compressed_size < 0 means not compressed.
std::string FormatMetaImageHeader(const Geometry& geometry, MetElementType type,
                                  int64_t compressed_size, const std::string& data_file);

}  // namespace viscera
