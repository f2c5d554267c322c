#include "service/jpeg_codec.h"

#include <turbojpeg.h>

namespace viscera {

JpegEncoder::JpegEncoder() : handle_(tjInitCompress()) {}

JpegEncoder::~JpegEncoder() {
  if (handle_) tjDestroy(handle_);
}

Expected<std::string> JpegEncoder::Encode(const RgbImage& image, int quality) {
  if (!handle_) return MakeError(ErrorCode::kIoError, "JPEG encoder could not be created");
  if (image.width <= 0 || image.height <= 0 ||
      image.rgb.size() != static_cast<size_t>(image.width) * image.height * 3) {
    return MakeError(ErrorCode::kInvalidArgument, "JPEG encoder: image has no pixels");
  }
  if (quality < 1 || quality > 100) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "JPEG quality " + std::to_string(quality) + " is outside 1..100");
  }
  unsigned char* out = nullptr;
  unsigned long size = 0;  // NOLINT(runtime/int): TurboJPEG's type
  const int subsampling = quality >= 90 ? TJSAMP_444 : TJSAMP_420;
  if (tjCompress2(handle_, image.rgb.data(), image.width, 0, image.height, TJPF_RGB, &out, &size,
                  subsampling, quality, TJFLAG_FASTDCT) != 0) {
    std::string message = tjGetErrorStr2(handle_);
    if (out) tjFree(out);
    return MakeError(ErrorCode::kIoError, "JPEG encoding failed: " + message);
  }
  std::string bytes(reinterpret_cast<const char*>(out), size);
  tjFree(out);
  return bytes;
}

Expected<RgbImage> DecodeJpeg(std::string_view jpeg) {
  tjhandle handle = tjInitDecompress();
  if (!handle) return MakeError(ErrorCode::kIoError, "JPEG decoder could not be created");
  auto* data = reinterpret_cast<const unsigned char*>(jpeg.data());
  const auto size = static_cast<unsigned long>(jpeg.size());  // NOLINT(runtime/int)
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(handle, data, size, &width, &height, &subsampling, &colorspace) != 0 ||
      width <= 0 || height <= 0 || width > 16384 || height > 16384) {
    tjDestroy(handle);
    return MakeError(ErrorCode::kCorruptData, "not a JPEG image (or one larger than 16384 px)");
  }
  RgbImage image(width, height);
  const int status =
      tjDecompress2(handle, data, size, image.rgb.data(), width, 0, height, TJPF_RGB, 0);
  std::string message = status != 0 ? tjGetErrorStr2(handle) : "";
  tjDestroy(handle);
  if (status != 0) return MakeError(ErrorCode::kCorruptData, "JPEG decoding failed: " + message);
  return image;
}

}  // namespace viscera
