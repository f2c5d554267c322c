// MetaImage (.mhd + raw data file, or single-file .mha): the format Clara's dataset service reads.
//
// Supports NDims 3 (and 2, read as one slice), ElementSpacing/ElementSize, Offset/Origin/Position,
// TransformMatrix/Rotation/Orientation, ElementType MET_UCHAR/CHAR/SHORT/USHORT/INT/UINT/FLOAT/
// DOUBLE, BinaryDataByteOrderMSB, CompressedData (zlib), HeaderSize, ElementDataFile LOCAL or a
// file beside the header. MetaImage world coordinates are LPS, like ours.
#pragma once

#include <filesystem>

#include "core/volume.h"
#include "io/read_limits.h"

namespace viscera {

Expected<AnyVolume> ReadMetaImage(const std::filesystem::path& path, const ReadLimits& limits = {});

struct MetaImageWriteOptions {
  bool compress = false;  // zlib CompressedData; the data file is then .zraw
};

// .mhd writes a header plus a data file named after it (.raw / .zraw); .mha writes one file.
// Both files are written atomically, data first, so a reader never sees a header without data.
Status WriteMetaImage(const AnyVolume& volume, const std::filesystem::path& path,
                      const MetaImageWriteOptions& options = {});

}  // namespace viscera
