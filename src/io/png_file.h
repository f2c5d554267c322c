// PNG files of 8-bit RGB images (rendered frames, reference images in tests). libpng is included
// by png_file.cpp only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "core/expected.h"

namespace viscera {

struct PngPixels {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // top row first, width * height * 3
};

// Writes atomically (temp file + rename): an existing file survives any failure.
Status WritePng(const std::filesystem::path& path, int width, int height, const uint8_t* rgb);

// Reads any 8/16-bit PNG (grey, RGB, palette, with or without alpha) as 8-bit RGB; alpha is
// dropped. Errors name the file.
Expected<PngPixels> ReadPng(const std::filesystem::path& path);

}  // namespace viscera
