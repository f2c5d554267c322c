// Helpers shared by the file-based fuzz targets.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace viscera::fuzz {

// A scratch folder for this fuzzer process, in RAM where there is one (the writers fsync, which
// is slow on a disk), removed when the fuzzer exits normally.
inline const std::filesystem::path& WorkDir(const std::string& fuzzer) {
  namespace fs = std::filesystem;
  struct Scratch {
    fs::path path;
    ~Scratch() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  };
  static const Scratch dir{[&] {
    std::error_code ec;
    const fs::path base =
        fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
    fs::path path = base / ("viscera-" + fuzzer + "-" + std::to_string(::getpid()));
    fs::create_directories(path);
    return path;
  }()};
  return dir.path;
}

inline void WriteFile(const std::filesystem::path& path, const uint8_t* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

}  // namespace viscera::fuzz
