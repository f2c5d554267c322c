#include "io/dicom/dicom_parser.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>

namespace viscera {
namespace {

constexpr uint32_t kPixelData = DicomTag(0x7fe0, 0x0010);
constexpr uint32_t kItem = DicomTag(0xfffe, 0xe000);
constexpr uint32_t kItemDelimiter = DicomTag(0xfffe, 0xe00d);
constexpr uint32_t kSequenceDelimiter = DicomTag(0xfffe, 0xe0dd);
constexpr uint32_t kUndefinedLength = 0xffffffffu;
constexpr int kMaxNesting = 16;  // sequences inside sequences

// VRs of the attributes we read, for implicit VR files (which do not carry them).
const char* ImplicitVr(uint32_t tag) {
  switch (tag) {
    case DicomTag(0x0028, 0x0002):
    case DicomTag(0x0028, 0x0010):
    case DicomTag(0x0028, 0x0011):
    case DicomTag(0x0028, 0x0100):
    case DicomTag(0x0028, 0x0101):
    case DicomTag(0x0028, 0x0103):
      return "US";
    case DicomTag(0x0018, 0x0050):
    case DicomTag(0x0018, 0x0060):
    case DicomTag(0x0018, 0x1120):
    case DicomTag(0x0020, 0x0032):
    case DicomTag(0x0020, 0x0037):
    case DicomTag(0x0028, 0x0030):
    case DicomTag(0x0028, 0x1052):
    case DicomTag(0x0028, 0x1053):
      return "DS";
    case DicomTag(0x0020, 0x0011):
    case DicomTag(0x0020, 0x0013):
    case DicomTag(0x0028, 0x0008):
      return "IS";
    default:
      return "";
  }
}

bool HasLongLength(const char* vr) {
  static constexpr const char* kLong[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ",
                                          "SV", "UC", "UN", "UR", "UT", "UV"};
  return std::any_of(std::begin(kLong), std::end(kLong),
                     [vr](const char* v) { return v[0] == vr[0] && v[1] == vr[1]; });
}

std::string Hex(uint32_t tag) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "(%04X,%04X)", tag >> 16, tag & 0xffff);
  return buf;
}

std::string TrimValue(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return std::string(s);
}

class Parser {
 public:
  Parser(std::span<const uint8_t> bytes, const std::string& name) : bytes_(bytes), name_(name) {}

  Error Corrupt(const std::string& what) const {
    return MakeError(ErrorCode::kCorruptData,
                     name_ + ": " + what + " (at byte " + std::to_string(pos_) + ")");
  }

  size_t pos() const { return pos_; }
  void set_pos(size_t p) { pos_ = p; }
  size_t remaining() const { return bytes_.size() - pos_; }
  void set_encoding(bool explicit_vr, bool big_endian) {
    explicit_vr_ = explicit_vr;
    big_endian_ = big_endian;
  }

  uint16_t U16() {
    uint16_t v = static_cast<uint16_t>(bytes_[pos_] | bytes_[pos_ + 1] << 8);
    pos_ += 2;
    return big_endian_ ? static_cast<uint16_t>(v << 8 | v >> 8) : v;
  }
  uint32_t U32() {
    uint32_t v;
    std::memcpy(&v, bytes_.data() + pos_, 4);
    pos_ += 4;
    return big_endian_ ? __builtin_bswap32(v) : v;  // little-endian host, as ct_loader asserts
  }

  struct Header {
    uint32_t tag = 0;
    char vr[3] = {0, 0, 0};
    uint32_t length = 0;
  };

  Expected<Header> ReadHeader() {
    if (remaining() < 8) return Corrupt("element header runs past the end of the file");
    Header h;
    const uint16_t group = U16();
    h.tag = DicomTag(group, U16());
    if (group == 0xfffe) {  // items and delimiters never carry a VR
      h.length = U32();
      return h;
    }
    if (explicit_vr_) {
      h.vr[0] = static_cast<char>(bytes_[pos_]);
      h.vr[1] = static_cast<char>(bytes_[pos_ + 1]);
      pos_ += 2;
      if (!(std::isupper(static_cast<unsigned char>(h.vr[0])) &&
            std::isupper(static_cast<unsigned char>(h.vr[1])))) {
        return Corrupt("element " + Hex(h.tag) + " has no valid VR");
      }
      if (HasLongLength(h.vr)) {
        if (remaining() < 6) return Corrupt("element header runs past the end of the file");
        pos_ += 2;
        h.length = U32();
      } else {
        h.length = U16();
      }
    } else {
      const char* vr = ImplicitVr(h.tag);
      h.vr[0] = vr[0];
      h.vr[1] = vr[0] != 0 ? vr[1] : '\0';
      h.length = U32();
    }
    return h;
  }

  Status Skip(uint32_t length, uint32_t tag) {
    if (length > remaining()) {
      return Corrupt("element " + Hex(tag) + " claims " + std::to_string(length) +
                     " bytes, more than the file holds");
    }
    pos_ += length;
    return Ok{};
  }

  // Items of an undefined-length sequence (or fragments of nested encapsulated data), up to and
  // including the sequence delimiter.
  Status SkipItems(int depth) {
    if (depth > kMaxNesting) return Corrupt("sequences nested too deeply");
    while (true) {
      VISCERA_ASSIGN_OR_RETURN(Header item, ReadHeader());
      if (item.tag == kSequenceDelimiter) return Ok{};
      if (item.tag != kItem)
        return Corrupt("expected an item in a sequence, found " + Hex(item.tag));
      if (item.length != kUndefinedLength) {
        VISCERA_RETURN_IF_ERROR(Skip(item.length, item.tag));
        continue;
      }
      // Items do not add a level: `depth` counts sequences.
      VISCERA_ASSIGN_OR_RETURN(bool delimited, ParseElements(nullptr, depth));
      if (!delimited) return Corrupt("item without its delimiter");
    }
  }

  // Elements until the end of the bytes, an item delimiter (returns true), or top-level Pixel
  // Data. `out` is set only at the top level.
  Expected<bool> ParseElements(DicomDataSet* out, int depth) {
    while (remaining() > 0) {
      VISCERA_ASSIGN_OR_RETURN(Header h, ReadHeader());
      if (h.tag == kItemDelimiter) {
        if (out != nullptr) return Corrupt("item delimiter outside any item");
        return true;
      }
      if ((h.tag >> 16) == 0xfffe) return Corrupt("unexpected item tag " + Hex(h.tag));
      if (out != nullptr && h.tag == kPixelData) {
        out->pixel_data_offset = static_cast<int64_t>(pos_);
        // A value cut short is reported when the frame is decoded, naming what is missing.
        out->pixel_data_length =
            h.length == kUndefinedLength ? int64_t{-1} : static_cast<int64_t>(h.length);
        return false;
      }
      if (h.length == kUndefinedLength) {
        const bool was_explicit = explicit_vr_, was_big_endian = big_endian_;
        // PS3.5 6.2.2: an undefined-length UN value is encoded as implicit VR little endian.
        if (h.vr[0] == 'U' && h.vr[1] == 'N') explicit_vr_ = big_endian_ = false;
        Status skipped = SkipItems(depth + 1);
        explicit_vr_ = was_explicit;
        big_endian_ = was_big_endian;
        VISCERA_RETURN_IF_ERROR(skipped);
        continue;
      }
      const size_t start = pos_;
      VISCERA_RETURN_IF_ERROR(Skip(h.length, h.tag));
      if (out != nullptr) {
        DicomElement& e = out->elements[h.tag];
        std::memcpy(e.vr, h.vr, 3);
        e.value = bytes_.subspan(start, h.length);
      }
    }
    return false;
  }

 private:
  std::span<const uint8_t> bytes_;
  const std::string& name_;
  size_t pos_ = 0;
  bool explicit_vr_ = true;
  bool big_endian_ = false;
};

}  // namespace

std::vector<std::string> SplitDicomValues(std::string_view text) {
  std::vector<std::string> out;
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t end = text.find('\\', begin);
    if (end == std::string_view::npos) end = text.size();
    out.push_back(TrimValue(text.substr(begin, end - begin)));
    begin = end + 1;
  }
  if (out.size() == 1 && out[0].empty()) out.clear();
  return out;
}

const DicomElement* DicomDataSet::Find(uint32_t tag) const {
  auto it = elements.find(tag);
  return it == elements.end() ? nullptr : &it->second;
}

std::string DicomDataSet::String(uint32_t tag) const {
  const DicomElement* e = Find(tag);
  if (e == nullptr) return {};
  return TrimValue({reinterpret_cast<const char*>(e->value.data()), e->value.size()});
}

Expected<std::vector<double>> DicomDataSet::Numbers(uint32_t tag, const std::string& file) const {
  std::vector<double> out;
  const DicomElement* e = Find(tag);
  if (e == nullptr || e->value.empty()) return out;
  const std::string vr(e->vr);
  const int width = vr == "US" || vr == "SS"                 ? 2
                    : vr == "UL" || vr == "SL" || vr == "FL" ? 4
                    : vr == "FD"                             ? 8
                                                             : 0;
  if (width > 0) {
    for (size_t at = 0; at + static_cast<size_t>(width) <= e->value.size(); at += width) {
      uint8_t b[8];
      std::memcpy(b, e->value.data() + at, static_cast<size_t>(width));
      if (big_endian) std::reverse(b, b + width);
      if (vr == "US") out.push_back(static_cast<uint16_t>(b[0] | b[1] << 8));
      if (vr == "SS") out.push_back(static_cast<int16_t>(b[0] | b[1] << 8));
      uint32_t u32;
      std::memcpy(&u32, b, 4);
      if (vr == "UL") out.push_back(u32);
      if (vr == "SL") out.push_back(static_cast<int32_t>(u32));
      if (vr == "FL") out.push_back(std::bit_cast<float>(u32));
      if (vr == "FD") {
        double d;
        std::memcpy(&d, b, 8);
        out.push_back(d);
      }
    }
    return out;
  }
  std::vector<std::string> items = SplitDicomValues(String(tag));
  if (items.empty()) items.emplace_back();  // a value of only padding is malformed, not absent
  for (const std::string& item : items) {
    double d = 0;
    const char* first = item.data();
    if (!item.empty() && item[0] == '+') ++first;  // DS/IS allow a leading '+'
    auto [ptr, ec] = std::from_chars(first, item.data() + item.size(), d);
    if (item.empty() || ec != std::errc() || ptr != item.data() + item.size() ||
        !std::isfinite(d)) {
      return MakeError(ErrorCode::kCorruptData,
                       file + ": " + Hex(tag) + " value '" + item + "' is not a number");
    }
    out.push_back(d);
  }
  return out;
}

std::string DicomDataSet::AsText(uint32_t tag) const {
  const DicomElement* e = Find(tag);
  if (e == nullptr) return {};
  const std::string vr(e->vr);
  if (vr == "US" || vr == "SS" || vr == "UL" || vr == "SL" || vr == "FL" || vr == "FD") {
    auto numbers = Numbers(tag, "");
    std::string text;
    for (double d : numbers.ok() ? *numbers : std::vector<double>{}) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", d);
      if (!text.empty()) text += '\\';
      text += buf;
    }
    return text;
  }
  return String(tag);
}

Expected<DicomDataSet> ParseDicom(std::span<const uint8_t> bytes, const std::string& name) {
  Parser p(bytes, name);
  DicomDataSet ds;
  const bool has_preamble = bytes.size() >= 132 && std::memcmp(bytes.data() + 128, "DICM", 4) == 0;
  p.set_pos(has_preamble ? 132 : 0);
  if (!has_preamble) {
    // No preamble: accept only what looks like a data set (group 0002 or 0008 first).
    if (bytes.size() < 8 || !(bytes[1] == 0 && (bytes[0] == 2 || bytes[0] == 8))) {
      return MakeError(ErrorCode::kCorruptData, name + ": not a DICOM file");
    }
  }
  // File meta information: always explicit VR little endian.
  p.set_encoding(true, false);
  while (p.remaining() >= 2 && bytes[p.pos()] == 0x02 && bytes[p.pos() + 1] == 0x00) {
    VISCERA_ASSIGN_OR_RETURN(auto h, p.ReadHeader());
    if (h.length == kUndefinedLength) return p.Corrupt("undefined length in file meta");
    const size_t start = p.pos();
    VISCERA_RETURN_IF_ERROR(p.Skip(h.length, h.tag));
    DicomElement& e = ds.elements[h.tag];
    std::memcpy(e.vr, h.vr, 3);
    e.value = bytes.subspan(start, h.length);
  }
  ds.transfer_syntax_uid = ds.String(DicomTag(0x0002, 0x0010));
  const std::string& ts = ds.transfer_syntax_uid;
  if (ts.empty()) {
    // No meta header: guess explicit VR when two capital letters follow the first tag.
    ds.explicit_vr =
        p.remaining() >= 6 && std::isupper(bytes[p.pos() + 4]) && std::isupper(bytes[p.pos() + 5]);
  } else if (ts == "1.2.840.10008.1.2") {
    ds.explicit_vr = false;
  } else if (ts == "1.2.840.10008.1.2.2") {
    ds.explicit_vr = ds.big_endian = true;
  } else if (ts == "1.2.840.10008.1.2.1.99") {
    return MakeError(ErrorCode::kUnsupported, name + ": deflated transfer syntax is not supported");
  } else if (ts == "1.2.840.10008.1.2.1") {
    ds.explicit_vr = true;
  } else {
    ds.explicit_vr = true;
    ds.encapsulated = true;
  }
  p.set_encoding(ds.explicit_vr, ds.big_endian);
  VISCERA_RETURN_IF_ERROR(p.ParseElements(&ds, 0));
  if (ds.pixel_data_offset >= 0 && (ds.pixel_data_length < 0) != ds.encapsulated) {
    return p.Corrupt(ds.encapsulated ? "compressed transfer syntax but native pixel data"
                                     : "undefined-length pixel data in a native transfer syntax");
  }
  return ds;
}

Expected<std::vector<std::span<const uint8_t>>> EncapsulatedFragments(
    std::span<const uint8_t> bytes, const DicomDataSet& data_set, const std::string& name) {
  VISCERA_CHECK(data_set.encapsulated && data_set.pixel_data_offset >= 0,
                "EncapsulatedFragments needs encapsulated pixel data");
  Parser p(bytes, name);
  p.set_encoding(true, false);
  p.set_pos(static_cast<size_t>(data_set.pixel_data_offset));
  std::vector<std::span<const uint8_t>> fragments;
  bool offset_table = true;
  while (true) {
    VISCERA_ASSIGN_OR_RETURN(auto item, p.ReadHeader());
    if (item.tag == kSequenceDelimiter) break;
    if (item.tag != kItem || item.length == kUndefinedLength) {
      return p.Corrupt("expected a pixel data fragment, found " + Hex(item.tag));
    }
    const size_t start = p.pos();
    VISCERA_RETURN_IF_ERROR(p.Skip(item.length, item.tag));
    if (!offset_table) fragments.push_back(bytes.subspan(start, item.length));
    offset_table = false;
  }
  if (fragments.empty()) return p.Corrupt("encapsulated pixel data has no fragments");
  return fragments;
}

Expected<MappedFile> MappedFile::Open(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return MakeError(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIoError,
                     path.string() + ": cannot open: " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return MakeError(ErrorCode::kNotFound, path.string() + ": not a regular file");
  }
  const auto size = static_cast<size_t>(st.st_size);
  void* data = nullptr;
  if (size > 0) {
    data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) {
      ::close(fd);
      return MakeError(ErrorCode::kIoError,
                       path.string() + ": cannot map: " + std::strerror(errno));
    }
  }
  ::close(fd);
  return MappedFile(static_cast<const uint8_t*>(data), size);
}

MappedFile::MappedFile(MappedFile&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  std::swap(data_, other.data_);
  std::swap(size_, other.size_);
  return *this;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
}

}  // namespace viscera
