#include "render/image.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/check.h"

namespace viscera {

RgbImage Resize(const RgbImage& image, int width, int height) {
  RgbImage out(width, height);
  if (image.width == 0 || image.height == 0) return out;
  const double sx = static_cast<double>(image.width) / width;
  const double sy = static_cast<double>(image.height) / height;
  for (int y = 0; y < height; ++y) {
    const double fy = std::clamp((y + 0.5) * sy - 0.5, 0.0, image.height - 1.0);
    const int y0 = static_cast<int>(fy), y1 = std::min(y0 + 1, image.height - 1);
    const double wy = fy - y0;
    for (int x = 0; x < width; ++x) {
      const double fx = std::clamp((x + 0.5) * sx - 0.5, 0.0, image.width - 1.0);
      const int x0 = static_cast<int>(fx), x1 = std::min(x0 + 1, image.width - 1);
      const double wx = fx - x0;
      for (int c = 0; c < 3; ++c) {
        const double top = image.pixel(x0, y0)[c] * (1 - wx) + image.pixel(x1, y0)[c] * wx;
        const double bottom = image.pixel(x0, y1)[c] * (1 - wx) + image.pixel(x1, y1)[c] * wx;
        out.pixel(x, y)[c] = static_cast<uint8_t>(std::lround(top * (1 - wy) + bottom * wy));
      }
    }
  }
  return out;
}

double Psnr(const RgbImage& a, const RgbImage& b) {
  VISCERA_CHECK(a.width == b.width && a.height == b.height, "PSNR of images of different sizes");
  double sum = 0;
  for (size_t n = 0; n < a.rgb.size(); ++n) {
    const double d = static_cast<double>(a.rgb[n]) - b.rgb[n];
    sum += d * d;
  }
  if (sum == 0) return std::numeric_limits<double>::infinity();
  const double mse = sum / static_cast<double>(a.rgb.size());
  return 10 * std::log10(255.0 * 255.0 / mse);
}

}  // namespace viscera
