#include "io/dicom/frame_codecs.h"

#include <charls/charls.h>
#include <openjpeg.h>

#include <algorithm>

#include <cstring>

#include <memory>
#include <vector>
#include "io/dicom/jpeg_lossless.h"

namespace viscera {
namespace {

// PS3.5 annex G: a header of segment offsets, then one PackBits segment per byte plane
// (most significant first).
Status DecodeRle(std::span<const uint8_t> data, const DicomSliceHeader& h, std::span<uint8_t> out,
                 const std::string& name) {
  const int planes = h.bits_allocated / 8;
  const size_t pixels = out.size() / static_cast<size_t>(planes);
  auto corrupt = [&](const std::string& what) {
    return MakeError(ErrorCode::kCorruptData, name + ": RLE pixel data " + what);
  };
  if (data.size() < 64) return corrupt("lacks its 64-byte header");
  uint32_t header[16];
  std::memcpy(header, data.data(), 64);
  if (header[0] != static_cast<uint32_t>(planes)) {
    return corrupt("has " + std::to_string(header[0]) + " segments, expected " +
                   std::to_string(planes));
  }
  for (int s = 0; s < planes; ++s) {
    const size_t begin = header[1 + s];
    const size_t end = s + 1 < planes ? header[2 + s] : data.size();
    if (begin < 64 || begin > end || end > data.size()) return corrupt("has bad segment offsets");
    const int byte_index = planes - 1 - s;  // segment 0 holds the most significant bytes
    size_t at = begin, written = 0;
    while (at < end && written < pixels) {
      const auto n = static_cast<int8_t>(data[at++]);
      if (n >= 0) {
        const size_t count = static_cast<size_t>(n) + 1;
        if (at + count > end || written + count > pixels) return corrupt("literal run overflows");
        for (size_t c = 0; c < count; ++c) out[(written++) * planes + byte_index] = data[at++];
      } else if (n != -128) {
        const size_t count = static_cast<size_t>(1 - n);
        if (at >= end || written + count > pixels) return corrupt("repeat run overflows");
        const uint8_t value = data[at++];
        for (size_t c = 0; c < count; ++c) out[(written++) * planes + byte_index] = value;
      }
    }
    if (written != pixels) return corrupt("segment is short");
  }
  return Ok{};
}

// A memory source for OpenJPEG's stream API.
struct MemoryStream {
  std::span<const uint8_t> data;
  size_t pos = 0;
};

OPJ_SIZE_T StreamRead(void* buffer, OPJ_SIZE_T bytes, void* user) {
  auto* m = static_cast<MemoryStream*>(user);
  const size_t n = std::min<size_t>(bytes, m->data.size() - m->pos);
  if (n == 0) return static_cast<OPJ_SIZE_T>(-1);
  std::memcpy(buffer, m->data.data() + m->pos, n);
  m->pos += n;
  return n;
}
OPJ_OFF_T StreamSkip(OPJ_OFF_T bytes, void* user) {
  auto* m = static_cast<MemoryStream*>(user);
  if (bytes < 0 || static_cast<size_t>(bytes) > m->data.size() - m->pos) return -1;
  m->pos += static_cast<size_t>(bytes);
  return bytes;
}
OPJ_BOOL StreamSeek(OPJ_OFF_T to, void* user) {
  auto* m = static_cast<MemoryStream*>(user);
  if (to < 0 || static_cast<size_t>(to) > m->data.size()) return OPJ_FALSE;
  m->pos = static_cast<size_t>(to);
  return OPJ_TRUE;
}
void Silent(const char*, void*) {}

// JPEG 2000 (raw codestream, or a JP2 file as some writers put in DICOM) through OpenJPEG.
Status DecodeJpeg2000(std::span<const uint8_t> data, const DicomSliceHeader& h,
                      std::span<uint8_t> out, const std::string& name) {
  auto corrupt = [&](const std::string& what) {
    return MakeError(ErrorCode::kCorruptData, name + ": JPEG 2000 " + what);
  };
  static constexpr uint8_t kJp2Signature[] = {0, 0, 0, 12, 'j', 'P', ' ', ' '};
  const bool jp2 = data.size() >= 8 && std::memcmp(data.data(), kJp2Signature, 8) == 0;
  std::unique_ptr<opj_codec_t, void (*)(opj_codec_t*)> codec(
      opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K), &opj_destroy_codec);
  std::unique_ptr<opj_stream_t, void (*)(opj_stream_t*)> stream(
      opj_stream_create(1 << 16, OPJ_TRUE), &opj_stream_destroy);
  if (!codec || !stream) return MakeError(ErrorCode::kIoError, name + ": cannot start OpenJPEG");
  MemoryStream source{data, 0};
  opj_stream_set_user_data(stream.get(), &source, nullptr);
  opj_stream_set_user_data_length(stream.get(), data.size());
  opj_stream_set_read_function(stream.get(), &StreamRead);
  opj_stream_set_skip_function(stream.get(), &StreamSkip);
  opj_stream_set_seek_function(stream.get(), &StreamSeek);
  opj_set_info_handler(codec.get(), &Silent, nullptr);
  opj_set_warning_handler(codec.get(), &Silent, nullptr);
  opj_set_error_handler(codec.get(), &Silent, nullptr);
  opj_dparameters_t parameters;
  opj_set_default_decoder_parameters(&parameters);
  opj_image_t* raw_image = nullptr;
  if (!opj_setup_decoder(codec.get(), &parameters) ||
      !opj_read_header(stream.get(), codec.get(), &raw_image)) {
    if (raw_image != nullptr) opj_image_destroy(raw_image);
    return corrupt("header cannot be read");
  }
  std::unique_ptr<opj_image_t, void (*)(opj_image_t*)> image(raw_image, &opj_image_destroy);
  if (image->numcomps != 1 || image->comps[0].w != static_cast<OPJ_UINT32>(h.columns) ||
      image->comps[0].h != static_cast<OPJ_UINT32>(h.rows) || image->comps[0].prec > 16 ||
      (image->comps[0].prec > 8) != (h.bits_allocated == 16)) {
    return corrupt("frame does not match the DICOM header (" + std::to_string(h.columns) + "x" +
                   std::to_string(h.rows) + ", one component of at most " +
                   std::to_string(h.bits_allocated) + " bits)");
  }
  if (!opj_decode(codec.get(), stream.get(), image.get()) ||
      !opj_end_decompress(codec.get(), stream.get()) || image->comps[0].data == nullptr) {
    return corrupt("data cannot be decoded");
  }
  const OPJ_INT32* samples = image->comps[0].data;
  const size_t count = static_cast<size_t>(h.rows) * static_cast<size_t>(h.columns);
  for (size_t n = 0; n < count; ++n) {
    const auto v = static_cast<uint32_t>(samples[n]);  // two's complement kept for signed data
    if (h.bits_allocated == 16) {
      out[2 * n] = static_cast<uint8_t>(v);
      out[2 * n + 1] = static_cast<uint8_t>(v >> 8);
    } else {
      out[n] = static_cast<uint8_t>(v);
    }
  }
  return Ok{};
}

// JPEG-LS through CharLS's C API (GDCM's wrapper leaks its buffer when a stream is corrupt).
Status DecodeJpegLs(std::span<const uint8_t> data, const DicomSliceHeader& h,
                    std::span<uint8_t> out, const std::string& name) {
  std::unique_ptr<charls_jpegls_decoder, void (*)(const charls_jpegls_decoder*)> decoder(
      charls_jpegls_decoder_create(), &charls_jpegls_decoder_destroy);
  if (!decoder) return MakeError(ErrorCode::kIoError, name + ": cannot create JPEG-LS decoder");
  charls_frame_info info{};
  charls_jpegls_errc rc =
      charls_jpegls_decoder_set_source_buffer(decoder.get(), data.data(), data.size());
  if (rc == charls::jpegls_errc::success) rc = charls_jpegls_decoder_read_header(decoder.get());
  if (rc == charls::jpegls_errc::success)
    rc = charls_jpegls_decoder_get_frame_info(decoder.get(), &info);
  if (rc != charls::jpegls_errc::success) {
    return MakeError(ErrorCode::kCorruptData,
                     name + ": JPEG-LS header: " + charls_get_error_message(rc));
  }
  if (info.width != static_cast<uint32_t>(h.columns) ||
      info.height != static_cast<uint32_t>(h.rows) || info.component_count != 1 ||
      (info.bits_per_sample > 8) != (h.bits_allocated == 16)) {
    return MakeError(ErrorCode::kCorruptData,
                     name + ": JPEG-LS frame is " + std::to_string(info.width) + "x" +
                         std::to_string(info.height) + "x" + std::to_string(info.component_count) +
                         " at " + std::to_string(info.bits_per_sample) +
                         " bits, which does not match the DICOM header");
  }
  rc = charls_jpegls_decoder_decode_to_buffer(decoder.get(), out.data(), out.size(), 0);
  if (rc != charls::jpegls_errc::success) {
    return MakeError(ErrorCode::kCorruptData,
                     name + ": JPEG-LS data: " + charls_get_error_message(rc));
  }
  return Ok{};
}

}  // namespace

Status DecodeCompressedFrame(std::span<const std::span<const uint8_t>> fragments,
                             const DicomSliceHeader& header, std::span<uint8_t> out) {
  const std::string name = header.path.string();
  const std::string& ts = header.transfer_syntax_uid;
  const bool rle = ts == "1.2.840.10008.1.2.5";
  const bool jpeg_ls = ts == "1.2.840.10008.1.2.4.80" || ts == "1.2.840.10008.1.2.4.81";
  const bool jpeg_lossless = ts == "1.2.840.10008.1.2.4.57" || ts == "1.2.840.10008.1.2.4.70";
  const bool jpeg_2000 = ts == "1.2.840.10008.1.2.4.90" || ts == "1.2.840.10008.1.2.4.91";
  if (!rle && !jpeg_ls && !jpeg_lossless && !jpeg_2000) {
    // Lossy JPEG baseline/extended (.50/.51) would alter HU; other syntaxes are rare for CT.
    return MakeError(ErrorCode::kUnsupported, name + ": transfer syntax " + ts +
                                                  " is not supported (native, RLE, JPEG lossless, "
                                                  "JPEG-LS and JPEG 2000 are)");
  }
  // One frame may span several fragments; every decoder here wants one contiguous stream.
  std::vector<uint8_t> joined;
  std::span<const uint8_t> stream = fragments.front();
  if (fragments.size() > 1) {
    for (auto f : fragments) joined.insert(joined.end(), f.begin(), f.end());
    stream = joined;
  }
  if (rle) return DecodeRle(stream, header, out, name);
  if (jpeg_ls) return DecodeJpegLs(stream, header, out, name);
  if (jpeg_2000) return DecodeJpeg2000(stream, header, out, name);
  return DecodeLosslessJpeg(stream, header.columns, header.rows, header.bits_allocated / 8, out,
                            name);
}

}  // namespace viscera
