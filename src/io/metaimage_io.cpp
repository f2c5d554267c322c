#include "io/metaimage_io.h"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <span>
#include <type_traits>
#include <vector>

#include "io/atomic_file.h"
#include "io/metaimage_header.h"

namespace viscera {
namespace {
namespace fs = std::filesystem;

// The writer emits BinaryDataByteOrderMSB = False and the host's bytes as they are.
static_assert(std::endian::native == std::endian::little, "MetaImage writer assumes little-endian");

Error Corrupt(std::string message) {
  return MakeError(ErrorCode::kCorruptData, std::move(message));
}

std::string SizeText(const MetaImageHeader& h) {
  return std::to_string(h.size[0]) + "x" + std::to_string(h.size[1]) + "x" +
         std::to_string(h.size[2]) + " " + MetElementName(h.element_type);
}

// Where the voxel bytes are: a byte range of one file, raw or zlib-compressed.
struct DataSpan {
  fs::path path;
  int64_t start = 0;
  int64_t length = 0;  // bytes on disk: the raw voxels, or the compressed stream
  bool compressed = false;
};

Expected<DataSpan> LocateData(const MetaImageHeader& h, const fs::path& header_path,
                              int64_t expected_bytes) {
  const std::string what = header_path.string();
  DataSpan span;
  span.compressed = h.compressed;
  span.path = h.local() ? header_path : header_path.parent_path() / h.data_file;
  std::error_code ec;
  if (!fs::is_regular_file(span.path, ec)) {
    return MakeError(ErrorCode::kNotFound, what + ": ElementDataFile '" + h.data_file +
                                               "' not found (looked for " + span.path.string() +
                                               ")");
  }
  const auto file_size = static_cast<int64_t>(fs::file_size(span.path, ec));
  if (ec) return MakeError(ErrorCode::kIoError, span.path.string() + ": " + ec.message());
  const std::string data = span.path.string();

  if (h.header_size == -1) {  // data at the end of the file
    if (h.compressed && h.compressed_size < 0) {
      return MakeError(ErrorCode::kUnsupported,
                       what + ": HeaderSize -1 with compressed data needs CompressedDataSize");
    }
    span.length = h.compressed ? h.compressed_size : expected_bytes;
    span.start = file_size - span.length;
  } else {
    // MetaIO seeks HeaderSize bytes from the start of the data stream (also for LOCAL data).
    span.start = h.header_size > 0 ? h.header_size : (h.local() ? h.header_end : 0);
    span.length = h.compressed && h.compressed_size >= 0 ? h.compressed_size
                  : h.compressed                         ? file_size - span.start
                                                         : expected_bytes;
  }
  if (span.start < 0 || span.start > file_size || span.length > file_size - span.start) {
    const int64_t have = std::max<int64_t>(0, file_size - std::max<int64_t>(0, span.start));
    return Corrupt(data + ": truncated: " + std::to_string(have) + " bytes of " +
                   (h.compressed ? "compressed data" : "voxel data") + " after offset " +
                   std::to_string(span.start) + ", but " +
                   (h.compressed ? "CompressedDataSize says " : SizeText(h) + " needs ") +
                   std::to_string(span.length));
  }
  // Deflate expands at most ~1032:1, so a tiny stream cannot fill a huge grid: refuse before
  // allocating.
  if (h.compressed && span.length * 1100 + 1024 < expected_bytes) {
    return Corrupt(data + ": " + std::to_string(span.length) +
                   " bytes of compressed data cannot inflate to the " +
                   std::to_string(expected_bytes) + " bytes " + SizeText(h) + " needs");
  }
  return span;
}

Status Inflate(std::ifstream& in, const DataSpan& span, std::span<std::byte> out) {
  const std::string what = span.path.string();
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) {  // +32: accept zlib or gzip framing, like MetaIO
    return MakeError(ErrorCode::kIoError, what + ": cannot initialise zlib");
  }
  struct End {
    z_stream* stream;
    ~End() { inflateEnd(stream); }
  } end{&zs};
  std::vector<unsigned char> chunk(static_cast<size_t>(std::min<int64_t>(span.length, 1 << 20)));
  unsigned char overflow[64];
  int64_t in_left = span.length;
  size_t produced = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (zs.avail_in == 0) {
      if (in_left == 0) break;
      auto n = static_cast<size_t>(std::min<int64_t>(in_left, static_cast<int64_t>(chunk.size())));
      in.read(reinterpret_cast<char*>(chunk.data()), static_cast<std::streamsize>(n));
      if (static_cast<size_t>(in.gcount()) != n) {
        return MakeError(ErrorCode::kIoError, what + ": read failed");
      }
      in_left -= static_cast<int64_t>(n);
      zs.next_in = chunk.data();
      zs.avail_in = static_cast<uInt>(n);
    }
    const bool full = produced == out.size();
    if (full) {  // any further output means the stream is longer than the grid
      zs.next_out = overflow;
      zs.avail_out = sizeof(overflow);
    } else {
      zs.next_out = reinterpret_cast<unsigned char*>(out.data()) + produced;
      zs.avail_out = static_cast<uInt>(std::min<size_t>(out.size() - produced, size_t{1} << 30));
    }
    const uInt before = zs.avail_out;
    rc = inflate(&zs, Z_NO_FLUSH);
    const size_t got = before - zs.avail_out;
    if (full && got > 0) {
      return Corrupt(what + ": compressed data inflates to more than the " +
                     std::to_string(out.size()) + " bytes the header's DimSize/ElementType need");
    }
    produced += got;
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      return Corrupt(what + ": compressed data is not a valid zlib stream (" +
                     (zs.msg ? zs.msg : "error " + std::to_string(rc)) + ")");
    }
  }
  if (produced < out.size() || rc != Z_STREAM_END) {
    return Corrupt(what + ": compressed data ends early (truncated?): inflated " +
                   std::to_string(produced) + " of " + std::to_string(out.size()) + " bytes");
  }
  return Ok{};
}

Status FillBytes(const DataSpan& span, std::span<std::byte> out) {
  std::ifstream in(span.path, std::ios::binary);
  in.seekg(span.start);
  if (!in) return MakeError(ErrorCode::kIoError, span.path.string() + ": cannot open or seek");
  if (span.compressed) return Inflate(in, span, out);
  in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()));
  if (static_cast<size_t>(in.gcount()) != out.size()) {
    return MakeError(ErrorCode::kIoError, span.path.string() + ": read failed");
  }
  return Ok{};
}

void SwapBytes(std::span<std::byte> bytes, size_t width) {
  if (width < 2) return;
  for (size_t i = 0; i + width <= bytes.size(); i += width) {
    std::reverse(bytes.begin() + static_cast<std::ptrdiff_t>(i),
                 bytes.begin() + static_cast<std::ptrdiff_t>(i + width));
  }
}

// Reads voxels stored as `Stored` into a volume of `Out` (the same type, or a wider/narrower one
// where the value must fit).
template <typename Out, typename Stored>
Expected<AnyVolume> ReadVoxels(const MetaImageHeader& h, const DataSpan& span) {
  const bool swap = h.msb != (std::endian::native == std::endian::big);
  Volume<Out> volume(h.geometry);
  if constexpr (std::is_same_v<Out, Stored>) {
    auto bytes = std::as_writable_bytes(volume.voxels());
    VISCERA_RETURN_IF_ERROR(FillBytes(span, bytes));
    if (swap) SwapBytes(bytes, sizeof(Stored));
  } else {
    std::vector<Stored> stored(static_cast<size_t>(h.geometry.VoxelCount()));
    auto bytes = std::as_writable_bytes(std::span<Stored>(stored));
    VISCERA_RETURN_IF_ERROR(FillBytes(span, bytes));
    if (swap) SwapBytes(bytes, sizeof(Stored));
    auto out = volume.voxels();
    for (size_t i = 0; i < stored.size(); ++i) {
      const Stored v = stored[i];
      if constexpr (std::is_floating_point_v<Stored>) {
        if (std::isfinite(v) && std::abs(v) > std::numeric_limits<Out>::max()) {
          return MakeError(ErrorCode::kUnsupported,
                           span.path.string() + ": MET_DOUBLE voxel " + std::to_string(i) + " = " +
                               std::to_string(v) + " does not fit float32");
        }
      } else if constexpr (sizeof(Stored) >= sizeof(Out)) {  // uint32 -> int32
        if (v > static_cast<Stored>(std::numeric_limits<Out>::max())) {
          return MakeError(ErrorCode::kUnsupported, span.path.string() + ": MET_UINT voxel " +
                                                        std::to_string(i) + " = " +
                                                        std::to_string(v) + " does not fit int32");
        }
      }
      out[i] = static_cast<Out>(v);
    }
  }
  return AnyVolume(std::move(volume));
}

Expected<std::string> ReadHeaderText(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return MakeError(ErrorCode::kNotFound, path.string() + ": no such file");
  }
  const auto size = static_cast<int64_t>(fs::file_size(path, ec));
  if (ec) return MakeError(ErrorCode::kIoError, path.string() + ": " + ec.message());
  std::string text(static_cast<size_t>(std::min(size, kMaxMetaImageHeaderBytes)), '\0');
  std::ifstream in(path, std::ios::binary);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (static_cast<size_t>(in.gcount()) != text.size()) {
    return MakeError(ErrorCode::kIoError, path.string() + ": read failed");
  }
  return text;
}

Expected<std::string> Deflate(std::span<const std::byte> in, const fs::path& path) {
  z_stream zs{};
  if (deflateInit(&zs, Z_DEFAULT_COMPRESSION) != Z_OK) {
    return MakeError(ErrorCode::kIoError, path.string() + ": cannot initialise zlib");
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(in.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));
  size_t in_left = in.size();
  int rc = Z_OK;
  while (rc == Z_OK) {
    // avail_in/avail_out are 32-bit: feed at most 1 GiB at a time.
    const auto feed = static_cast<uInt>(std::min<size_t>(in_left, size_t{1} << 30));
    zs.avail_in = feed;
    in_left -= feed;
    const size_t out_used = zs.total_out;
    zs.next_out = reinterpret_cast<Bytef*>(out.data()) + out_used;
    zs.avail_out = static_cast<uInt>(std::min<size_t>(out.size() - out_used, size_t{1} << 30));
    rc = deflate(&zs, in_left == 0 ? Z_FINISH : Z_NO_FLUSH);
    in_left += zs.avail_in;  // whatever deflate did not take this round
  }
  const size_t total = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    return MakeError(ErrorCode::kIoError, path.string() + ": zlib compression failed");
  }
  out.resize(total);
  return out;
}

// A file made of consecutive byte spans, for WriteAtomically.
PendingFile Parts(const fs::path& target, std::vector<std::span<const std::byte>> parts) {
  return {target, [target, parts = std::move(parts)](const fs::path& temp) -> Status {
            std::ofstream out(temp, std::ios::binary | std::ios::trunc);
            for (auto part : parts) {
              out.write(reinterpret_cast<const char*>(part.data()),
                        static_cast<std::streamsize>(part.size()));
            }
            out.close();
            if (!out) {
              return MakeError(ErrorCode::kIoError,
                               target.string() + ": write failed (disk full?)");
            }
            return Ok{};
          }};
}

}  // namespace

Expected<AnyVolume> ReadMetaImage(const fs::path& path, const ReadLimits& limits) {
  VISCERA_ASSIGN_OR_RETURN(std::string text, ReadHeaderText(path));
  VISCERA_ASSIGN_OR_RETURN(MetaImageHeader h, ParseMetaImageHeader(text, path.string()));
  const int stored_bytes = MetElementBytes(h.element_type);
  VISCERA_RETURN_IF_ERROR(CheckClaimedSize(h.size, stored_bytes, limits, path.string()));
  const int64_t expected = h.geometry.VoxelCount() * stored_bytes;
  VISCERA_ASSIGN_OR_RETURN(DataSpan span, LocateData(h, path, expected));
  switch (h.element_type) {
    case MetElementType::kUChar:
      return ReadVoxels<uint8_t, uint8_t>(h, span);
    case MetElementType::kChar:
      return ReadVoxels<int16_t, int8_t>(h, span);
    case MetElementType::kShort:
      return ReadVoxels<int16_t, int16_t>(h, span);
    case MetElementType::kUShort:
      return ReadVoxels<uint16_t, uint16_t>(h, span);
    case MetElementType::kInt:
      return ReadVoxels<int32_t, int32_t>(h, span);
    case MetElementType::kUInt:
      return ReadVoxels<int32_t, uint32_t>(h, span);
    case MetElementType::kFloat:
      return ReadVoxels<float, float>(h, span);
    case MetElementType::kDouble:
      return ReadVoxels<float, double>(h, span);
  }
  VISCERA_CHECK(false, "unhandled MetElementType");
  return Corrupt(path.string());
}

Status WriteMetaImage(const AnyVolume& volume, const fs::path& path,
                      const MetaImageWriteOptions& options) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (ext != ".mhd" && ext != ".mha") {
    return MakeError(ErrorCode::kInvalidArgument,
                     path.string() + ": a MetaImage file name ends in .mhd or .mha");
  }
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    return MakeError(ErrorCode::kInvalidArgument, path.string() + ": is a folder");
  }
  static constexpr MetElementType kTypes[] = {MetElementType::kUChar, MetElementType::kShort,
                                              MetElementType::kUShort, MetElementType::kInt,
                                              MetElementType::kFloat};
  const MetElementType type = kTypes[volume.index()];
  auto voxels = std::visit([](const auto& v) { return std::as_bytes(v.voxels()); }, volume);
  std::string compressed;
  if (options.compress) {
    VISCERA_ASSIGN_OR_RETURN(compressed, Deflate(voxels, path));
    voxels = std::as_bytes(std::span<const char>(compressed));
  }
  const int64_t compressed_size = options.compress ? static_cast<int64_t>(compressed.size()) : -1;
  const Geometry& g = GeometryOf(volume);

  if (ext == ".mha") {
    const std::string header = FormatMetaImageHeader(g, type, compressed_size, "LOCAL");
    const PendingFile file = Parts(path, {std::as_bytes(std::span<const char>(header)), voxels});
    return WriteAtomically(std::span<const PendingFile>(&file, 1));
  }
  const std::string data_name = path.stem().string() + (options.compress ? ".zraw" : ".raw");
  const fs::path data_path = path.parent_path() / data_name;
  if (fs::is_directory(data_path, ec)) {
    return MakeError(ErrorCode::kInvalidArgument, data_path.string() + ": is a folder");
  }
  const std::string header = FormatMetaImageHeader(g, type, compressed_size, data_name);
  // Both files are written in full before either replaces an old one; the data is renamed into
  // place first, so a reader never finds a new header pointing at missing data.
  const PendingFile files[] = {Parts(data_path, {voxels}),
                               Parts(path, {std::as_bytes(std::span<const char>(header))})};
  return WriteAtomically(files);
}

}  // namespace viscera
