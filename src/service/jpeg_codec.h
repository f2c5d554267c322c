// Frames as JPEG, and back (libjpeg-turbo's TurboJPEG API; only jpeg_codec.cpp includes it).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/expected.h"
#include "render/image.h"

namespace viscera {

// Qualities of streamed frames: drafts while the user interacts, then the full frame (and
// thumbnails, which are full frames too).
inline constexpr int kDraftJpegQuality = 75;
inline constexpr int kFullJpegQuality = 92;

// Reusable encoder (keeps its TurboJPEG handle); one per thread.
class JpegEncoder {
 public:
  JpegEncoder();
  ~JpegEncoder();
  JpegEncoder(const JpegEncoder&) = delete;
  JpegEncoder& operator=(const JpegEncoder&) = delete;

  // quality 1..100; 4:2:0 chroma below 90 (drafts), 4:4:4 from 90 (stills keep organ edges).
  Expected<std::string> Encode(const RgbImage& image, int quality);

 private:
  void* handle_ = nullptr;
};

// Decodes a baseline JPEG to RGB (clients and tests look at streamed frames).
Expected<RgbImage> DecodeJpeg(std::string_view jpeg);

}  // namespace viscera
