#include "export/dicom_writer.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <set>

#include "io/dicom/dicom_file.h"
#include "test_data.h"

namespace viscera {
namespace {

using viscera::testing::ScratchDir;

constexpr uint32_t kPatientName = DicomTag(0x0010, 0x0010);
constexpr uint32_t kReferencedSeriesSequence = DicomTag(0x0008, 0x1115);

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

DicomItem MinimalDataSet() {
  DicomItem ds;
  ds.Set(dicom_tag::kSopClassUid, "UI", "1.2.840.10008.5.1.4.1.1.66.4");
  ds.Set(dicom_tag::kSopInstanceUid, "UI", "2.25.1234");
  return ds;
}

std::string Encode(const DicomItem& ds, bool undefined_lengths = false) {
  Expected<std::string> bytes = EncodeDicomFile(ds, {undefined_lengths});
  EXPECT_TRUE(bytes.ok()) << bytes.error().ToString();
  return bytes.ok() ? *bytes : std::string();
}

// The result points into `bytes`, which must outlive it.
DicomDataSet Parse(const std::string& bytes) {
  Expected<DicomDataSet> ds = ParseDicom(Bytes(bytes), "test.dcm");
  EXPECT_TRUE(ds.ok()) << ds.error().ToString();
  return ds.ok() ? *ds : DicomDataSet();
}

std::string ValueOf(const DicomDataSet& ds, uint32_t tag) {
  const DicomElement* e = ds.Find(tag);
  EXPECT_NE(e, nullptr) << std::hex << tag;
  return e == nullptr
             ? ""
             : std::string(reinterpret_cast<const char*>(e->value.data()), e->value.size());
}

TEST(DicomWriterTest, FileHasPreambleMetaHeaderAndExplicitLittleEndian) {
  const std::string bytes = Encode(MinimalDataSet());
  ASSERT_GT(bytes.size(), 132u);
  EXPECT_EQ(bytes.substr(0, 128), std::string(128, '\0'));
  EXPECT_EQ(bytes.substr(128, 4), "DICM");
  const DicomDataSet ds = Parse(bytes);
  EXPECT_EQ(ds.transfer_syntax_uid, kExplicitVrLittleEndianUid);
  EXPECT_TRUE(ds.explicit_vr);
  EXPECT_FALSE(ds.big_endian);
  EXPECT_EQ(ValueOf(ds, DicomTag(0x0002, 0x0001)), std::string("\x00\x01", 2));
  EXPECT_EQ(ds.String(DicomTag(0x0002, 0x0002)), "1.2.840.10008.5.1.4.1.1.66.4");
  EXPECT_EQ(ds.String(DicomTag(0x0002, 0x0003)), "2.25.1234");
  EXPECT_EQ(ds.String(DicomTag(0x0002, 0x0012)), kVisceraImplementationClassUid);
  EXPECT_EQ(ds.String(DicomTag(0x0002, 0x0013)), kVisceraImplementationVersionName);
  EXPECT_EQ(ds.String(dicom_tag::kSopInstanceUid), "2.25.1234");
  // The group length counts the bytes from the end of its own element (132 + 12) to the first
  // element of the data set.
  auto length = ds.Numbers(DicomTag(0x0002, 0x0000), "test.dcm");
  ASSERT_TRUE(length.ok());
  ASSERT_EQ(length->size(), 1u);
  const auto first_data_element =
      ds.Find(dicom_tag::kSopClassUid)->value.data() - Bytes(bytes).data() - 8;
  EXPECT_EQ(static_cast<int64_t>((*length)[0]), first_data_element - 144);
}

TEST(DicomWriterTest, RefusesDataSetWithoutSopUids) {
  DicomItem ds;
  ds.Set(kPatientName, "PN", "Anon");
  Expected<std::string> bytes = EncodeDicomFile(ds);
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.error().code, ErrorCode::kInvalidArgument);
}

TEST(DicomWriterTest, PadsOddValuesPerVr) {
  DicomItem item = MinimalDataSet();
  item.Set(DicomTag(0x0008, 0x0060), "CS", "SEG");                // text: space
  item.Set(DicomTag(0x0020, 0x000d), "UI", "1.2.3");              // UID: NUL
  item.SetBytes(DicomTag(0x0009, 0x1001), "OB", "\x01\x02\x03");  // bytes: NUL
  item.Set(DicomTag(0x0008, 0x103e), "LO", "even");
  item.Set(DicomTag(0x0008, 0x0050), "SH", "");
  const std::string bytes = Encode(item);
  const DicomDataSet ds = Parse(bytes);
  EXPECT_EQ(ValueOf(ds, DicomTag(0x0008, 0x0060)), "SEG ");
  EXPECT_EQ(ValueOf(ds, DicomTag(0x0020, 0x000d)), std::string("1.2.3\0", 6));
  EXPECT_EQ(ValueOf(ds, DicomTag(0x0009, 0x1001)), std::string("\x01\x02\x03\0", 4));
  EXPECT_EQ(ValueOf(ds, DicomTag(0x0008, 0x103e)), "even");
  EXPECT_EQ(ValueOf(ds, DicomTag(0x0008, 0x0050)), "");
  EXPECT_STREQ(ds.Find(DicomTag(0x0009, 0x1001))->vr, "OB");
  EXPECT_STREQ(ds.Find(DicomTag(0x0008, 0x0060))->vr, "CS");
}

TEST(DicomWriterTest, EncodesNumbersAndTags) {
  DicomItem item = MinimalDataSet();
  item.SetUS(DicomTag(0x0028, 0x0010), {512});
  item.SetUS(DicomTag(0x0062, 0x000d), {1, 513, 65535});
  item.SetUL(DicomTag(0x0020, 0x9157), {70000, 1});
  item.SetAT(DicomTag(0x0020, 0x9165), {DicomTag(0x0020, 0x0032)});
  item.SetInteger(DicomTag(0x0020, 0x0013), -12);
  const std::vector<double> decimals{0.9765625, -249.51171875, 0, 1e-30, -7};
  item.SetDecimals(DicomTag(0x0020, 0x0032), decimals);
  item.SetDecimals(DicomTag(0x0018, 0x0050), {1.0 / 3.0});
  const std::string bytes = Encode(item);
  const DicomDataSet ds = Parse(bytes);
  EXPECT_EQ(*ds.Numbers(DicomTag(0x0028, 0x0010), ""), (std::vector<double>{512}));
  EXPECT_EQ(*ds.Numbers(DicomTag(0x0062, 0x000d), ""), (std::vector<double>{1, 513, 65535}));
  EXPECT_EQ(*ds.Numbers(DicomTag(0x0020, 0x9157), ""), (std::vector<double>{70000, 1}));
  EXPECT_EQ(ValueOf(ds, DicomTag(0x0020, 0x9165)), std::string("\x20\x00\x32\x00", 4));
  EXPECT_EQ(ds.String(DicomTag(0x0020, 0x0013)), "-12");
  EXPECT_EQ(*ds.Numbers(DicomTag(0x0020, 0x0032), ""), decimals);      // shortest round trip
  EXPECT_EQ(ds.String(DicomTag(0x0018, 0x0050)), "0.33333333333333");  // 16 characters at most
}

TEST(DicomWriterTest, ElementsComeOutInTagOrder) {
  DicomItem item;
  item.Set(DicomTag(0x0020, 0x0013), "IS", "1");
  item.Set(kPatientName, "PN", "A^B");
  item.Set(DicomTag(0x0008, 0x0060), "CS", "RTSTRUCT");
  item.Set(dicom_tag::kSopInstanceUid, "UI", "1.2");
  item.Set(dicom_tag::kSopClassUid, "UI", "1.2.840.10008.5.1.4.1.1.481.3");
  item.Set(DicomTag(0x0008, 0x0060), "CS", "SEG");  // replaces, does not duplicate
  const std::string bytes = Encode(item);
  const DicomDataSet ds = Parse(bytes);
  EXPECT_EQ(ds.String(DicomTag(0x0008, 0x0060)), "SEG");
  const uint8_t* previous = nullptr;
  for (const auto& [tag, e] : ds.elements) {  // std::map: ascending tags
    if ((tag >> 16) == 0x0002) continue;
    if (previous != nullptr) {
      EXPECT_GT(e.value.data(), previous) << std::hex << tag;
    }
    previous = e.value.data();
  }
  // Group 0002 in the data set is the writer's business: it is not copied.
  DicomItem with_meta = MinimalDataSet();
  with_meta.Set(DicomTag(0x0002, 0x0010), "UI", "1.2.840.10008.1.2");
  const std::string with_meta_bytes = Encode(with_meta);
  EXPECT_EQ(Parse(with_meta_bytes).transfer_syntax_uid, kExplicitVrLittleEndianUid);
}

// The data set part of a file, from its first element after the meta header.
std::string AfterTag(const std::string& bytes, uint32_t tag) {
  const std::string needle{static_cast<char>((tag >> 16) & 0xff), static_cast<char>(tag >> 24),
                           static_cast<char>(tag & 0xff), static_cast<char>((tag >> 8) & 0xff)};
  const size_t at = bytes.find(needle, 132);
  EXPECT_NE(at, std::string::npos);
  return at == std::string::npos ? "" : bytes.substr(at);
}

TEST(DicomWriterTest, SequencesWithDefinedLength) {
  DicomItem item = MinimalDataSet();
  item.AddItem(kReferencedSeriesSequence).Set(dicom_tag::kSeriesInstanceUid, "UI", "1.2");
  item.Set(kPatientName, "PN", "X");
  const std::string bytes = Encode(item);
  const std::string expected(
      "\x08\x00\x15\x11SQ\x00\x00\x14\x00\x00\x00"  // sequence, 20 bytes
      "\xfe\xff\x00\xe0\x0c\x00\x00\x00"            // item, 12 bytes
      "\x20\x00\x0e\x00UI\x04\x00"
      "1.2\x00"                        // UID padded with NUL
      "\x10\x00\x10\x00PN\x02\x00X ",  // then the patient name
      42);
  EXPECT_EQ(AfterTag(bytes, kReferencedSeriesSequence), expected);
  EXPECT_EQ(Parse(bytes).String(kPatientName), "X");  // our parser skips the sequence exactly
}

TEST(DicomWriterTest, SequencesWithUndefinedLength) {
  DicomItem item = MinimalDataSet();
  item.AddItem(kReferencedSeriesSequence).Set(dicom_tag::kSeriesInstanceUid, "UI", "1.2");
  item.Set(kPatientName, "PN", "X");
  const std::string bytes = Encode(item, true);
  const std::string expected(
      "\x08\x00\x15\x11SQ\x00\x00\xff\xff\xff\xff"
      "\xfe\xff\x00\xe0\xff\xff\xff\xff"
      "\x20\x00\x0e\x00UI\x04\x00"
      "1.2\x00"
      "\xfe\xff\x0d\xe0\x00\x00\x00\x00"  // item delimiter
      "\xfe\xff\xdd\xe0\x00\x00\x00\x00"  // sequence delimiter
      "\x10\x00\x10\x00PN\x02\x00X ",
      58);
  EXPECT_EQ(AfterTag(bytes, kReferencedSeriesSequence), expected);
  EXPECT_EQ(Parse(bytes).String(kPatientName), "X");
}

TEST(DicomWriterTest, NestedAndEmptySequencesParseBothWays) {
  DicomItem item = MinimalDataSet();
  DicomItem& outer = item.AddItem(DicomTag(0x5200, 0x9230));
  for (int n = 0; n < 3; ++n) {
    outer.AddItem(DicomTag(0x0020, 0x9113))
        .SetDecimals(DicomTag(0x0020, 0x0032), {1, 2, static_cast<double>(n)});
  }
  item.AddItem(DicomTag(0x5200, 0x9230)).SetEmptySequence(DicomTag(0x0008, 0x9124));
  item.SetEmptySequence(DicomTag(0x0008, 0x1140));
  item.SetBytes(DicomTag(0x0009, 0x1002), "OW", std::string("\x01\x00\x02\x00", 4));
  item.Set(kPatientName, "PN", "After^Sequences");
  for (bool undefined : {false, true}) {
    const std::string bytes = Encode(item, undefined);
    const DicomDataSet ds = Parse(bytes);
    EXPECT_EQ(ds.String(kPatientName), "After^Sequences") << undefined;
    EXPECT_EQ(ValueOf(ds, DicomTag(0x0009, 0x1002)), std::string("\x01\x00\x02\x00", 4));
  }
  EXPECT_EQ(item.ItemCount(DicomTag(0x5200, 0x9230)), 2u);
  EXPECT_EQ(item.ItemCount(DicomTag(0x0008, 0x1140)), 0u);
  EXPECT_EQ(item.Vr(DicomTag(0x0008, 0x1140)), "SQ");
}

TEST(DicomWriterTest, TooLongShortLengthValueBecomesUn) {
  // CP-1066: a DS value over 65534 bytes cannot carry its own VR's 16-bit length.
  std::string contour;
  while (contour.size() < 70001) contour += "123.456\\";
  contour.pop_back();
  DicomItem item = MinimalDataSet();
  item.Set(DicomTag(0x3006, 0x0050), "DS", contour);
  item.Set(DicomTag(0x3006, 0x0046), "IS", "1");
  const std::string bytes = Encode(item);
  const DicomDataSet ds = Parse(bytes);
  const DicomElement* e = ds.Find(DicomTag(0x3006, 0x0050));
  ASSERT_NE(e, nullptr);
  EXPECT_STREQ(e->vr, "UN");
  EXPECT_EQ(e->value.size(), contour.size() + contour.size() % 2);
  EXPECT_TRUE(ds.String(DicomTag(0x3006, 0x0050)) == contour);  // (no 70 kB failure message)
  EXPECT_EQ(ds.String(DicomTag(0x3006, 0x0046)), "1");          // the element after it is intact
}

TEST(DicomWriterTest, WritesAtomicallyAndNamesThePathOnFailure) {
  ScratchDir dir;
  const auto path = dir / "x.dcm";
  ASSERT_TRUE(WriteDicomFile(MinimalDataSet(), path).ok());
  Expected<DicomSliceHeader> header = ReadDicomHeader(path);
  ASSERT_TRUE(header.ok()) << header.error().ToString();
  EXPECT_EQ(header->sop_instance_uid, "2.25.1234");
  EXPECT_EQ(header->transfer_syntax_uid, kExplicitVrLittleEndianUid);

  Status missing_folder = WriteDicomFile(MinimalDataSet(), dir / "no" / "such" / "x.dcm");
  ASSERT_FALSE(missing_folder.ok());
  EXPECT_NE(missing_folder.error().message.find("x.dcm"), std::string::npos);
  Status no_uids = WriteDicomFile(DicomItem(), path);
  ASSERT_FALSE(no_uids.ok());
  EXPECT_NE(no_uids.error().message.find(path.string()), std::string::npos);
  EXPECT_TRUE(ReadDicomHeader(path).ok()) << "a failed write leaves the earlier file intact";
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST(DicomWriterTest, AttributesReadBackByKeyword) {
  ScratchDir dir;
  DicomItem ds = MinimalDataSet();
  ds.Set(kPatientName, "PN", "Doe^Jane=^");
  ds.Set(DicomTag(0x0010, 0x0020), "LO", "");
  ds.Set(DicomTag(0x0008, 0x0008), "CS", std::vector<std::string>{"DERIVED", "PRIMARY"});
  ds.SetUS(DicomTag(0x0028, 0x0010), {512});
  ASSERT_TRUE(WriteDicomFile(ds, dir / "a.dcm").ok());
  const std::vector<std::string> keywords{"PatientName", "PatientID", "ImageType", "Rows",
                                          "StudyID"};
  auto values = ReadDicomAttributes(dir / "a.dcm", keywords);
  ASSERT_TRUE(values.ok()) << values.error().ToString();
  EXPECT_EQ(*values, (std::map<std::string, std::string>{{"PatientName", "Doe^Jane=^"},
                                                         {"PatientID", ""},
                                                         {"ImageType", "DERIVED\\PRIMARY"},
                                                         {"Rows", "512"}}));
  const std::vector<std::string> unknown{"PatientName", "NoSuchKeyword"};
  auto refused = ReadDicomAttributes(dir / "a.dcm", unknown);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("NoSuchKeyword"), std::string::npos);
  EXPECT_EQ(ReadDicomAttributes(dir / "absent.dcm", keywords).error().code, ErrorCode::kNotFound);
}

TEST(DicomWriterTest, NewUidsAreUniqueValid225Uids) {
  std::set<std::string> seen;
  for (int n = 0; n < 2000; ++n) {
    const std::string uid = NewUid();
    ASSERT_EQ(uid.rfind("2.25.", 0), 0u) << uid;
    ASSERT_LE(uid.size(), 64u);
    const std::string digits = uid.substr(5);
    ASSERT_FALSE(digits.empty());
    EXPECT_TRUE(digits == "0" || digits[0] != '0') << "no leading zero: " << uid;
    EXPECT_EQ(digits.find_first_not_of("0123456789"), std::string::npos) << uid;
    seen.insert(uid);
  }
  EXPECT_EQ(seen.size(), 2000u);
  EXPECT_EQ(UidFromName("study\\1.2.3"), UidFromName("study\\1.2.3"));
  EXPECT_NE(UidFromName("study\\1.2.3"), UidFromName("series\\1.2.3"));
  EXPECT_EQ(UidFromName("x").rfind("2.25.", 0), 0u);
  EXPECT_LE(UidFromName("x").size(), 44u);
}

TEST(DicomWriterTest, DecimalStringsFitSixteenCharacters) {
  EXPECT_EQ(FormatDecimalString(0.0), "0");
  EXPECT_EQ(FormatDecimalString(-0.0), "0");
  EXPECT_EQ(FormatDecimalString(1.0), "1");
  EXPECT_EQ(FormatDecimalString(-249.51171875), "-249.51171875");
  EXPECT_EQ(FormatDecimalString(0.9765625), "0.9765625");
  EXPECT_EQ(FormatDecimalString(-804.5), "-804.5");
  for (double v : {1.0 / 3.0, -2.0 / 3.0 * 1e-100, 123456789012345678.0, 1e-300, -1.7976931348e308,
                   4.9e-324, 299792458.123456789, -0.000123456789123}) {
    const std::string text = FormatDecimalString(v);
    EXPECT_LE(text.size(), 16u) << text;
    EXPECT_EQ(text.find_first_not_of("0123456789+-Ee."), std::string::npos) << text;
    double back = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), back);
    EXPECT_TRUE(ec == std::errc() && end == text.data() + text.size()) << text;
    // 16 characters keep at least 9 significant digits, even with "-" and a 3-digit exponent.
    EXPECT_LE(std::abs(back - v), 1e-8 * std::abs(v)) << text;
  }
  EXPECT_EQ(FormatDecimalString(-192.8828125, 3), "-192.883");
  EXPECT_EQ(FormatDecimalString(125.0, 3), "125");
  EXPECT_EQ(FormatDecimalString(-0.0001, 3), "0");
  EXPECT_LE(FormatDecimalString(-1.234567e20, 3).size(), 16u);
}

TEST(DicomWriterTest, FitToLengthKeepsWholeCharacters) {
  EXPECT_EQ(FitToLength("liver", 64), "liver");
  EXPECT_EQ(FitToLength("inferior vena cava", 16), "inferior vena ca");
  EXPECT_EQ(FitToLength("Leber-\xc3\xa4", 7), "Leber-");  // never half of "ä"
  EXPECT_EQ(FitToLength("\xc3\xa4", 1), "");
}

TEST(DicomWriterTest, ItemsCopyDeeplyAndKeepTheirAddresses) {
  DicomItem original;
  DicomItem& first = original.AddItem(kReferencedSeriesSequence);
  first.Set(dicom_tag::kSeriesInstanceUid, "UI", "1.1");
  for (int n = 0; n < 100; ++n) original.AddItem(kReferencedSeriesSequence);
  first.Set(kPatientName, "PN", "still valid");  // after 100 more items in the same sequence
  EXPECT_EQ(original.Item(kReferencedSeriesSequence, 0).Value(kPatientName), "still valid");

  DicomItem copy = original;
  DicomItem changed;
  changed.Merge(copy);
  EXPECT_EQ(changed.ItemCount(kReferencedSeriesSequence), 101u);
  copy.AddItem(kReferencedSeriesSequence);
  EXPECT_EQ(original.ItemCount(kReferencedSeriesSequence), 101u);
  EXPECT_EQ(copy.ItemCount(kReferencedSeriesSequence), 102u);
  EXPECT_EQ(copy.Item(kReferencedSeriesSequence, 0).Value(dicom_tag::kSeriesInstanceUid), "1.1");
  EXPECT_EQ(original.Vr(kPatientName), "");
  EXPECT_FALSE(original.Has(kPatientName));
}

}  // namespace
}  // namespace viscera
