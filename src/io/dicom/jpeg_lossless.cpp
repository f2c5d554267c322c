#include "io/dicom/jpeg_lossless.h"

#include <array>
#include <vector>

namespace viscera {
namespace {

// Canonical Huffman table of T.81 annex C, decoded as in F.2.2.3.
struct HuffmanTable {
  bool defined = false;
  std::array<int32_t, 18> max_code{};
  std::array<int32_t, 17> min_code{};
  std::array<int32_t, 17> first_index{};
  std::vector<uint8_t> values;
};

class BitReader {
 public:
  BitReader(std::span<const uint8_t> data, size_t pos) : data_(data), pos_(pos) {}

  // Next bit of entropy-coded data; past a marker or the end, reports exhaustion.
  bool Bit(int* bit) {
    if (bits_left_ == 0) {
      if (pos_ >= data_.size()) return false;
      uint8_t byte = data_[pos_];
      if (byte == 0xff) {
        if (pos_ + 1 >= data_.size() || data_[pos_ + 1] != 0x00) return false;  // a marker
        pos_ += 2;
      } else {
        ++pos_;
      }
      current_ = byte;
      bits_left_ = 8;
    }
    --bits_left_;
    *bit = (current_ >> bits_left_) & 1;
    return true;
  }
  bool Bits(int count, int32_t* value) {
    *value = 0;
    for (int n = 0; n < count; ++n) {
      int bit;
      if (!Bit(&bit)) return false;
      *value = (*value << 1) | bit;
    }
    return true;
  }
  // Skips to the restart marker RSTm expected next; false if it is not there.
  bool Restart(int m) {
    bits_left_ = 0;
    if (pos_ + 1 < data_.size() && data_[pos_] == 0xff && data_[pos_ + 1] == 0xd0 + m) {
      pos_ += 2;
      return true;
    }
    return false;
  }

 private:
  std::span<const uint8_t> data_;
  size_t pos_;
  uint8_t current_ = 0;
  int bits_left_ = 0;
};

bool DecodeSymbol(BitReader& bits, const HuffmanTable& t, int* symbol) {
  int32_t code = 0;
  for (int length = 1; length <= 16; ++length) {
    int bit;
    if (!bits.Bit(&bit)) return false;
    code = (code << 1) | bit;
    if (code <= t.max_code[length]) {
      const int32_t index = t.first_index[length] + code - t.min_code[length];
      if (index < 0 || static_cast<size_t>(index) >= t.values.size()) return false;
      *symbol = t.values[static_cast<size_t>(index)];
      return true;
    }
  }
  return false;
}

}  // namespace

Status DecodeLosslessJpeg(std::span<const uint8_t> s, int columns, int rows, int bytes_per_sample,
                          std::span<uint8_t> out, const std::string& name) {
  auto corrupt = [&](const std::string& what) {
    return MakeError(ErrorCode::kCorruptData, name + ": lossless JPEG " + what);
  };
  if (s.size() < 4 || s[0] != 0xff || s[1] != 0xd8) return corrupt("stream lacks its SOI marker");
  std::array<HuffmanTable, 4> tables;
  int precision = 0, width = 0, height = 0, restart_interval = 0;
  size_t pos = 2;
  auto u16 = [&](size_t at) { return static_cast<int>(s[at] << 8 | s[at + 1]); };
  while (true) {
    // Markers may be preceded by fill bytes 0xFF.
    while (pos + 1 < s.size() && s[pos] == 0xff && s[pos + 1] == 0xff) ++pos;
    if (pos + 4 > s.size() || s[pos] != 0xff) return corrupt("stream ends before its scan");
    const uint8_t marker = s[pos + 1];
    const size_t length = static_cast<size_t>(u16(pos + 2));
    const size_t body = pos + 4;
    if (length < 2 || pos + 2 + length > s.size()) return corrupt("segment runs past the end");
    const size_t end = pos + 2 + length;
    if (marker == 0xc3) {  // SOF3: lossless, Huffman
      if (length < 11) return corrupt("SOF3 segment too short");
      precision = s[body];
      height = u16(body + 1);
      width = u16(body + 3);
      if (s[body + 5] != 1) return corrupt("has " + std::to_string(s[body + 5]) + " components");
    } else if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 &&
               marker != 0xcc) {
      return MakeError(ErrorCode::kUnsupported, name + ": JPEG process SOF" +
                                                    std::to_string(marker - 0xc0) +
                                                    " is not lossless Huffman (SOF3)");
    } else if (marker == 0xc4) {  // DHT
      size_t at = body;
      while (at < end) {
        const int id = s[at] & 0x0f;
        if (id > 3 || at + 17 > end) return corrupt("has a bad Huffman table");
        HuffmanTable& t = tables[static_cast<size_t>(id)];
        t = HuffmanTable{};
        size_t total = 0;
        int32_t code = 0;
        for (int length_bits = 1; length_bits <= 16; ++length_bits) {
          const int count = s[at + static_cast<size_t>(length_bits)];
          t.first_index[length_bits] = static_cast<int32_t>(total);
          t.min_code[length_bits] = code;
          code += count;
          t.max_code[length_bits] = count > 0 ? code - 1 : -1;
          if (code > (1 << length_bits)) return corrupt("has an over-full Huffman table");
          total += static_cast<size_t>(count);
          code <<= 1;
        }
        at += 17;
        if (at + total > end) return corrupt("Huffman table runs past its segment");
        t.values.assign(s.begin() + static_cast<long>(at),
                        s.begin() + static_cast<long>(at + total));
        t.defined = true;
        at += total;
      }
    } else if (marker == 0xdd) {  // DRI
      if (length < 4) return corrupt("DRI segment too short");
      restart_interval = u16(body);
    } else if (marker == 0xda) {  // SOS: the scan follows its header
      if (length < 8 || s[body] != 1) return corrupt("scan must have one component");
      const HuffmanTable& table = tables[static_cast<size_t>((s[body + 2] >> 4) & 0x03)];
      const int predictor = s[body + 3];
      const int point_transform = s[body + 5] & 0x0f;
      if (precision < 2 || precision > 16 || width != columns || height != rows) {
        return corrupt("frame is " + std::to_string(width) + "x" + std::to_string(height) + " at " +
                       std::to_string(precision) + " bits; the DICOM header says " +
                       std::to_string(columns) + "x" + std::to_string(rows));
      }
      if ((precision > 8) != (bytes_per_sample == 2)) {
        return corrupt(std::to_string(precision) + "-bit samples do not fit BitsAllocated");
      }
      if (!table.defined || predictor < 1 || predictor > 7 || point_transform >= precision) {
        return corrupt("scan has no Huffman table, or a bad predictor or point transform");
      }
      if (restart_interval != 0 && restart_interval % columns != 0) {
        return MakeError(ErrorCode::kUnsupported,
                         name + ": lossless JPEG restart interval not a whole number of rows");
      }
      BitReader bits(s, end);
      const int32_t mask = (1 << precision) - 1;
      const int32_t initial = 1 << (precision - point_transform - 1);
      std::vector<int32_t> previous(static_cast<size_t>(columns)), current(previous.size());
      int rows_per_interval = restart_interval / columns, restarts = 0, row_in_interval = 0;
      for (int y = 0; y < rows; ++y, ++row_in_interval) {
        if (rows_per_interval > 0 && y > 0 && row_in_interval == rows_per_interval) {
          if (!bits.Restart(restarts++ % 8)) return corrupt("restart marker missing");
          row_in_interval = 0;
        }
        for (int x = 0; x < columns; ++x) {
          int32_t prediction;
          const auto ux = static_cast<size_t>(x);
          if (x == 0 && row_in_interval == 0)
            prediction = initial;
          else if (row_in_interval == 0)
            prediction = current[ux - 1];
          else if (x == 0)
            prediction = previous[ux];
          else {
            const int32_t a = current[ux - 1], b = previous[ux], c = previous[ux - 1];
            switch (predictor) {
              case 1:
                prediction = a;
                break;
              case 2:
                prediction = b;
                break;
              case 3:
                prediction = c;
                break;
              case 4:
                prediction = a + b - c;
                break;
              case 5:
                prediction = a + ((b - c) >> 1);
                break;
              case 6:
                prediction = b + ((a - c) >> 1);
                break;
              default:
                prediction = (a + b) >> 1;
                break;
            }
          }
          int category;
          if (!DecodeSymbol(bits, table, &category) || category > 16) {
            return corrupt("entropy-coded data ends early or is invalid at row " +
                           std::to_string(y));
          }
          int32_t diff = 0;
          if (category == 16) {
            diff = 32768;
          } else if (category > 0) {
            if (!bits.Bits(category, &diff)) return corrupt("entropy-coded data ends early");
            if (diff < (1 << (category - 1))) diff -= (1 << category) - 1;
          }
          current[ux] = (prediction + diff) & 0xffff;
          const uint32_t sample = static_cast<uint32_t>((current[ux] << point_transform) & mask);
          const size_t at = (static_cast<size_t>(y) * static_cast<size_t>(columns) + ux) *
                            static_cast<size_t>(bytes_per_sample);
          out[at] = static_cast<uint8_t>(sample);
          if (bytes_per_sample == 2) out[at + 1] = static_cast<uint8_t>(sample >> 8);
        }
        std::swap(previous, current);
      }
      return Ok{};
    } else if (marker == 0xd9) {
      return corrupt("stream ends (EOI) before any scan");
    }
    pos = end;
  }
}

}  // namespace viscera
