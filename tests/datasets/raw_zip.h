// A minimal zip writer for tests: stored (uncompressed) entries with any name and Unix mode, so
// tests can build the hostile archives ("../x", absolute names, symbolic links) that well-behaved
// tools refuse to produce.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace viscera::testing {

struct RawZipEntry {
  std::string name;
  std::string data;
  uint32_t unix_mode = 0100644;  // 0120777 makes a symbolic link whose target is `data`
};

inline uint32_t Crc32(const std::string& data) {
  uint32_t crc = 0xffffffffu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

inline std::string RawZipBytes(const std::vector<RawZipEntry>& entries) {
  std::string out, central;
  auto u16 = [](std::string& s, uint32_t v) {
    s += static_cast<char>(v & 0xff);
    s += static_cast<char>((v >> 8) & 0xff);
  };
  auto u32 = [&](std::string& s, uint32_t v) {
    u16(s, v & 0xffff);
    u16(s, v >> 16);
  };
  for (const RawZipEntry& e : entries) {
    const auto offset = static_cast<uint32_t>(out.size());
    const uint32_t crc = Crc32(e.data);
    const auto size = static_cast<uint32_t>(e.data.size());
    u32(out, 0x04034b50);
    u16(out, 20);    // version needed
    u16(out, 0);     // flags
    u16(out, 0);     // stored
    u16(out, 0);     // time
    u16(out, 0x21);  // date
    u32(out, crc);
    u32(out, size);
    u32(out, size);
    u16(out, static_cast<uint32_t>(e.name.size()));
    u16(out, 0);
    out += e.name;
    out += e.data;

    u32(central, 0x02014b50);
    u16(central, 0x031e);  // made by: Unix (3), version 3.0
    u16(central, 20);
    u16(central, 0);
    u16(central, 0);
    u16(central, 0);
    u16(central, 0x21);
    u32(central, crc);
    u32(central, size);
    u32(central, size);
    u16(central, static_cast<uint32_t>(e.name.size()));
    u16(central, 0);  // extra
    u16(central, 0);  // comment
    u16(central, 0);  // disk
    u16(central, 0);  // internal attributes
    u32(central, e.unix_mode << 16);
    u32(central, offset);
    central += e.name;
  }
  const auto central_offset = static_cast<uint32_t>(out.size());
  out += central;
  u32(out, 0x06054b50);
  u16(out, 0);
  u16(out, 0);
  u16(out, static_cast<uint32_t>(entries.size()));
  u16(out, static_cast<uint32_t>(entries.size()));
  u32(out, static_cast<uint32_t>(central.size()));
  u32(out, central_offset);
  u16(out, 0);
  return out;
}

inline void WriteRawZip(const std::filesystem::path& path,
                        const std::vector<RawZipEntry>& entries) {
  std::ofstream(path, std::ios::binary) << RawZipBytes(entries);
}

}  // namespace viscera::testing
