#include "io/dicom/frame_codecs.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>

#include "io/dicom/dicom_file.h"
#include "io/dicom/dicom_parser.h"
#include "test_data.h"

namespace viscera {
namespace {

using viscera::testing::ScratchDir;
using viscera::testing::SharedData;
using Bytes = std::vector<uint8_t>;

constexpr const char* kRle = "1.2.840.10008.1.2.5";
constexpr const char* kJpegLossless = "1.2.840.10008.1.2.4.70";
constexpr const char* kJpegLs = "1.2.840.10008.1.2.4.80";
constexpr const char* kJpeg2000 = "1.2.840.10008.1.2.4.90";
constexpr const char* kName = "synthetic/frame.dcm";

void Put16(Bytes& b, uint16_t v) {
  b.insert(b.end(), {uint8_t(v & 0xff), uint8_t(v >> 8)});
}
void Put32(Bytes& b, uint32_t v) {
  Put16(b, static_cast<uint16_t>(v & 0xffff));
  Put16(b, static_cast<uint16_t>(v >> 16));
}
void Tag(Bytes& b, uint16_t group, uint16_t element) {
  Put16(b, group);
  Put16(b, element);
}
void Us(Bytes& b, uint16_t element, uint16_t value) {  // (0028,xxxx) US, explicit VR
  Tag(b, 0x0028, element);
  b.insert(b.end(), {'U', 'S', 2, 0});
  Put16(b, value);
}

// An explicit VR little endian file naming `ts`, with encapsulated pixel data: an empty basic
// offset table, then `fragments`.
Bytes EncapsulatedFile(const std::string& ts, int rows, int columns, int bits,
                       const std::vector<Bytes>& fragments) {
  Bytes b(128, 0);
  b.insert(b.end(), {'D', 'I', 'C', 'M'});
  const std::string uid = ts.size() % 2 ? ts + '\0' : ts;
  Tag(b, 0x0002, 0x0010);
  b.insert(b.end(), {'U', 'I'});
  Put16(b, static_cast<uint16_t>(uid.size()));
  b.insert(b.end(), uid.begin(), uid.end());
  Us(b, 0x0002, 1);
  Us(b, 0x0010, static_cast<uint16_t>(rows));
  Us(b, 0x0011, static_cast<uint16_t>(columns));
  Us(b, 0x0100, static_cast<uint16_t>(bits));
  Us(b, 0x0101, static_cast<uint16_t>(bits));
  Us(b, 0x0103, 0);
  Tag(b, 0x7fe0, 0x0010);
  b.insert(b.end(), {'O', 'B', 0, 0});
  Put32(b, 0xffffffffu);
  Tag(b, 0xfffe, 0xe000);
  Put32(b, 0);
  for (const Bytes& f : fragments) {
    Tag(b, 0xfffe, 0xe000);
    Put32(b, static_cast<uint32_t>(f.size()));
    b.insert(b.end(), f.begin(), f.end());
  }
  Tag(b, 0xfffe, 0xe0dd);
  Put32(b, 0);
  return b;
}

// Decodes the frame of a file in memory, sizing `out` from its header.
Status DecodeBytes(const Bytes& file, Bytes* out, const std::string& name = kName) {
  VISCERA_ASSIGN_OR_RETURN(DicomSliceHeader h, ParseDicomHeader(file, name));
  out->assign(static_cast<size_t>(h.rows * h.columns * h.bits_allocated / 8), 0);
  return DecodeDicomFrame(h, file, *out);
}

// One compressed frame of 512x512 16-bit samples in a synthetic file, decoded.
Status DecodeStream(const std::string& ts, const Bytes& stream, Bytes* out = nullptr,
                    int rows = 512) {
  Bytes scratch;
  return DecodeBytes(EncapsulatedFile(ts, rows, 512, 16, {stream}), out ? out : &scratch);
}

// A real file decoded through ReadDicomHeader and the path overload of DecodeDicomFrame.
Bytes DecodeFile(const std::filesystem::path& path, const std::string& want_ts) {
  auto h = ReadDicomHeader(path);
  EXPECT_TRUE(h.ok()) << h.error().ToString();
  if (!h.ok()) return {};
  EXPECT_EQ(h->transfer_syntax_uid, want_ts) << path;
  Bytes out(static_cast<size_t>(h->rows * h->columns * h->bits_allocated / 8));
  Status decoded = DecodeDicomFrame(*h, out);
  EXPECT_TRUE(decoded.ok()) << decoded.error().ToString();
  return out;
}

Bytes ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

std::string ReadText(const std::filesystem::path& path) {
  const Bytes b = ReadAll(path);
  return std::string(b.begin(), b.end());
}

// The compressed stream of a real file's frame (its fragments joined).
Bytes FrameStream(const std::filesystem::path& path) {
  const Bytes file = ReadAll(path);
  auto ds = ParseDicom(file, path.string());
  EXPECT_TRUE(ds.ok()) << ds.error().ToString();
  if (!ds.ok()) return {};
  auto fragments = EncapsulatedFragments(file, *ds, path.string());
  EXPECT_TRUE(fragments.ok()) << fragments.error().ToString();
  Bytes stream;
  for (auto f : fragments.ok() ? *fragments : std::vector<std::span<const uint8_t>>{}) {
    stream.insert(stream.end(), f.begin(), f.end());
  }
  return stream;
}

// A real LIDC slice (implicit VR little endian, 512x512, 12 of 16 bits), encoded by outside tools.
class RealSlice : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::copy_file(SharedData("lidc-idri-0314-chest/dicom/000100.dcm"),
                               dir_ / "native.dcm");
    native_ = DecodeFile(dir_ / "native.dcm", "1.2.840.10008.1.2");
    ASSERT_EQ(native_.size(), 512u * 512u * 2u);
  }
  // Runs `tool` (with options) on the native file; the path of its output.
  std::filesystem::path Encode(const std::string& tool, const std::string& name) {
    const auto out = dir_ / name;
    const std::string command = tool + " " + (dir_ / "native.dcm").string() + " " + out.string() +
                                " > " + (dir_ / "log.txt").string() + " 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << command << "\n" << ReadText(dir_ / "log.txt");
    return out;
  }
  ::testing::AssertionResult SameAsNative(const Bytes& frame) const {
    if (frame.size() != native_.size())
      return ::testing::AssertionFailure() << "size " << frame.size();
    size_t differ = 0;
    for (size_t n = 0; n < frame.size(); ++n) differ += frame[n] != native_[n];
    if (differ == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << differ << " bytes differ from the native frame";
  }

  ScratchDir dir_;
  Bytes native_;
};

::testing::AssertionResult FailsWith(const Status& s, ErrorCode code, const std::string& text) {
  if (s.ok()) return ::testing::AssertionFailure() << "decoded; expected '" << text << "'";
  if (s.error().code != code || s.error().message.find(text) == std::string::npos) {
    return ::testing::AssertionFailure() << "got " << s.error().ToString() << "; expected "
                                         << ErrorCodeName(code) << " with '" << text << "'";
  }
  return ::testing::AssertionSuccess();
}

// PackBits as in PS3.5 G.3.1: runs of 2..128 equal bytes as a repeat, others as literals.
Bytes PackBits(const Bytes& plane) {
  Bytes out;
  size_t i = 0;
  while (i < plane.size()) {
    size_t run = 1;
    while (i + run < plane.size() && run < 128 && plane[i + run] == plane[i]) ++run;
    if (run >= 2) {
      out.insert(out.end(), {static_cast<uint8_t>(257 - run), plane[i]});  // -(run - 1)
      i += run;
      continue;
    }
    const size_t start = i;
    while (i < plane.size() && i - start < 128 &&
           (i + 1 == plane.size() || plane[i + 1] != plane[i])) {
      ++i;
    }
    out.push_back(static_cast<uint8_t>(i - start - 1));
    out.insert(out.end(), plane.begin() + static_cast<long>(start),
               plane.begin() + static_cast<long>(i));
  }
  return out;
}

// Byte planes of the samples, most significant first, PackBits-encoded.
std::vector<Bytes> RleSegments(const std::vector<uint16_t>& samples, int bytes_per_sample) {
  std::vector<Bytes> segments;
  for (int shift = 8 * (bytes_per_sample - 1); shift >= 0; shift -= 8) {
    Bytes plane;
    for (uint16_t v : samples) plane.push_back(static_cast<uint8_t>(v >> shift));
    segments.push_back(PackBits(plane));
  }
  return segments;
}

// The RLE header (segment count and offsets) and the segments, each padded to even length.
Bytes RleData(const std::vector<Bytes>& segments) {
  Bytes data(64, 0);
  uint32_t header[16] = {static_cast<uint32_t>(segments.size())};
  for (size_t s = 0; s < segments.size(); ++s) {
    header[1 + s] = static_cast<uint32_t>(data.size());
    data.insert(data.end(), segments[s].begin(), segments[s].end());
    if (data.size() % 2) data.push_back(0);
  }
  std::memcpy(data.data(), header, 64);
  return data;
}

Bytes LittleEndian(const std::vector<uint16_t>& samples) {
  Bytes out;
  for (uint16_t v : samples) Put16(out, v);
  return out;
}

const std::vector<uint16_t> kFrame4x3 = {0x1234, 0x1234, 0x1234, 0x1235, 0xff00, 0xff01,
                                         0xff02, 0xff03, 0x0000, 0x0000, 0x8001, 0x7ffe};

TEST(RleCodec, DecodesHandEncodedFrames) {
  const auto segments = RleSegments(kFrame4x3, 2);
  // Repeats of 4, 4 and 2 bytes, then a literal of 2, for the high bytes; mixed for the low.
  ASSERT_EQ(segments[0], (Bytes{0xfd, 0x12, 0xfd, 0xff, 0xff, 0x00, 0x01, 0x80, 0x7f}));
  ASSERT_EQ(segments[1],
            (Bytes{0xfe, 0x34, 0x04, 0x35, 0x00, 0x01, 0x02, 0x03, 0xff, 0x00, 0x01, 0x01, 0xfe}));
  Bytes out;
  const Bytes data = RleData(segments);
  ASSERT_TRUE(DecodeBytes(EncapsulatedFile(kRle, 3, 4, 16, {data}), &out).ok());
  EXPECT_EQ(out, LittleEndian(kFrame4x3));
  // The same frame split over two fragments.
  const Bytes head(data.begin(), data.begin() + 70), tail(data.begin() + 70, data.end());
  Status split = DecodeBytes(EncapsulatedFile(kRle, 3, 4, 16, {head, tail}), &out);
  ASSERT_TRUE(split.ok()) << split.error().ToString();
  EXPECT_EQ(out, LittleEndian(kFrame4x3));
  // -128 is a no-op wherever it appears.
  auto padded = segments;
  for (Bytes& s : padded) s.insert(s.begin(), 0x80);
  padded[1].insert(padded[1].begin() + 3, 0x80);  // between the repeat and the literal
  Status noop = DecodeBytes(EncapsulatedFile(kRle, 3, 4, 16, {RleData(padded)}), &out);
  ASSERT_TRUE(noop.ok()) << noop.error().ToString();
  EXPECT_EQ(out, LittleEndian(kFrame4x3));
  // 8-bit samples: one segment.
  std::vector<uint16_t> small(300);
  for (size_t n = 0; n < small.size(); ++n) small[n] = n < 150 ? 7 : (n * 37) & 0xff;
  Status eight =
      DecodeBytes(EncapsulatedFile(kRle, 15, 20, 8, {RleData(RleSegments(small, 1))}), &out);
  ASSERT_TRUE(eight.ok()) << eight.error().ToString();
  ASSERT_EQ(out.size(), small.size());
  for (size_t n = 0; n < small.size(); ++n) EXPECT_EQ(out[n], small[n]) << n;
}

TEST(RleCodec, CorruptStreamsAreCorruptData) {
  const auto segments = RleSegments(kFrame4x3, 2);
  auto decode = [](const Bytes& data) {
    Bytes out;
    return DecodeBytes(EncapsulatedFile(kRle, 3, 4, 16, {data}), &out);
  };
  auto with_word = [&](size_t index, uint32_t value) {
    Bytes data = RleData(segments);
    std::memcpy(data.data() + 4 * index, &value, 4);
    return data;
  };
  const std::string prefix = std::string(kName) + ": RLE pixel data ";
  const size_t size = RleData(segments).size();
  EXPECT_TRUE(FailsWith(decode(with_word(0, 1)), ErrorCode::kCorruptData,
                        prefix + "has 1 segments, expected 2"));
  EXPECT_TRUE(FailsWith(decode(with_word(0, 3)), ErrorCode::kCorruptData, "has 3 segments"));
  EXPECT_TRUE(FailsWith(decode(with_word(2, static_cast<uint32_t>(size + 100))),
                        ErrorCode::kCorruptData, prefix + "has bad segment offsets"));
  EXPECT_TRUE(FailsWith(decode(with_word(1, 10)), ErrorCode::kCorruptData, "bad segment offsets"));
  EXPECT_TRUE(
      FailsWith(decode(with_word(1, 0xfffffff0u)), ErrorCode::kCorruptData, "bad segment offsets"));
  EXPECT_TRUE(FailsWith(decode(Bytes(40, 0)), ErrorCode::kCorruptData, "lacks its 64-byte header"));
  Bytes low_literal(17, 0x22);  // a literal of 16 bytes for 12 pixels
  low_literal[0] = 0x0f;
  const std::vector<std::pair<Bytes, std::string>> bad_low = {
      {{0x7f, 1, 2, 3}, "literal run overflows"},                      // runs past the segment
      {low_literal, "literal run overflows"},                          // more pixels than the frame
      {{0x81, 0x00}, "repeat run overflows"},                          // 128 copies
      {{0xfd, 0x34, 0x01, 0x11, 0x22, 0xff}, "repeat run overflows"},  // no byte to repeat
      {{0xfd, 0x34}, "segment is short"},
      {{}, "segment is short"},
  };
  for (const auto& [low, what] : bad_low) {
    EXPECT_TRUE(
        FailsWith(decode(RleData({segments[0], low})), ErrorCode::kCorruptData, prefix + what));
  }
}

TEST_F(RealSlice, RleFromDcmtkAndNativeEncodings) {
  EXPECT_TRUE(SameAsNative(DecodeFile(Encode("dcmcrle", "rle.dcm"), kRle)));
  EXPECT_TRUE(SameAsNative(DecodeFile(Encode("dcmconv +te", "le.dcm"), "1.2.840.10008.1.2.1")));
  EXPECT_TRUE(SameAsNative(DecodeFile(Encode("dcmconv +tb", "be.dcm"), "1.2.840.10008.1.2.2")));
  // A native frame cut short, in memory and on disk.
  const Bytes full = ReadAll(dir_ / "native.dcm");
  const Bytes file(full.begin(), full.end() - 1000);
  Bytes out;
  EXPECT_TRUE(FailsWith(DecodeBytes(file, &out, "short.dcm"), ErrorCode::kCorruptData,
                        "short.dcm: pixel data is truncated (523288 of 524288 bytes)"));
  std::ofstream(dir_ / "short.dcm", std::ios::binary)
      .write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
  auto header = ReadDicomHeader(dir_ / "short.dcm");
  ASSERT_TRUE(header.ok()) << header.error().ToString();
  EXPECT_TRUE(FailsWith(DecodeDicomFrame(*header, out), ErrorCode::kCorruptData,
                        "pixel data is truncated"));
  const Bytes header_only(full.begin(), full.begin() + header->pixel_data_offset - 8);
  EXPECT_TRUE(
      FailsWith(DecodeBytes(header_only, &out), ErrorCode::kCorruptData, "no Pixel Data element"));
}

TEST_F(RealSlice, LosslessJpegFromDcmtkIsIdentical) {
  EXPECT_TRUE(SameAsNative(DecodeFile(Encode("dcmcjpeg", "sv1.dcm"), kJpegLossless)));
  EXPECT_TRUE(SameAsNative(DecodeFile(Encode("dcmcjpeg +fs 16", "frag.dcm"), kJpegLossless)));
  for (int sv = 1; sv <= 7; ++sv) {
    SCOPED_TRACE("selection value " + std::to_string(sv));
    const auto file = Encode("dcmcjpeg +el +sv " + std::to_string(sv), "sv.dcm");
    EXPECT_TRUE(SameAsNative(DecodeFile(file, "1.2.840.10008.1.2.4.57")));
  }
}

// Position of marker segment FF `marker` in the stream's header; npos when absent.
size_t Segment(const Bytes& s, uint8_t marker) {
  for (size_t pos = 2; pos + 4 <= s.size() && s[pos] == 0xff;
       pos += 2 + static_cast<size_t>(s[pos + 2] << 8 | s[pos + 3])) {
    if (s[pos + 1] == marker) return pos;
    if (s[pos + 1] == 0xda) break;
  }
  return std::string::npos;
}

TEST_F(RealSlice, CorruptLosslessJpegGivesClearErrors) {
  const Bytes stream = FrameStream(Encode("dcmcjpeg", "sv1.dcm"));
  const size_t sof = Segment(stream, 0xc3), dht = Segment(stream, 0xc4),
               sos = Segment(stream, 0xda);
  ASSERT_NE(sof, std::string::npos);
  ASSERT_NE(dht, std::string::npos);
  ASSERT_NE(sos, std::string::npos);
  const size_t scan = sos + 2 + static_cast<size_t>(stream[sos + 2] << 8 | stream[sos + 3]);
  Bytes out;
  ASSERT_TRUE(DecodeStream(kJpegLossless, stream, &out).ok());
  EXPECT_TRUE(SameAsNative(out));
  auto set = [&](std::initializer_list<std::pair<size_t, uint8_t>> changes) {
    Bytes s = stream;
    for (auto [at, value] : changes) s[at] = value;
    return s;
  };
  const std::string prefix = std::string(kName) + ": lossless JPEG ";
  auto corrupt = [&](const Bytes& s, const std::string& what) {
    const Status decoded = DecodeStream(kJpegLossless, s);
    auto named = FailsWith(decoded, ErrorCode::kCorruptData, prefix);
    return named ? FailsWith(decoded, ErrorCode::kCorruptData, what) : named;
  };
  std::vector<size_t> cuts = {stream.size() / 4, stream.size() / 2, stream.size() - 64};
  for (size_t cut = 0; cut < scan + 8; ++cut) cuts.push_back(cut);
  for (size_t cut : cuts) {
    EXPECT_TRUE(corrupt(Bytes(stream.begin(), stream.begin() + static_cast<long>(cut)), ""))
        << "cut at " << cut << " of " << stream.size();
  }
  EXPECT_TRUE(corrupt(set({{1, 0xd9}}), "stream lacks its SOI marker"));
  EXPECT_TRUE(corrupt(set({{dht + 5, 3}}), "has an over-full Huffman table"));
  EXPECT_TRUE(corrupt(set({{dht + 20, 0xff}}), "Huffman table"));
  Bytes empty_table = stream;
  std::fill(empty_table.begin() + static_cast<long>(dht + 5),
            empty_table.begin() + static_cast<long>(dht + 21), 0);
  EXPECT_TRUE(corrupt(empty_table, ""));
  EXPECT_TRUE(corrupt(set({{sof + 5, 0x01}, {sof + 6, 0xff}}),
                      "frame is 512x511 at 16 bits; the DICOM header says 512x512"));
  EXPECT_TRUE(corrupt(set({{sof + 7, 0}, {sof + 8, 0}}), "frame is 0x512"));
  EXPECT_TRUE(corrupt(set({{sof + 9, 3}}), "has 3 components"));
  EXPECT_TRUE(corrupt(set({{sof + 4, 8}}), "8-bit samples do not fit BitsAllocated"));
  EXPECT_TRUE(corrupt(set({{sof + 4, 17}}), "at 17 bits"));
  EXPECT_TRUE(corrupt(set({{sos + 7, 0}}), "bad predictor"));
  EXPECT_TRUE(corrupt(set({{sos + 7, 8}}), "bad predictor"));
  EXPECT_TRUE(corrupt(set({{sof + 4, 12}, {sos + 9, 12}}), "point transform"));
  EXPECT_TRUE(corrupt(set({{sos + 6, 0x30}}), "no Huffman table"));
  EXPECT_TRUE(corrupt(set({{sos + 4, 2}}), "scan must have one component"));
  for (uint8_t process : {0xc0, 0xc1, 0xcb}) {
    EXPECT_TRUE(
        FailsWith(DecodeStream(kJpegLossless, set({{sof + 1, process}})), ErrorCode::kUnsupported,
                  "JPEG process SOF" + std::to_string(process - 0xc0) + " is not lossless"));
  }
  // A code moved to the next length: a valid but different table. Wrong values or an error.
  for (size_t length = 1; length < 16; ++length) {
    if (stream[dht + 4 + length] == 0) continue;
    Bytes moved = set({{dht + 4 + length, uint8_t(stream[dht + 4 + length] - 1)},
                       {dht + 5 + length, uint8_t(stream[dht + 5 + length] + 1)}});
    Status s = DecodeStream(kJpegLossless, moved, &out);
    EXPECT_TRUE(s.ok() ? !SameAsNative(out) : s.error().code == ErrorCode::kCorruptData) << length;
  }
  // Random damage anywhere: decoded or refused, never a crash or another kind of error.
  std::mt19937 random(7);
  for (int trial = 0; trial < 300; ++trial) {
    Bytes s = stream;
    const size_t limit = trial % 2 ? scan : stream.size();
    for (int n = 0; n < 1 + trial % 4; ++n) s[random() % limit] = static_cast<uint8_t>(random());
    Status decoded = DecodeStream(kJpegLossless, s, &out);
    EXPECT_TRUE(decoded.ok() || decoded.error().code == ErrorCode::kCorruptData ||
                decoded.error().code == ErrorCode::kUnsupported)
        << decoded.error().ToString();
  }
}

TEST_F(RealSlice, JpegLsFromDcmtkIsIdenticalAndRefusedWhenCut) {
  const auto file = Encode("dcmcjpls", "jls.dcm");
  EXPECT_TRUE(SameAsNative(DecodeFile(file, kJpegLs)));
  const Bytes stream = FrameStream(file);
  EXPECT_TRUE(FailsWith(DecodeStream(kJpegLs, Bytes(stream.begin(), stream.begin() + 20)),
                        ErrorCode::kCorruptData, std::string(kName) + ": JPEG-LS"));
  const Bytes half(stream.begin(), stream.begin() + static_cast<long>(stream.size() / 2));
  EXPECT_TRUE(FailsWith(DecodeStream(kJpegLs, half), ErrorCode::kCorruptData, "JPEG-LS data"));
  EXPECT_TRUE(FailsWith(DecodeStream(kJpegLs, stream, nullptr, 256), ErrorCode::kCorruptData,
                        "does not match the DICOM header"));
}

TEST_F(RealSlice, Jpeg2000FromGdcmIsIdenticalAndRefusedWhenCut) {
  const auto file = Encode("gdcmconv --j2k", "j2k.dcm");
  EXPECT_TRUE(SameAsNative(DecodeFile(file, kJpeg2000)));
  const Bytes stream = FrameStream(file);
  EXPECT_TRUE(FailsWith(DecodeStream(kJpeg2000, Bytes(stream.begin(), stream.begin() + 40)),
                        ErrorCode::kCorruptData, std::string(kName) + ": JPEG 2000"));
  const Bytes half(stream.begin(), stream.begin() + static_cast<long>(stream.size() / 2));
  EXPECT_TRUE(FailsWith(DecodeStream(kJpeg2000, half), ErrorCode::kCorruptData, "JPEG 2000"));
  EXPECT_TRUE(FailsWith(DecodeStream(kJpeg2000, stream, nullptr, 256), ErrorCode::kCorruptData,
                        "does not match the DICOM header"));
}

TEST_F(RealSlice, SamplesDeeperThanBitsAllocatedAreRefused) {
  // The 12-bit slice compressed, in a file that claims 8-bit samples: an error, not low bytes.
  const std::pair<const char*, const char*> codecs[] = {
      {"dcmcjpeg", kJpegLossless}, {"dcmcjpls", kJpegLs}, {"gdcmconv --j2k", kJpeg2000}};
  for (const auto& [tool, ts] : codecs) {
    SCOPED_TRACE(tool);
    Bytes out;
    const Status decoded = DecodeBytes(
        EncapsulatedFile(ts, 512, 512, 8, {FrameStream(Encode(tool, "deep.dcm"))}), &out);
    EXPECT_TRUE(FailsWith(decoded, ErrorCode::kCorruptData, kName));
  }
}

TEST(FrameCodecs, UnsupportedTransferSyntaxes) {
  for (const std::string ts : {"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51",
                               "1.2.840.10008.1.2.4.100", "1.2.840.10008.1.2.4.201"}) {
    Bytes out;
    EXPECT_TRUE(FailsWith(
        DecodeBytes(EncapsulatedFile(ts, 2, 2, 16, {{0xff, 0xd8, 0xff, 0xd9}}), &out),
        ErrorCode::kUnsupported, kName + (": transfer syntax " + ts) + " is not supported"));
  }
}

}  // namespace
}  // namespace viscera
