#include "io/png_file.h"

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <memory>
#include <string>

#include "io/atomic_file.h"

namespace viscera {
namespace {

struct FileCloser {
  void operator()(FILE* f) const {
    if (f) std::fclose(f);
  }
};
using File = std::unique_ptr<FILE, FileCloser>;

// libpng reports errors by longjmp; keep the message for ours.
void OnPngError(png_structp png, png_const_charp message) {
  auto* text = static_cast<std::string*>(png_get_error_ptr(png));
  if (text) *text = message;
  png_longjmp(png, 1);
}
void OnPngWarning(png_structp, png_const_charp) {}

// Everything libpng touches across its setjmp lives here, so no C++ object with a destructor
// is skipped by the longjmp.
Status EncodeTo(FILE* file, int width, int height, const uint8_t* rgb, std::string* message) {
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, message, OnPngError, OnPngWarning);
  if (!png) return MakeError(ErrorCode::kIoError, "cannot start the PNG encoder");
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return MakeError(ErrorCode::kIoError, "PNG encoder: " + *message);
  }
  png_init_io(png, file);
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8,
               PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(png, 6);
  png_write_info(png, info);
  for (int y = 0; y < height; ++y) {
    png_write_row(png, rgb + static_cast<size_t>(y) * width * 3);
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return Ok{};
}

}  // namespace

Status WritePng(const std::filesystem::path& path, int width, int height, const uint8_t* rgb) {
  if (width <= 0 || height <= 0) {
    return MakeError(ErrorCode::kInvalidArgument, path.string() + ": empty image");
  }
  return WriteAtomically(path, [&](const std::filesystem::path& temp) -> Status {
    File file(std::fopen(temp.c_str(), "wb"));
    if (!file) return MakeError(ErrorCode::kIoError, "cannot create " + path.string());
    std::string message;
    Status status = EncodeTo(file.get(), width, height, rgb, &message);
    if (!status.ok())
      return MakeError(status.error().code, path.string() + ": " + status.error().message);
    if (std::fflush(file.get()) != 0 || std::ferror(file.get())) {
      return MakeError(ErrorCode::kIoError, "cannot write " + path.string());
    }
    return Ok{};
  });
}

Expected<PngPixels> ReadPng(const std::filesystem::path& path) {
  File file(std::fopen(path.c_str(), "rb"));
  if (!file) return MakeError(ErrorCode::kNotFound, "cannot open " + path.string());
  std::string message;
  PngPixels pixels;
  png_structp png =
      png_create_read_struct(PNG_LIBPNG_VER_STRING, &message, OnPngError, OnPngWarning);
  if (!png) return MakeError(ErrorCode::kIoError, "cannot start the PNG decoder");
  png_infop info = png_create_info_struct(png);
  std::vector<png_bytep> rows;
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return MakeError(ErrorCode::kCorruptData, path.string() + ": not a readable PNG: " + message);
  }
  png_init_io(png, file.get());
  png_set_user_limits(png, 16384, 16384);
  png_read_info(png, info);
  // Normalise every colour type to 8-bit RGB.
  png_set_expand(png);
  png_set_strip_16(png);
  png_set_strip_alpha(png);
  png_set_gray_to_rgb(png);
  png_read_update_info(png, info);
  pixels.width = static_cast<int>(png_get_image_width(png, info));
  pixels.height = static_cast<int>(png_get_image_height(png, info));
  pixels.rgb.resize(static_cast<size_t>(pixels.width) * pixels.height * 3);
  rows.resize(static_cast<size_t>(pixels.height));
  for (int y = 0; y < pixels.height; ++y) {
    rows[static_cast<size_t>(y)] = pixels.rgb.data() + static_cast<size_t>(y) * pixels.width * 3;
  }
  png_read_image(png, rows.data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return pixels;
}

}  // namespace viscera
