// Our own parser of the DICOM file format (PS3.10 file + PS3.5 encoding), for the part a CT
// volume needs: the top-level data set up to Pixel Data, and the fragments of encapsulated pixel
// data. Hostile input is its normal case: every length is checked against the bytes present,
// nesting is bounded, and nothing is allocated from a claimed size. It is fuzzed (fuzz/).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.h"

namespace viscera {

constexpr uint32_t DicomTag(uint16_t group, uint16_t element) {
  return (static_cast<uint32_t>(group) << 16) | element;
}

struct DicomElement {
  char vr[3] = {0, 0, 0};  // from the file (explicit VR) or our table (implicit); "" unknown
  std::span<const uint8_t> value;  // points into the parsed bytes
};

struct DicomDataSet {
  std::string transfer_syntax_uid;  // from (0002,0010); implicit VR little endian when absent
  bool explicit_vr = false;
  bool big_endian = false;
  bool encapsulated = false;  // compressed transfer syntax: pixel data is in fragments
  std::map<uint32_t, DicomElement> elements;  // top-level elements (file meta included)
  // Pixel Data (7FE0,0010): offset of the value in the bytes, and its length (-1: undefined,
  // i.e. encapsulated fragments follow).
  int64_t pixel_data_offset = -1;
  int64_t pixel_data_length = -1;

  const DicomElement* Find(uint32_t tag) const;
  // Text of a string-valued element, trimmed of padding; "" when absent.
  std::string String(uint32_t tag) const;
  // Numbers of an element: decimal/integer strings (DS, IS) or binary US/SS/UL/SL/FL/FD values.
  // Empty when absent; an error naming `file` and the tag when malformed.
  Expected<std::vector<double>> Numbers(uint32_t tag, const std::string& file) const;
  // Any element as text: strings as they are, binary numbers formatted, values joined by '\'.
  std::string AsText(uint32_t tag) const;
};

// Splits a multi-valued DICOM string on '\\', trimming each value; "" gives no values.
std::vector<std::string> SplitDicomValues(std::string_view text);

// Parses bytes of a DICOM file (with or without the 128-byte preamble + "DICM"). `name` goes into
// error messages. Stops at top-level Pixel Data.
Expected<DicomDataSet> ParseDicom(std::span<const uint8_t> bytes, const std::string& name);

// The fragments of encapsulated pixel data starting at data_set.pixel_data_offset, without the
// basic offset table.
Expected<std::vector<std::span<const uint8_t>>> EncapsulatedFragments(
    std::span<const uint8_t> bytes, const DicomDataSet& data_set, const std::string& name);

// A read-only memory map of a whole file (pages are read only when touched).
class MappedFile {
 public:
  static Expected<MappedFile> Open(const std::filesystem::path& path);
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();
  std::span<const uint8_t> bytes() const { return {data_, size_}; }

 private:
  MappedFile(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace viscera
