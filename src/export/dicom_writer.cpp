#include "export/dicom_writer.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>
#include <random>

#include "io/atomic_file.h"

namespace viscera {
namespace {

constexpr uint32_t kItem = DicomTag(0xfffe, 0xe000);
constexpr uint32_t kItemDelimiter = DicomTag(0xfffe, 0xe00d);
constexpr uint32_t kSequenceDelimiter = DicomTag(0xfffe, 0xe0dd);
constexpr uint32_t kUndefinedLength = 0xffffffffu;
// The largest value a 16-bit length field can announce while staying even (PS3.5 7.1.2).
constexpr size_t kMaxShortLength = 0xfffe;

bool IsVr(std::string_view vr, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), vr) != set.end();
}

bool IsTextVr(std::string_view vr) {
  return IsVr(vr, {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM",
                   "UC", "UI", "UR", "UT"});
}

// PS3.5 Table 7.1-1: these VRs have a reserved 16-bit field and a 32-bit length.
bool HasLongLength(std::string_view vr) {
  return IsVr(vr, {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"});
}

// PS3.5 6.2: UIDs and byte streams pad with NUL, every other string with a space.
char PaddingFor(std::string_view vr) {
  return IsVr(vr, {"UI", "OB", "UN"}) ? '\0' : ' ';
}

void PutU16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>(v >> 8));
}

void PutU32(std::string& out, uint32_t v) {
  PutU16(out, static_cast<uint16_t>(v & 0xffff));
  PutU16(out, static_cast<uint16_t>(v >> 16));
}

void PutTag(std::string& out, uint32_t tag) {
  PutU16(out, static_cast<uint16_t>(tag >> 16));
  PutU16(out, static_cast<uint16_t>(tag & 0xffff));
}

std::string HexTag(uint32_t tag) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "(%04X,%04X)", tag >> 16, tag & 0xffff);
  return buf;
}

// GCC's 128-bit integer (__extension__: not ISO C++, which -Wpedantic would point out).
__extension__ typedef unsigned __int128 Uint128;

// A UUID's 128 bits as one decimal integer (no leading zeros, as UID components require), after
// setting its version and the RFC 4122 variant.
std::string UuidUid(Uint128 bits, unsigned version) {
  bits &= ~((Uint128{0xf} << 76) | (Uint128{0x3} << 62));
  bits |= (Uint128{version} << 76) | (Uint128{0x2} << 62);
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(bits % 10)));
    bits /= 10;
  } while (bits != 0);
  std::reverse(digits.begin(), digits.end());
  std::string uid("2.25.");
  uid.append(digits);  // (not "2.25." + digits: GCC 12 warns falsely on that, -Wrestrict)
  return uid;
}

}  // namespace

std::string NewUid() {
  static std::mutex mutex;
  static std::random_device device;
  Uint128 bits = 0;
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (int n = 0; n < 4; ++n) bits = (bits << 32) | device();
  }
  return UuidUid(bits, 4);  // version 4: random
}

std::string UidFromName(std::string_view name) {
  // FNV-1a, 128-bit parameters (offset basis and prime from the FNV specification).
  Uint128 hash = (Uint128{0x6c62272e07bb0142u} << 64) | 0x62b821756295c58du;
  const Uint128 prime = (Uint128{0x0000000001000000u} << 64) | 0x000000000000013bu;
  for (unsigned char c : name) {
    hash ^= c;
    hash *= prime;
  }
  return UuidUid(hash, 8);  // version 8: custom (name-based, our hash)
}

std::string FormatDecimalString(double value) {
  VISCERA_CHECK(std::isfinite(value), "FormatDecimalString: value is not finite");
  if (value == 0) return "0";  // also turns -0 into 0
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);  // shortest round trip
  if (ec == std::errc() && end - buf <= 16) return std::string(buf, end);
  for (int precision = 16; precision >= 1; --precision) {
    const int n = std::snprintf(buf, sizeof buf, "%.*g", precision, value);
    if (n > 0 && n <= 16) return std::string(buf, static_cast<size_t>(n));
  }
  VISCERA_CHECK(false, "FormatDecimalString: no 16-character form");
  return {};
}

std::string FormatDecimalString(double value, int max_decimals) {
  VISCERA_CHECK(std::isfinite(value), "FormatDecimalString: value is not finite");
  VISCERA_CHECK(max_decimals >= 0 && max_decimals <= 15, "FormatDecimalString: bad decimals");
  char buf[400];  // room for 1e308 written out in full
  // to_chars rather than printf: a structure set formats millions of these.
  auto [end, ec] =
      std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, max_decimals);
  VISCERA_CHECK(ec == std::errc(), "FormatDecimalString: buffer too small");
  std::string text(buf, end);
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  if (text == "-0") text = "0";
  if (text.size() > 16) return FormatDecimalString(value);  // huge magnitudes: exponent form
  return text;
}

std::string FitToLength(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t end = max_bytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the character that was cut.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

DicomDateTime DicomNow() {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char date[16], time[16];
  std::strftime(date, sizeof date, "%Y%m%d", &local);
  std::strftime(time, sizeof time, "%H%M%S", &local);
  return {date, time};
}

DicomItem::DicomItem(const DicomItem& other) {
  Merge(other);
}

DicomItem& DicomItem::operator=(const DicomItem& other) {
  if (this != &other) {
    elements_.clear();
    Merge(other);
  }
  return *this;
}

DicomItem::Element& DicomItem::Put(uint32_t tag, std::string_view vr) {
  VISCERA_CHECK(vr.size() == 2, "DicomItem: a VR has two letters");
  VISCERA_CHECK((tag >> 16) != 0xfffe, "DicomItem: item tags are not elements");
  Element& e = elements_[tag];
  e = Element{};
  e.vr[0] = vr[0];
  e.vr[1] = vr[1];
  return e;
}

DicomItem& DicomItem::Set(uint32_t tag, std::string_view vr, std::string_view value) {
  VISCERA_CHECK(IsTextVr(vr), "DicomItem::Set takes text VRs only");
  Put(tag, vr).value = std::string(value);
  return *this;
}

DicomItem& DicomItem::Set(uint32_t tag, std::string_view vr, std::span<const std::string> values) {
  std::string joined;
  for (size_t n = 0; n < values.size(); ++n) {
    if (n > 0) joined += '\\';
    joined += values[n];
  }
  return Set(tag, vr, joined);
}

DicomItem& DicomItem::SetDecimals(uint32_t tag, std::span<const double> values) {
  std::string joined;
  for (size_t n = 0; n < values.size(); ++n) {
    if (n > 0) joined += '\\';
    joined += FormatDecimalString(values[n]);
  }
  return Set(tag, "DS", joined);
}

DicomItem& DicomItem::SetInteger(uint32_t tag, int64_t value) {
  return Set(tag, "IS", std::to_string(value));
}

DicomItem& DicomItem::SetUS(uint32_t tag, std::initializer_list<uint16_t> values) {
  std::string& out = Put(tag, "US").value;
  for (uint16_t v : values) PutU16(out, v);
  return *this;
}

DicomItem& DicomItem::SetUL(uint32_t tag, std::initializer_list<uint32_t> values) {
  std::string& out = Put(tag, "UL").value;
  for (uint32_t v : values) PutU32(out, v);
  return *this;
}

DicomItem& DicomItem::SetAT(uint32_t tag, std::initializer_list<uint32_t> tags) {
  std::string& out = Put(tag, "AT").value;
  for (uint32_t t : tags) PutTag(out, t);
  return *this;
}

DicomItem& DicomItem::SetBytes(uint32_t tag, std::string_view vr, std::string bytes) {
  VISCERA_CHECK(IsVr(vr, {"OB", "OW", "UN"}), "DicomItem::SetBytes takes OB, OW or UN");
  VISCERA_CHECK(vr != "OW" || bytes.size() % 2 == 0, "OW values have whole 16-bit words");
  Put(tag, vr).value = std::move(bytes);
  return *this;
}

DicomItem& DicomItem::AddItem(uint32_t tag) {
  auto it = elements_.find(tag);
  if (it == elements_.end() || std::string_view(it->second.vr, 2) != "SQ") {
    SetEmptySequence(tag);
    it = elements_.find(tag);
  }
  it->second.items.push_back(std::make_unique<DicomItem>());
  return *it->second.items.back();
}

DicomItem& DicomItem::SetEmptySequence(uint32_t tag) {
  Put(tag, "SQ");
  return *this;
}

DicomItem& DicomItem::Merge(const DicomItem& other) {
  for (const auto& [tag, e] : other.elements_) {
    Element& copy = elements_[tag];
    copy = Element{};
    std::memcpy(copy.vr, e.vr, 2);
    copy.value = e.value;
    for (const auto& item : e.items) copy.items.push_back(std::make_unique<DicomItem>(*item));
  }
  return *this;
}

std::string_view DicomItem::Vr(uint32_t tag) const {
  auto it = elements_.find(tag);
  return it == elements_.end() ? std::string_view() : std::string_view(it->second.vr, 2);
}

std::string_view DicomItem::Value(uint32_t tag) const {
  auto it = elements_.find(tag);
  return it == elements_.end() ? std::string_view() : std::string_view(it->second.value);
}

size_t DicomItem::ItemCount(uint32_t tag) const {
  auto it = elements_.find(tag);
  return it == elements_.end() ? 0 : it->second.items.size();
}

const DicomItem& DicomItem::Item(uint32_t tag, size_t index) const {
  auto it = elements_.find(tag);
  VISCERA_CHECK(it != elements_.end() && index < it->second.items.size(),
                "DicomItem::Item: no such item");
  return *it->second.items[index];
}

// Explicit VR Little Endian encoding of items and their elements.
class DicomEncoder {
 public:
  explicit DicomEncoder(const DicomEncodeOptions& options) : options_(options) {}

  // Appends the elements of `item` (group 0002 skipped unless `meta`).
  Status Elements(const DicomItem& item, bool meta, std::string& out) const {
    for (const auto& [tag, e] : item.elements_) {
      if (((tag >> 16) == 0x0002) != meta) continue;
      VISCERA_RETURN_IF_ERROR(Element(tag, e, out));
    }
    return Ok{};
  }

 private:
  Status Element(uint32_t tag, const DicomItem::Element& e, std::string& out) const {
    const std::string_view vr(e.vr, 2);
    if (vr == "SQ") return Sequence(tag, e, out);
    const bool odd = e.value.size() % 2 != 0;
    const size_t length = e.value.size() + (odd ? 1 : 0);
    if (length >= kUndefinedLength) {
      return MakeError(ErrorCode::kTooLarge, "element " + HexTag(tag) + " has " +
                                                 std::to_string(length) +
                                                 " bytes, more than DICOM can hold");
    }
    // CP-1066 (PS3.5 6.2.2): a value too long for its VR's 16-bit length goes out as UN.
    const bool as_un = !HasLongLength(vr) && length > kMaxShortLength;
    Header(tag, as_un ? std::string_view("UN") : vr, static_cast<uint32_t>(length), out);
    out += e.value;
    if (odd) out.push_back(PaddingFor(vr));
    return Ok{};
  }

  void Header(uint32_t tag, std::string_view vr, uint32_t length, std::string& out) const {
    PutTag(out, tag);
    out.append(vr);
    if (HasLongLength(vr)) {
      PutU16(out, 0);
      PutU32(out, length);
    } else {
      PutU16(out, static_cast<uint16_t>(length));
    }
  }

  Status Sequence(uint32_t tag, const DicomItem::Element& e, std::string& out) const {
    if (options_.undefined_length_sequences) {
      Header(tag, "SQ", kUndefinedLength, out);
      for (const auto& item : e.items) {
        PutTag(out, kItem);
        PutU32(out, kUndefinedLength);
        VISCERA_RETURN_IF_ERROR(Elements(*item, false, out));
        PutTag(out, kItemDelimiter);
        PutU32(out, 0);
      }
      PutTag(out, kSequenceDelimiter);
      PutU32(out, 0);
      return Ok{};
    }
    std::string body;
    for (const auto& item : e.items) {
      std::string encoded;
      VISCERA_RETURN_IF_ERROR(Elements(*item, false, encoded));
      VISCERA_RETURN_IF_ERROR(CheckDefinedLength(tag, encoded.size()));
      PutTag(body, kItem);
      PutU32(body, static_cast<uint32_t>(encoded.size()));
      body += encoded;
    }
    VISCERA_RETURN_IF_ERROR(CheckDefinedLength(tag, body.size()));
    Header(tag, "SQ", static_cast<uint32_t>(body.size()), out);
    out += body;
    return Ok{};
  }

  static Status CheckDefinedLength(uint32_t tag, size_t length) {
    if (length < kUndefinedLength) return Ok{};
    return MakeError(ErrorCode::kTooLarge,
                     "sequence " + HexTag(tag) + " is too long for a defined length");
  }

  DicomEncodeOptions options_;
};

Expected<std::string> EncodeDicomFile(const DicomItem& data_set,
                                      const DicomEncodeOptions& options) {
  const std::string_view sop_class = data_set.Value(dicom_tag::kSopClassUid);
  const std::string_view sop_instance = data_set.Value(dicom_tag::kSopInstanceUid);
  if (sop_class.empty() || sop_instance.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "a DICOM file needs SOPClassUID and SOPInstanceUID in its data set");
  }
  DicomItem meta;
  meta.SetBytes(DicomTag(0x0002, 0x0001), "OB", std::string("\x00\x01", 2));
  meta.Set(DicomTag(0x0002, 0x0002), "UI", sop_class);
  meta.Set(DicomTag(0x0002, 0x0003), "UI", sop_instance);
  meta.Set(DicomTag(0x0002, 0x0010), "UI", kExplicitVrLittleEndianUid);
  meta.Set(DicomTag(0x0002, 0x0012), "UI", kVisceraImplementationClassUid);
  meta.Set(DicomTag(0x0002, 0x0013), "SH", kVisceraImplementationVersionName);
  const DicomEncoder encoder(options);
  std::string meta_bytes;
  VISCERA_RETURN_IF_ERROR(encoder.Elements(meta, true, meta_bytes));

  std::string out(128, '\0');
  out += "DICM";
  DicomItem group_length;
  group_length.SetUL(DicomTag(0x0002, 0x0000), {static_cast<uint32_t>(meta_bytes.size())});
  VISCERA_RETURN_IF_ERROR(encoder.Elements(group_length, true, out));
  out += meta_bytes;
  VISCERA_RETURN_IF_ERROR(encoder.Elements(data_set, false, out));
  return out;
}

Status WriteDicomFile(const DicomItem& data_set, const std::filesystem::path& path,
                      const DicomEncodeOptions& options) {
  Expected<std::string> bytes = EncodeDicomFile(data_set, options);
  if (!bytes) {
    return MakeError(bytes.error().code, path.string() + ": " + bytes.error().message);
  }
  return WriteFileAtomically(path, *bytes);
}

}  // namespace viscera
