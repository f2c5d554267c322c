// 8-bit RGB frames, top row first: what the renderer produces and the PNG/JPEG encoders take.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace viscera {

struct RgbImage {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // width * height * 3

  RgbImage() = default;
  RgbImage(int w, int h) : width(w), height(h), rgb(static_cast<size_t>(w) * h * 3, 0) {}
  uint8_t* pixel(int x, int y) { return rgb.data() + (static_cast<size_t>(y) * width + x) * 3; }
  const uint8_t* pixel(int x, int y) const {
    return rgb.data() + (static_cast<size_t>(y) * width + x) * 3;
  }
};

// Bilinear resize (progressive frames rendered at reduced resolution are shown full size).
RgbImage Resize(const RgbImage& image, int width, int height);

// Peak signal-to-noise ratio in dB over all channels; infinity for identical images. The images
// must have the same size.
double Psnr(const RgbImage& a, const RgbImage& b);

}  // namespace viscera
