// Writing DICOM files (PS3.10 file, PS3.5 encoding): a data set built in memory, encoded as
// Explicit VR Little Endian with the file meta header, written atomically; plus the UIDs and
// decimal strings the derived objects (Segmentation, RT Structure Set) need.
//
// The writer encodes what it is given: it never validates values against the data dictionary (a
// value copied from a source file goes out as it came in). What it does guarantee is the
// encoding: tag order, even lengths with the padding each VR wants, group lengths, and values too
// long for a 16-bit length field written as UN (CP-1066) instead of corrupting the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.h"
#include "io/dicom/dicom_parser.h"

namespace viscera {

inline constexpr const char* kExplicitVrLittleEndianUid = "1.2.840.10008.1.2.1";
// Identifies files written by Viscera (PS3.7 D.3.3.2); a 2.25 UUID-derived root of our own.
inline constexpr const char* kVisceraImplementationClassUid =
    "2.25.146759023815141699846157660674997165950";
inline constexpr const char* kVisceraImplementationVersionName = "VISCERA_0_1";

// A new globally unique UID: "2.25." + a random (version 4) UUID as one decimal integer
// (ITU-T X.667 / PS3.5 B.2), at most 44 characters. Thread-safe.
std::string NewUid();
// A UID that depends only on `name`: "2.25." + a name-based UUID (RFC 9562 version 8, from the
// 128-bit FNV-1a hash of `name`). For UIDs that must come out the same in every file and run,
// such as one standing in for a source's missing Study Instance UID.
std::string UidFromName(std::string_view name);

// A Decimal String value (PS3.5 DS: at most 16 characters): the shortest text that reads back as
// exactly `value`, or the nearest 16-character rounding when no such text fits. `value` must be
// finite (a bug otherwise).
std::string FormatDecimalString(double value);
// The same rounded to at most `max_decimals` digits after the point (trailing zeros dropped):
// shorter text for long coordinate lists, where 1 um is far below what matters.
std::string FormatDecimalString(double value, int max_decimals);

// `text` cut to at most `max_bytes` (a VR's limit: 16 for SH, 64 for LO), never inside a UTF-8
// character: for names we compose from configuration, where a long one should not make the file
// invalid.
std::string FitToLength(std::string_view text, size_t max_bytes);

// Today's date (DA, YYYYMMDD) and time (TM, HHMMSS) in local time, for Content/Instance Creation
// Date and Time.
struct DicomDateTime {
  std::string date;
  std::string time;
};
DicomDateTime DicomNow();

// A data set or sequence item under construction. Elements are kept by tag, so they encode in
// ascending tag order whatever order they were set in; setting a tag again replaces it.
class DicomItem {
 public:
  DicomItem() = default;
  DicomItem(const DicomItem& other);
  DicomItem& operator=(const DicomItem& other);
  DicomItem(DicomItem&&) noexcept = default;
  DicomItem& operator=(DicomItem&&) noexcept = default;
  ~DicomItem() = default;

  // A text value (VR AE AS CS DA DS DT IS LO LT PN SH ST TM UC UI UR UT); several values are
  // joined by '\'. Padding to even length is added when encoding.
  DicomItem& Set(uint32_t tag, std::string_view vr, std::string_view value);
  DicomItem& Set(uint32_t tag, std::string_view vr, std::span<const std::string> values);
  // DS values, each through FormatDecimalString.
  DicomItem& SetDecimals(uint32_t tag, std::span<const double> values);
  DicomItem& SetDecimals(uint32_t tag, std::initializer_list<double> values) {
    return SetDecimals(tag, std::span<const double>(values.begin(), values.size()));
  }
  DicomItem& SetInteger(uint32_t tag, int64_t value);  // IS
  // Binary numbers, little endian: US, UL, AT (tags as group then element).
  DicomItem& SetUS(uint32_t tag, std::initializer_list<uint16_t> values);
  DicomItem& SetUL(uint32_t tag, std::initializer_list<uint32_t> values);
  DicomItem& SetAT(uint32_t tag, std::initializer_list<uint32_t> tags);
  // Bytes as they go in the file (OB, OW, UN); an odd count is padded with a zero byte.
  DicomItem& SetBytes(uint32_t tag, std::string_view vr, std::string bytes);
  // Appends an item to sequence `tag` (creating the sequence) and returns it. The reference stays
  // valid while this item lives, whatever else is added.
  DicomItem& AddItem(uint32_t tag);
  // A present but empty sequence (Type 2 sequences).
  DicomItem& SetEmptySequence(uint32_t tag);

  // Copies every element of `other` into this item (replacing equal tags).
  DicomItem& Merge(const DicomItem& other);

  bool Has(uint32_t tag) const { return elements_.count(tag) != 0; }
  std::string_view Vr(uint32_t tag) const;     // "" when absent
  std::string_view Value(uint32_t tag) const;  // raw value bytes, unpadded; "" when absent
  size_t ItemCount(uint32_t tag) const;        // items of a sequence; 0 when absent
  const DicomItem& Item(uint32_t tag, size_t index) const;  // must exist (a bug otherwise)
  size_t size() const { return elements_.size(); }

 private:
  friend class DicomEncoder;
  struct Element {
    char vr[2] = {0, 0};
    std::string value;                              // not for SQ
    std::vector<std::unique_ptr<DicomItem>> items;  // SQ only
  };
  Element& Put(uint32_t tag, std::string_view vr);
  std::map<uint32_t, Element> elements_;
};

struct DicomEncodeOptions {
  // Sequences and items with undefined length and delimiters (else defined lengths).
  bool undefined_length_sequences = false;
};

// The complete file: 128-byte preamble, "DICM", the group 0002 file meta information (group
// length, version, MediaStorageSOPClassUID/InstanceUID from the data set's SOPClassUID and
// SOPInstanceUID, transfer syntax Explicit VR Little Endian, implementation class UID and version
// name), then `data_set` (group 0002 elements in it are ignored). kInvalidArgument when the data
// set has no SOP Class or Instance UID.
Expected<std::string> EncodeDicomFile(const DicomItem& data_set,
                                      const DicomEncodeOptions& options = {});

// EncodeDicomFile, written atomically to `path` (errors name it).
Status WriteDicomFile(const DicomItem& data_set, const std::filesystem::path& path,
                      const DicomEncodeOptions& options = {});

// Frequently used tags, by their DICOM keyword.
namespace dicom_tag {
inline constexpr uint32_t kSpecificCharacterSet = DicomTag(0x0008, 0x0005);
inline constexpr uint32_t kSopClassUid = DicomTag(0x0008, 0x0016);
inline constexpr uint32_t kSopInstanceUid = DicomTag(0x0008, 0x0018);
inline constexpr uint32_t kCodeValue = DicomTag(0x0008, 0x0100);
inline constexpr uint32_t kCodingSchemeDesignator = DicomTag(0x0008, 0x0102);
inline constexpr uint32_t kCodeMeaning = DicomTag(0x0008, 0x0104);
inline constexpr uint32_t kReferencedSopClassUid = DicomTag(0x0008, 0x1150);
inline constexpr uint32_t kReferencedSopInstanceUid = DicomTag(0x0008, 0x1155);
inline constexpr uint32_t kStudyInstanceUid = DicomTag(0x0020, 0x000d);
inline constexpr uint32_t kSeriesInstanceUid = DicomTag(0x0020, 0x000e);
inline constexpr uint32_t kFrameOfReferenceUid = DicomTag(0x0020, 0x0052);
}  // namespace dicom_tag

}  // namespace viscera
