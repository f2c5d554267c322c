#include "io/dicom/dicom_parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "test_data.h"

namespace viscera {
namespace {

using viscera::testing::ScratchDir;
using viscera::testing::SharedData;

constexpr uint32_t kUndefined = 0xffffffffu;
constexpr uint32_t kRows = DicomTag(0x0028, 0x0010);
constexpr const char* kName = "case/test.dcm";
constexpr const char* kExplicitLe = "1.2.840.10008.1.2.1";
constexpr const char* kImplicitLe = "1.2.840.10008.1.2";

// Appends DICOM elements in one encoding (switchable, as inside an undefined-length UN).
struct Writer {
  bool explicit_vr = true;
  bool big_endian = false;
  std::vector<uint8_t> bytes;

  Writer& Raw(std::string_view s) {
    bytes.insert(bytes.end(), s.begin(), s.end());
    return *this;
  }
  Writer& Append(const std::vector<uint8_t>& b) {
    return Raw({reinterpret_cast<const char*>(b.data()), b.size()});
  }
  Writer& U16(uint16_t v) {
    const char lo = static_cast<char>(v & 0xff), hi = static_cast<char>(v >> 8);
    return Raw(big_endian ? std::string{hi, lo} : std::string{lo, hi});
  }
  Writer& U32(uint32_t v) {
    return big_endian ? U16(static_cast<uint16_t>(v >> 16)).U16(static_cast<uint16_t>(v))
                      : U16(static_cast<uint16_t>(v)).U16(static_cast<uint16_t>(v >> 16));
  }
  // An element header; `vr` is ignored for implicit VR and for items and delimiters.
  Writer& Header(uint16_t group, uint16_t element, std::string_view vr, uint32_t length) {
    U16(group).U16(element);
    if (group == 0xfffe || !explicit_vr) return U32(length);
    Raw(vr);
    static const std::string kLong = "OB OD OF OL OV OW SQ SV UC UN UR UT UV";
    if (kLong.find(vr) != std::string::npos) return U16(0).U32(length);
    return U16(static_cast<uint16_t>(length));
  }
  Writer& Text(uint16_t group, uint16_t element, std::string_view vr, std::string_view value) {
    return Header(group, element, vr, static_cast<uint32_t>(value.size())).Raw(value);
  }
  // 16-bit binary values (US, SS) in the writer's byte order.
  Writer& Binary16(uint16_t group, uint16_t element, std::string_view vr,
                   std::vector<uint16_t> values) {
    Header(group, element, vr, static_cast<uint32_t>(2 * values.size()));
    for (uint16_t v : values) U16(v);
    return *this;
  }
  Writer& Us(uint16_t group, uint16_t element, std::vector<uint16_t> values) {
    return Binary16(group, element, "US", std::move(values));
  }
  Writer& Item(uint32_t length = kUndefined) { return Header(0xfffe, 0xe000, "", length); }
  Writer& ItemEnd() { return Header(0xfffe, 0xe00d, "", 0); }
  Writer& SequenceEnd() { return Header(0xfffe, 0xe0dd, "", 0); }
};

// Preamble (optional) + "DICM" + a file meta group naming `ts`, then `body`.
std::vector<uint8_t> File(const std::string& ts, const Writer& body, bool preamble = true) {
  Writer meta;
  meta.Header(0x0002, 0x0001, "OB", 2).Raw(std::string_view("\0\1", 2));
  meta.Text(0x0002, 0x0010, "UI", ts.size() % 2 ? ts + '\0' : ts);
  Writer out;
  if (preamble) out.Raw(std::string(128, '\0')).Raw("DICM");
  out.Header(0x0002, 0x0000, "UL", 4).U32(static_cast<uint32_t>(meta.bytes.size()));
  out.Append(meta.bytes).Append(body.bytes);
  return out.bytes;
}

Expected<DicomDataSet> Parse(std::span<const uint8_t> bytes) {
  return ParseDicom(bytes, kName);
}

// Parses bytes that must be valid: the data set, or an empty one and a test failure.
DicomDataSet Parsed(std::span<const uint8_t> bytes) {
  auto ds = Parse(bytes);
  EXPECT_TRUE(ds.ok()) << ds.error().ToString();
  return ds.ok() ? *ds : DicomDataSet{};
}

template <typename T>
::testing::AssertionResult Fails(const Expected<T>& result, ErrorCode code,
                                 const std::string& text) {
  if (result.ok()) return ::testing::AssertionFailure() << "succeeded; expected '" << text << "'";
  const Error& e = result.error();
  if (e.code != code || e.message.find(text) == std::string::npos) {
    return ::testing::AssertionFailure() << "got " << e.ToString() << "; expected "
                                         << ErrorCodeName(code) << " with '" << text << "'";
  }
  return ::testing::AssertionSuccess();
}

Writer Implicit() {
  return Writer{.explicit_vr = false, .big_endian = false, .bytes = {}};
}

// The file of `body` is refused with `code` and a message containing `text`.
::testing::AssertionResult Refused(const Writer& body, const std::string& text,
                                   const std::string& ts = kExplicitLe,
                                   ErrorCode code = ErrorCode::kCorruptData) {
  return Fails(Parse(File(ts, body)), code, text);
}

std::vector<double> Numbers(const DicomDataSet& ds, uint32_t tag) {
  auto numbers = ds.Numbers(tag, kName);
  EXPECT_TRUE(numbers.ok()) << numbers.error().ToString();
  return numbers.ok() ? *numbers : std::vector<double>{};
}

TEST(DicomParser, ExplicitLittleEndianWithPreamble) {
  const double fd = 2.25;
  Writer w;
  w.Text(0x0008, 0x0018, "UI", {"1.2.3\0", 6}).Text(0x0008, 0x0060, "CS", "CT");
  w.Text(0x0010, 0x0010, "PN", {" Doe^John \0\0", 12}).Text(0x0018, 0x0050, "DS", "  -1.5\\+2 ");
  w.Us(0x0028, 0x0010, {512}).Us(0x0028, 0x0011, {1, 258, 65535});
  w.Binary16(0x0028, 0x0106, "SS", {static_cast<uint16_t>(-5), 7});
  w.Header(0x0018, 0x9999, "UL", 4).U32(70000);
  w.Header(0x0020, 0x9999, "FD", 8).Raw({reinterpret_cast<const char*>(&fd), 8});
  const auto bytes = File(kExplicitLe, w);
  DicomDataSet ds = Parsed(bytes);
  EXPECT_EQ(ds.transfer_syntax_uid, "1.2.840.10008.1.2.1");
  EXPECT_TRUE(ds.explicit_vr && !ds.big_endian && !ds.encapsulated);
  EXPECT_EQ(ds.pixel_data_offset, -1);
  ASSERT_NE(ds.Find(DicomTag(0x0008, 0x0060)), nullptr);
  EXPECT_STREQ(ds.Find(DicomTag(0x0008, 0x0060))->vr, "CS");
  EXPECT_EQ(ds.String(DicomTag(0x0008, 0x0060)), "CT");
  EXPECT_EQ(ds.String(DicomTag(0x0008, 0x0018)), "1.2.3");
  EXPECT_EQ(ds.String(DicomTag(0x0010, 0x0010)), "Doe^John");
  EXPECT_EQ(Numbers(ds, DicomTag(0x0018, 0x0050)), (std::vector<double>{-1.5, 2}));
  EXPECT_EQ(Numbers(ds, kRows), (std::vector<double>{512}));
  EXPECT_EQ(Numbers(ds, DicomTag(0x0028, 0x0011)), (std::vector<double>{1, 258, 65535}));
  EXPECT_EQ(Numbers(ds, DicomTag(0x0028, 0x0106)), (std::vector<double>{-5, 7}));
  EXPECT_EQ(Numbers(ds, DicomTag(0x0018, 0x9999)), (std::vector<double>{70000}));
  EXPECT_EQ(Numbers(ds, DicomTag(0x0020, 0x9999)), (std::vector<double>{2.25}));
  EXPECT_TRUE(Numbers(ds, DicomTag(0x0020, 0x0032)).empty());  // absent
  EXPECT_EQ(ds.AsText(DicomTag(0x0028, 0x0011)), "1\\258\\65535");
  EXPECT_EQ(ds.AsText(DicomTag(0x0028, 0x0106)), "-5\\7");
}

TEST(DicomParser, MalformedNumbersNameFileAndTag) {
  for (const char* bad : {"1.5x", "abc ", "1\\\\2 ", "1e999 ", "nan ", "--1 ", "0x10"}) {
    const auto bytes = File(kExplicitLe, Writer().Text(0x0028, 0x1052, "DS", bad));
    auto numbers = Parsed(bytes).Numbers(DicomTag(0x0028, 0x1052), "series/7.dcm");
    EXPECT_TRUE(Fails(numbers, ErrorCode::kCorruptData, "series/7.dcm: (0028,1052)")) << bad;
  }
}

TEST(DicomParser, ImplicitVrLittleEndianTakesVrFromTable) {
  Writer w = Implicit();
  w.Us(0x0028, 0x0010, {512}).Us(0x0028, 0x0011, {256}).Us(0x0028, 0x0100, {16});
  w.Text(0x0020, 0x0032, "DS", "-1\\2.5\\3 ").Text(0x0009, 0x1001, "LO", "PRIV");
  const auto bytes = File(kImplicitLe, w.Header(0x7fe0, 0x0010, "OW", 8).Raw("abcdefgh"));
  DicomDataSet ds = Parsed(bytes);
  EXPECT_FALSE(ds.explicit_vr);
  EXPECT_STREQ(ds.Find(kRows)->vr, "US");
  EXPECT_EQ(ds.Find(DicomTag(0x0009, 0x1001))->vr[0], '\0');
  EXPECT_EQ(ds.String(DicomTag(0x0009, 0x1001)), "PRIV");
  EXPECT_EQ(Numbers(ds, kRows), (std::vector<double>{512}));
  EXPECT_EQ(Numbers(ds, DicomTag(0x0028, 0x0011)), (std::vector<double>{256}));
  EXPECT_EQ(ds.AsText(DicomTag(0x0028, 0x0100)), "16");
  EXPECT_EQ(Numbers(ds, DicomTag(0x0020, 0x0032)), (std::vector<double>{-1, 2.5, 3}));
  EXPECT_EQ(ds.pixel_data_offset, static_cast<int64_t>(bytes.size()) - 8);
  EXPECT_EQ(ds.pixel_data_length, 8);
}

TEST(DicomParser, ExplicitVrBigEndian) {
  Writer w;
  w.big_endian = true;
  w.Text(0x0008, 0x0060, "CS", "CT").Us(0x0028, 0x0010, {512}).Us(0x0028, 0x0011, {1, 258});
  w.Text(0x0008, 0x103e, "LO", std::string(258, 'A'));  // length 0x0102: byte order matters
  w.Header(0x0008, 0x1140, "SQ", kUndefined).Item().Us(0x0028, 0x0010, {7}).ItemEnd();
  w.Item(10).Us(0x0028, 0x0011, {9}).SequenceEnd();
  w.Text(0x0018, 0x0050, "DS", "2.5 ").Header(0x7fe0, 0x0010, "OW", 4).Raw("wxyz");
  const auto bytes = File("1.2.840.10008.1.2.2", w);
  DicomDataSet ds = Parsed(bytes);
  EXPECT_TRUE(ds.big_endian && ds.explicit_vr);
  EXPECT_EQ(ds.String(DicomTag(0x0008, 0x0060)), "CT");
  EXPECT_EQ(Numbers(ds, kRows), (std::vector<double>{512}));
  EXPECT_EQ(Numbers(ds, DicomTag(0x0028, 0x0011)), (std::vector<double>{1, 258}));
  EXPECT_EQ(ds.String(DicomTag(0x0008, 0x103e)), std::string(258, 'A'));
  EXPECT_EQ(Numbers(ds, DicomTag(0x0018, 0x0050)), (std::vector<double>{2.5}));
  EXPECT_EQ(ds.pixel_data_offset, static_cast<int64_t>(bytes.size()) - 4);
  EXPECT_EQ(ds.pixel_data_length, 4);
}

TEST(DicomParser, DataSetWithoutPreambleIsAccepted) {
  Writer explicit_body;
  explicit_body.Text(0x0008, 0x0005, "CS", "ISO_IR 100").Us(0x0028, 0x0010, {512});
  DicomDataSet ds = Parsed(explicit_body.bytes);
  EXPECT_TRUE(ds.explicit_vr);
  EXPECT_EQ(ds.transfer_syntax_uid, "");
  EXPECT_EQ(Numbers(ds, kRows), (std::vector<double>{512}));

  Writer implicit_body = Implicit();
  implicit_body.Text(0x0008, 0x0005, "CS", "ISO_IR 100").Us(0x0028, 0x0010, {512});
  ds = Parsed(implicit_body.bytes);
  EXPECT_FALSE(ds.explicit_vr);
  EXPECT_EQ(Numbers(ds, kRows), (std::vector<double>{512}));

  const auto meta_first = File(kExplicitLe, explicit_body, /*preamble=*/false);
  ds = Parsed(meta_first);
  EXPECT_EQ(ds.transfer_syntax_uid, "1.2.840.10008.1.2.1");
  EXPECT_EQ(Numbers(ds, kRows), (std::vector<double>{512}));
}

TEST(DicomParser, RefusesBytesThatAreNotDicom) {
  std::mt19937 random(42);
  std::vector<uint8_t> noise(1000, 0x5a);  // after a first byte that starts no data set
  for (size_t n = 1; n < noise.size(); ++n) noise[n] = static_cast<uint8_t>(random());
  const std::string text = "hello, this is plain text and not a DICOM file at all";
  for (const std::vector<uint8_t>& bytes :
       {noise, std::vector<uint8_t>(text.begin(), text.end()), std::vector<uint8_t>(200, 0),
        std::vector<uint8_t>{8, 0, 5}, std::vector<uint8_t>{}}) {
    EXPECT_TRUE(Fails(Parse(bytes), ErrorCode::kCorruptData, "case/test.dcm: not a DICOM file"));
  }
  // Noise after a valid preamble: refused or parsed, never a crash or another error code.
  for (int seed = 0; seed < 300; ++seed) {
    random.seed(static_cast<unsigned>(seed));
    std::vector<uint8_t> bytes = File("", Writer());
    bytes.resize(132);  // preamble and "DICM" only
    for (int n = 0; n < 64 + seed; ++n) bytes.push_back(static_cast<uint8_t>(random()));
    auto ds = Parse(bytes);
    EXPECT_TRUE(ds.ok() || ds.error().code == ErrorCode::kCorruptData) << ds.error().ToString();
  }
}

TEST(DicomParser, SkipsUndefinedLengthSequencesAndNestedItems) {
  Writer inner;
  inner.Text(0x0008, 0x0100, "SH", "AB");
  Writer w;
  w.Text(0x0008, 0x0060, "CS", "CT");
  w.Header(0x0008, 0x1140, "SQ", kUndefined).Item().Text(0x0008, 0x1150, "UI", "1.2 ");
  w.Header(0x0008, 0x1199, "SQ", kUndefined);
  w.Item(static_cast<uint32_t>(inner.bytes.size())).Append(inner.bytes);
  w.Item().Us(0x0028, 0x0010, {64}).Header(0x7fe0, 0x0010, "OW", 4).Raw("icon").ItemEnd();
  w.Item(0).SequenceEnd();
  w.ItemEnd().Item(0).SequenceEnd();
  w.Header(0x0008, 0x1115, "SQ", kUndefined).SequenceEnd();  // empty sequence
  // A defined-length sequence holding undefined-length items is skipped by its length.
  Writer defined;
  defined.Item().Text(0x0010, 0x0030, "DA", "20000101").ItemEnd();
  w.Header(0x0040, 0x0275, "SQ", static_cast<uint32_t>(defined.bytes.size())).Append(defined.bytes);
  w.Text(0x0010, 0x0020, "LO", "TOP ").Us(0x0028, 0x0010, {512});
  const auto bytes = File(kExplicitLe, w.Header(0x7fe0, 0x0010, "OW", 4).Raw("data"));
  DicomDataSet ds = Parsed(bytes);
  EXPECT_EQ(ds.String(DicomTag(0x0010, 0x0020)), "TOP");
  EXPECT_EQ(Numbers(ds, kRows), (std::vector<double>{512}));
  for (uint32_t nested :
       {DicomTag(0x0008, 0x1150), DicomTag(0x0008, 0x0100), DicomTag(0x0010, 0x0030)}) {
    EXPECT_EQ(ds.Find(nested), nullptr);  // nested elements stay nested
  }
  EXPECT_EQ(ds.pixel_data_offset, static_cast<int64_t>(bytes.size()) - 4);  // not the icon's
}

TEST(DicomParser, SkipsUndefinedLengthUnEncodedAsImplicitVrLittleEndian) {
  for (bool big_endian : {false, true}) {  // PS3.5 6.2.2; DCMTK reads it so in either byte order
    SCOPED_TRACE(big_endian ? "explicit VR big endian file" : "explicit VR little endian file");
    Writer w{.explicit_vr = true, .big_endian = big_endian, .bytes = {}};
    w.Header(0x0009, 0x1010, "UN", kUndefined);
    w.explicit_vr = w.big_endian = false;  // the value of the UN
    w.Item().Text(0x0009, 0x1011, "", "ABCD").Header(0x0009, 0x1012, "", kUndefined).Item();
    w.Text(0x0009, 0x1013, "", "XY").ItemEnd().SequenceEnd().ItemEnd().SequenceEnd();
    w.explicit_vr = true, w.big_endian = big_endian;
    w.Header(0x0011, 0x1010, "UN", 4).Raw("WXYZ").Text(0x0010, 0x0020, "LO", "AFTER ");
    const auto bytes = File(big_endian ? "1.2.840.10008.1.2.2" : kExplicitLe, w);
    DicomDataSet ds = Parsed(bytes);
    EXPECT_EQ(ds.String(DicomTag(0x0010, 0x0020)), "AFTER");
    ASSERT_NE(ds.Find(DicomTag(0x0011, 0x1010)), nullptr);
    EXPECT_STREQ(ds.Find(DicomTag(0x0011, 0x1010))->vr, "UN");
    EXPECT_EQ(ds.String(DicomTag(0x0011, 0x1010)), "WXYZ");
  }
}

// `levels` sequences, each inside an item of the one before, then a top-level element.
std::vector<uint8_t> Nested(int levels, bool as_un) {
  Writer w;
  if (as_un) w.Header(0x0009, 0x1010, "UN", kUndefined).Item().explicit_vr = false;
  for (int n = 0; n < levels; ++n) w.Header(0x0008, 0x1140, "SQ", kUndefined).Item();
  w.Text(0x0008, 0x1150, "UI", "1.2 ");
  for (int n = 0; n < levels; ++n) w.ItemEnd().SequenceEnd();
  if (as_un) w.ItemEnd().SequenceEnd();
  w.explicit_vr = true;
  w.Text(0x0010, 0x0020, "LO", "END ");
  return File(kExplicitLe, w);
}

TEST(DicomParser, BoundsNesting) {
  for (bool as_un : {false, true}) {
    const int depth = as_un ? 6 : 7;  // deeper than any real CT header
    const auto fine = Nested(depth, as_un);
    DicomDataSet ds = Parsed(fine);
    EXPECT_EQ(ds.String(DicomTag(0x0010, 0x0020)), "END");
    const auto deep = Nested(10000, as_un);  // would overflow the stack if unbounded
    EXPECT_TRUE(Fails(Parse(deep), ErrorCode::kCorruptData, "nested too deeply"));
  }
}

TEST(DicomParser, BadStructureIsCorruptDataNamingTheElement) {
  EXPECT_TRUE(Refused(Writer().Header(0x0010, 0x0010, "PN", 100).Raw("Doe "),
                      "case/test.dcm: element (0010,0010) claims 100 bytes"));
  EXPECT_TRUE(Refused(Writer().Header(0x0011, 0x0010, "OB", 0xfffffff0u).Raw("ab"),
                      "(0011,0010) claims 4294967280 bytes"));
  EXPECT_TRUE(Refused(Implicit().Header(0x0010, 0x0010, "", 1000).Raw("ab"),
                      "(0010,0010) claims 1000", kImplicitLe));
  EXPECT_TRUE(Refused(Writer().Header(0x0008, 0x1140, "SQ", kUndefined).Item(5000).Raw("abcd"),
                      "(FFFE,E000) claims 5000"));
  EXPECT_TRUE(Refused(Writer().Text(0x0008, 0x0060, "CS", "CT").Raw({"\x10\x00\x10", 3}),
                      "element header runs past the end"));
  EXPECT_TRUE(Refused(Writer().Text(0x0008, 0x0060, "c1", "CT"), "(0008,0060) has no valid VR"));
  // A file that ends inside an item, or in a sequence before its delimiter.
  EXPECT_TRUE(
      Refused(Writer().Header(0x0008, 0x1140, "SQ", kUndefined).Item().Us(0x0028, 0x10, {1}),
              "item without its delimiter"));
  EXPECT_TRUE(Refused(Writer().Header(0x0008, 0x1140, "SQ", kUndefined).Item(0),
                      "element header runs past the end"));
  // Item tags where elements belong, and elements where items belong.
  EXPECT_TRUE(
      Refused(Writer().Text(0x0008, 0x0060, "CS", "CT").ItemEnd().Text(0x0010, 0x0020, "LO", "ID"),
              "item delimiter outside any item"));
  EXPECT_TRUE(Refused(Writer().Item(2).Raw("ab"), "unexpected item tag (FFFE,E000)"));
  EXPECT_TRUE(Refused(Implicit().SequenceEnd(), "unexpected item tag (FFFE,E0DD)", kImplicitLe));
  EXPECT_TRUE(
      Refused(Writer().Header(0x0008, 0x1140, "SQ", kUndefined).Text(0x0008, 0x0060, "CS", "CT"),
              "expected an item in a sequence, found (0008,0060)"));
  EXPECT_TRUE(Refused(Writer().Raw("\x78\x9c compressed"), "case/test.dcm: deflated",
                      "1.2.840.10008.1.2.1.99", ErrorCode::kUnsupported));
}

TEST(DicomParser, StopsAtNativePixelData) {
  Writer w;
  w.Us(0x0028, 0x0010, {2}).Header(0x7fe0, 0x0010, "OW", 8).Raw("01234567").ItemEnd().Raw("junk");
  const auto bytes = File(kExplicitLe, w);
  DicomDataSet ds = Parsed(bytes);
  ASSERT_EQ(ds.pixel_data_length, 8);
  EXPECT_EQ(std::memcmp(bytes.data() + ds.pixel_data_offset, "01234567", 8), 0);

  // A value cut short is left for the frame decoder to report.
  const auto short_bytes =
      File(kExplicitLe, Writer().Header(0x7fe0, 0x0010, "OW", 1000).Raw("0123"));
  ds = Parsed(short_bytes);
  EXPECT_EQ(ds.pixel_data_offset, static_cast<int64_t>(short_bytes.size()) - 4);
  EXPECT_EQ(ds.pixel_data_length, 1000);
}

Writer Encapsulated(std::vector<std::string> items, bool delimited = true) {
  Writer w;
  w.Us(0x0028, 0x0010, {2}).Header(0x7fe0, 0x0010, "OB", kUndefined);
  for (const auto& item : items) w.Item(static_cast<uint32_t>(item.size())).Raw(item);
  if (delimited) w.SequenceEnd();
  return w;
}

TEST(DicomParser, EncapsulatedFragmentsWithoutOffsetTable) {
  const std::string rle = "1.2.840.10008.1.2.5";
  const auto bytes = File(rle, Encapsulated({std::string(4, '\0'), "ABCD", "EF"}));
  DicomDataSet ds = Parsed(bytes);
  EXPECT_TRUE(ds.encapsulated);
  EXPECT_EQ(ds.pixel_data_length, -1);
  EXPECT_EQ(ds.pixel_data_offset, static_cast<int64_t>(bytes.size()) - 8 * 4 - 4 - 4 - 2);
  auto fragments = EncapsulatedFragments(bytes, ds, kName);
  ASSERT_TRUE(fragments.ok()) << fragments.error().ToString();
  ASSERT_EQ(fragments->size(), 2u);
  EXPECT_EQ(std::string((*fragments)[0].begin(), (*fragments)[0].end()), "ABCD");
  EXPECT_EQ(std::string((*fragments)[1].begin(), (*fragments)[1].end()), "EF");
  EXPECT_EQ((*fragments)[1].data(), bytes.data() + bytes.size() - 8 - 2);

  auto fragments_of = [&](const std::vector<uint8_t>& file) {
    auto parsed = Parse(file);
    EXPECT_TRUE(parsed.ok()) << parsed.error().ToString();
    return parsed.ok() ? EncapsulatedFragments(file, *parsed, kName)
                       : Expected<std::vector<std::span<const uint8_t>>>(parsed.error());
  };
  const auto one_fragment = File(rle, Encapsulated({"", "XYZW"}));  // empty offset table
  auto single = fragments_of(one_fragment);
  ASSERT_TRUE(single.ok()) << single.error().ToString();
  ASSERT_EQ(single->size(), 1u);
  EXPECT_EQ(std::string(single->front().begin(), single->front().end()), "XYZW");
  EXPECT_TRUE(Fails(fragments_of(File(rle, Encapsulated({"", "ABCD"}, false))),
                    ErrorCode::kCorruptData, "element header runs past the end"));
  EXPECT_TRUE(Fails(fragments_of(File(rle, Encapsulated({""}))), ErrorCode::kCorruptData,
                    "has no fragments"));
  EXPECT_TRUE(Fails(fragments_of(File(rle, Encapsulated({"", "AB"}, false).ItemEnd())),
                    ErrorCode::kCorruptData, "expected a pixel data fragment, found (FFFE,E00D)"));
  EXPECT_TRUE(Fails(fragments_of(File(rle, Encapsulated({""}, false).Item().Raw("ABCD"))),
                    ErrorCode::kCorruptData, "expected a pixel data fragment, found (FFFE,E000)"));
  EXPECT_TRUE(Fails(fragments_of(File(rle, Encapsulated({""}, false).Item(64).Raw("ABCD"))),
                    ErrorCode::kCorruptData, "case/test.dcm: element (FFFE,E000) claims 64"));
}

TEST(DicomParser, PixelDataMustMatchTransferSyntax) {
  EXPECT_TRUE(Refused(Writer().Header(0x7fe0, 0x0010, "OW", 4).Raw("abcd"),
                      "compressed transfer syntax but native pixel data",
                      "1.2.840.10008.1.2.4.70"));
  EXPECT_TRUE(Refused(Encapsulated({"", "ABCD"}),
                      "undefined-length pixel data in a native transfer syntax"));
}

// Real files, against values read independently by pydicom.
TEST(DicomParser, RealSeriesAgreeWithPydicom) {
  auto list = [](const std::filesystem::path& folder) {
    std::vector<std::filesystem::path> out(std::filesystem::directory_iterator(folder), {});
    std::sort(out.begin(), out.end());
    return out;
  };
  std::vector<std::filesystem::path> files = list(SharedData("totalseg-example/example_ct_dicom"));
  const auto lidc = list(SharedData("lidc-idri-0314-chest/dicom"));
  ASSERT_GE(lidc.size(), 10u);
  files.insert(files.end(), lidc.begin(), lidc.begin() + 10);
  ScratchDir dir;
  std::ofstream(dir / "read.py") << R"(import sys, pydicom
from pydicom.encaps import decode_data_sequence
for path in sys.argv[1:]:
    ds = pydicom.dcmread(path)
    raw = ds.get_item(0x7FE00010)
    undefined = raw.length == 0xFFFFFFFF
    frags = decode_data_sequence(ds.PixelData) if undefined else []
    print(path, ds.file_meta.TransferSyntaxUID, ds.Rows, ds.Columns,
          *[repr(float(v)) for v in ds.ImagePositionPatient], repr(float(ds.RescaleIntercept)),
          raw.value_tell, -1 if undefined else len(ds.PixelData), len(frags),
          *[len(f) for f in frags])
)";
  std::string command = std::string(VISCERA_PYTHON) + " " + (dir / "read.py").string();
  for (const auto& f : files) command.append(" ").append(f.string());
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output(1 << 20, '\0');
  output.resize(std::fread(output.data(), 1, output.size(), pipe));
  ASSERT_EQ(::pclose(pipe), 0) << command << "\n" << output;

  std::istringstream lines(output);
  std::string line;
  size_t checked = 0, encapsulated = 0;
  while (std::getline(lines, line)) {
    std::istringstream in(line);
    std::string path, ts;
    double rows = 0, columns = 0, intercept = 0;
    std::vector<double> position(3);
    int64_t offset = 0, length = 0, fragment_count = 0;
    in >> path >> ts >> rows >> columns >> position[0] >> position[1] >> position[2] >> intercept >>
        offset >> length >> fragment_count;
    ASSERT_TRUE(in) << line;
    SCOPED_TRACE(path);
    auto file = MappedFile::Open(path);
    ASSERT_TRUE(file.ok()) << file.error().ToString();
    const auto bytes = file->bytes();
    const DicomDataSet ds = Parsed(bytes);
    EXPECT_EQ(ds.transfer_syntax_uid, ts);
    EXPECT_EQ(Numbers(ds, kRows), (std::vector<double>{rows}));
    EXPECT_EQ(Numbers(ds, DicomTag(0x0028, 0x0011)), (std::vector<double>{columns}));
    EXPECT_EQ(Numbers(ds, DicomTag(0x0020, 0x0032)), position);
    EXPECT_EQ(Numbers(ds, DicomTag(0x0028, 0x1052)), (std::vector<double>{intercept}));
    EXPECT_EQ(ds.pixel_data_offset, offset);
    EXPECT_EQ(ds.pixel_data_length, length);
    // The bytes just before the value are the (7FE0,0010) header.
    const size_t header = ds.explicit_vr ? 12 : 8;
    ASSERT_GE(offset, static_cast<int64_t>(header));
    const uint8_t* h = bytes.data() + offset - static_cast<int64_t>(header);
    EXPECT_EQ(std::memcmp(h, "\xe0\x7f\x10\x00", 4), 0);
    if (ds.explicit_vr) {
      EXPECT_TRUE(std::memcmp(h + 4, "OB\0\0", 4) == 0 || std::memcmp(h + 4, "OW\0\0", 4) == 0);
    }
    uint32_t claimed;  // the length field, little endian in all these files
    std::memcpy(&claimed, bytes.data() + offset - 4, 4);
    EXPECT_EQ(claimed, static_cast<uint32_t>(length));
    if (ds.encapsulated) {
      ++encapsulated;
      auto fragments = EncapsulatedFragments(bytes, ds, path);
      ASSERT_TRUE(fragments.ok()) << fragments.error().ToString();
      ASSERT_EQ(fragments->size(), static_cast<size_t>(fragment_count));
      for (const auto& fragment : *fragments) {
        size_t size = 0;
        in >> size;
        EXPECT_EQ(fragment.size(), size);
      }
    }
    ++checked;
  }
  EXPECT_EQ(checked, files.size());
  EXPECT_EQ(encapsulated, files.size() - 10);
}

}  // namespace
}  // namespace viscera
