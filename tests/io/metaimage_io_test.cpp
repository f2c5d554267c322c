#include "io/metaimage_io.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <vector>

#include "test_data.h"

namespace viscera {
namespace {
namespace fs = std::filesystem;
using testing::ScratchDir;

void WriteBytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

std::string ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> FolderEntries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

template <typename T>
std::string BytesOf(const std::vector<T>& values, bool big_endian = false) {
  std::string bytes(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
  if (big_endian) {
    for (size_t i = 0; i < bytes.size(); i += sizeof(T)) {
      std::reverse(bytes.begin() + static_cast<std::ptrdiff_t>(i),
                   bytes.begin() + static_cast<std::ptrdiff_t>(i + sizeof(T)));
    }
  }
  return bytes;
}

std::string Compress(const std::string& raw) {
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::string out(size, '\0');
  EXPECT_EQ(compress(reinterpret_cast<Bytef*>(out.data()), &size,
                     reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size())),
            Z_OK);
  out.resize(size);
  return out;
}

// A rotation about a non-axis direction: every entry differs from its transpose partner.
Mat3 ObliqueDirection() {
  const double angle = 0.4;
  const Vec3 axis{1 / std::sqrt(14.0), 2 / std::sqrt(14.0), 3 / std::sqrt(14.0)};
  const double c = std::cos(angle), s = std::sin(angle), t = 1 - c;
  const auto [x, y, z] = axis;
  Mat3 d;
  d.m = {{{t * x * x + c, t * x * y - s * z, t * x * z + s * y},
          {t * x * y + s * z, t * y * y + c, t * y * z - s * x},
          {t * x * z - s * y, t * y * z + s * x, t * z * z + c}}};
  return d;
}

Geometry ObliqueGeometry() {
  Geometry g;
  g.size = {7, 5, 3};
  g.spacing = {0.703125, 1.3, 2.5000000001};
  g.origin = {-123.456789012345, 78.9, 0.1 + 0.2};
  g.direction = ObliqueDirection();
  return g;
}

template <typename T>
Volume<T> PatternVolume(const Geometry& g) {
  Volume<T> v(g);
  auto voxels = v.voxels();
  for (size_t i = 0; i < voxels.size(); ++i) {
    if constexpr (std::is_floating_point_v<T>) {
      voxels[i] = static_cast<T>(std::sin(static_cast<double>(i)) * 1e4);
    } else {
      voxels[i] = static_cast<T>(i * 2654435761u);  // wraps: covers the whole range
    }
  }
  voxels[0] = std::numeric_limits<T>::lowest();
  voxels[1] = std::numeric_limits<T>::max();
  return v;
}

void ExpectSameGeometry(const Geometry& a, const Geometry& b) {
  EXPECT_EQ(a.size, b.size);
  for (int r = 0; r < 3; ++r) {
    EXPECT_EQ(a.spacing[r], b.spacing[r]) << r;
    EXPECT_EQ(a.origin[r], b.origin[r]) << r;
    for (int c = 0; c < 3; ++c) EXPECT_EQ(a.direction.m[r][c], b.direction.m[r][c]) << r << c;
  }
}

Expected<AnyVolume> Read(const fs::path& path, const ReadLimits& limits = {}) {
  return ReadMetaImage(path, limits);
}

// ---------------------------------------------------------------------------------------------
// Round trips: every voxel type, .mhd/.raw, .mhd/.zraw, .mha (plain and compressed).

template <typename T>
class MetaImageRoundTrip : public ::testing::Test {};
using VoxelTypes = ::testing::Types<uint8_t, int16_t, uint16_t, int32_t, float>;
TYPED_TEST_SUITE(MetaImageRoundTrip, VoxelTypes);

TYPED_TEST(MetaImageRoundTrip, GeometryAndVoxelsExact) {
  ScratchDir dir;
  const Volume<TypeParam> original = PatternVolume<TypeParam>(ObliqueGeometry());
  struct Case {
    std::string name;
    bool compress;
    std::vector<std::string> files;
  };
  const std::vector<Case> cases = {{"plain.mhd", false, {"plain.mhd", "plain.raw"}},
                                   {"packed.mhd", true, {"packed.mhd", "packed.zraw"}},
                                   {"single.mha", false, {"single.mha"}},
                                   {"zsingle.mha", true, {"zsingle.mha"}}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const fs::path sub = dir / c.name.substr(0, c.name.find('.'));
    fs::create_directories(sub);
    ASSERT_TRUE(WriteMetaImage(AnyVolume(original), sub / c.name, {c.compress}).ok());
    EXPECT_EQ(FolderEntries(sub), c.files);
    auto read = Read(sub / c.name);
    ASSERT_TRUE(read.ok()) << read.error().ToString();
    const auto* back = std::get_if<Volume<TypeParam>>(&*read);
    ASSERT_NE(back, nullptr) << "voxel type changed";
    ExpectSameGeometry(back->geometry(), original.geometry());
    ASSERT_EQ(back->voxels().size(), original.voxels().size());
    EXPECT_EQ(std::memcmp(back->voxels().data(), original.voxels().data(),
                          original.voxels().size_bytes()),
              0);
  }
}

TEST(MetaImageWrite, HeaderKeysInItkOrderWithDataFileLast) {
  ScratchDir dir;
  Geometry g = ObliqueGeometry();
  ASSERT_TRUE(WriteMetaImage(AnyVolume(PatternVolume<int16_t>(g)), dir / "ct.mhd", {true}).ok());
  const std::string text = ReadBytes(dir / "ct.mhd");
  std::vector<std::string> keys;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    keys.push_back(line.substr(0, line.find(" =")));
  const std::vector<std::string> expected = {"ObjectType",       "NDims",
                                             "BinaryData",       "BinaryDataByteOrderMSB",
                                             "CompressedData",   "CompressedDataSize",
                                             "TransformMatrix",  "Offset",
                                             "CenterOfRotation", "AnatomicalOrientation",
                                             "ElementSpacing",   "DimSize",
                                             "ElementType",      "ElementDataFile"};
  EXPECT_EQ(keys, expected) << text;
  EXPECT_NE(text.find("ElementType = MET_SHORT\n"), std::string::npos);
  EXPECT_NE(text.find("ElementDataFile = ct.zraw\n"), std::string::npos);
  EXPECT_NE(text.find("CompressedDataSize = " + std::to_string(fs::file_size(dir / "ct.zraw"))),
            std::string::npos);
  EXPECT_NE(text.find("Offset = -123.456789012345 78.9 0.30000000000000004\n"), std::string::npos)
      << "numbers must keep full double precision";
}

// The TransformMatrix lists the direction of index axis i, then j, then k (MetaIO/ITK): a
// 90-degree turn about z sends +i toward +y (posterior) and +j toward -x (right).
TEST(MetaImageTransformMatrix, ListsAxisDirectionsOneAfterAnother) {
  ScratchDir dir;
  WriteBytes(dir / "rot.mhd",
             "ObjectType = Image\nNDims = 3\nTransformMatrix = 0 1 0 -1 0 0 0 0 1\n"
             "Offset = 10 20 30\nElementSpacing = 2 3 4\nDimSize = 2 3 4\n"
             "ElementType = MET_UCHAR\nElementDataFile = rot.raw\n");
  WriteBytes(dir / "rot.raw", std::string(24, '\0'));
  auto read = Read(dir / "rot.mhd");
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  const Geometry& g = GeometryOf(*read);
  const Vec3 i1 = g.IndexToLpsPoint({1, 0, 0});
  const Vec3 j1 = g.IndexToLpsPoint({0, 1, 0});
  const Vec3 k1 = g.IndexToLpsPoint({0, 0, 1});
  EXPECT_EQ(i1, (Vec3{10, 22, 30}));
  EXPECT_EQ(j1, (Vec3{7, 20, 30}));
  EXPECT_EQ(k1, (Vec3{10, 20, 34}));
  EXPECT_EQ(g.AxisCodes(), "PRS");

  // And the writer emits the same convention.
  ASSERT_TRUE(WriteMetaImage(*read, dir / "again.mhd").ok());
  EXPECT_NE(ReadBytes(dir / "again.mhd").find("TransformMatrix = 0 1 0 -1 0 0 0 0 1\n"),
            std::string::npos)
      << ReadBytes(dir / "again.mhd");
  EXPECT_NE(ReadBytes(dir / "again.mhd").find("AnatomicalOrientation = ALI\n"), std::string::npos)
      << ReadBytes(dir / "again.mhd");
}

TEST(MetaImageWrite, IdentityDirectionIsLabelledRai) {
  ScratchDir dir;
  Geometry g;
  g.size = {2, 2, 2};
  ASSERT_TRUE(WriteMetaImage(AnyVolume(Volume<uint8_t>(g)), dir / "id.mha").ok());
  const std::string text = ReadBytes(dir / "id.mha");
  EXPECT_NE(text.find("TransformMatrix = 1 0 0 0 1 0 0 0 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("AnatomicalOrientation = RAI\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ElementDataFile = LOCAL\n"), std::string::npos) << text;
  EXPECT_EQ(text.size(), text.find("ElementDataFile = LOCAL\n") + 24 + 8) << "8 voxel bytes follow";
}

// A real CT (TotalSegmentator example) written and read back unchanged.
TEST(MetaImageRealData, TotalSegmentatorCtRoundTrip) {
  ScratchDir dir;
  const fs::path nifti = testing::SharedData("totalseg-example/example_ct_sm.nii.gz");
  // Build the volume from the raw int16 NIfTI payload so this test does not depend on ReadNifti.
  gzFile gz = gzopen(nifti.c_str(), "rb");
  ASSERT_NE(gz, nullptr);
  std::string file;
  char buf[1 << 16];
  for (int n; (n = gzread(gz, buf, sizeof(buf))) > 0;) file.append(buf, static_cast<size_t>(n));
  gzclose(gz);
  ASSERT_GT(file.size(), 352u);
  int16_t dim[8];
  std::memcpy(dim, file.data() + 40, sizeof(dim));
  ASSERT_EQ(dim[0], 3);
  Geometry g;
  g.size = {dim[1], dim[2], dim[3]};
  g.spacing = {3, 3, 3};
  g.origin = {-100.5, 20.25, -400};
  g.direction = ObliqueDirection();
  std::vector<int16_t> voxels(static_cast<size_t>(g.VoxelCount()));
  ASSERT_EQ(file.size(), 352 + voxels.size() * 2);
  std::memcpy(voxels.data(), file.data() + 352, voxels.size() * 2);
  HounsfieldVolume ct(g, voxels);
  for (bool compress : {false, true}) {
    ASSERT_TRUE(WriteMetaImage(AnyVolume(ct), dir / "ct.mhd", {compress}).ok());
    auto read = Read(dir / "ct.mhd");
    ASSERT_TRUE(read.ok()) << read.error().ToString();
    const auto& back = std::get<HounsfieldVolume>(*read);
    ExpectSameGeometry(back.geometry(), g);
    EXPECT_TRUE(std::equal(back.voxels().begin(), back.voxels().end(), voxels.begin()));
    const auto range = ComputeRange(*read);
    EXPECT_EQ(range.min, -1100);  // documented HU range of example_ct_sm
    EXPECT_EQ(range.max, 1207);
  }
  EXPECT_LT(fs::file_size(dir / "ct.zraw"), voxels.size() * 2 * 3 / 4) << "zlib should shrink CT";
}

// ---------------------------------------------------------------------------------------------
// Hand-written headers as other tools write them.

const std::string kShort6 = BytesOf(std::vector<int16_t>{1, -2, 300, -4000, 5, 32767});

TEST(MetaImageHeaderVariants, OriginRotationElementSizeSynonyms) {
  ScratchDir dir;
  WriteBytes(dir / "a.mhd",
             "ObjectType = Image\nNDims = 3\nOrigin = 1.5 -2 3\n"
             "Rotation = 0 0 1 1 0 0 0 1 0\nElementSize = 0.5 0.25 4\nDimSize = 3 2 1\n"
             "ElementType = MET_SHORT\nElementDataFile = a.raw\n");
  WriteBytes(dir / "a.raw", kShort6);
  auto read = Read(dir / "a.mhd");
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  const Geometry& g = GeometryOf(*read);
  EXPECT_EQ(g.origin, (Vec3{1.5, -2, 3}));
  EXPECT_EQ(g.spacing, (Vec3{0.5, 0.25, 4}));
  EXPECT_EQ(g.direction.Column(0), (Vec3{0, 0, 1}));
  EXPECT_EQ(g.direction.Column(1), (Vec3{1, 0, 0}));
  EXPECT_EQ(g.direction.Column(2), (Vec3{0, 1, 0}));
  EXPECT_EQ(std::get<Volume<int16_t>>(*read).at(2, 1, 0), 32767);
}

TEST(MetaImageHeaderVariants, PositionOrientationAndSpacingBeatsElementSize) {
  ScratchDir dir;
  WriteBytes(dir / "a.mhd",
             "NDims = 3\nPosition = 4 5 6\nOrientation = -1 0 0 0 -1 0 0 0 1\n"
             "ElementSize = 9 9 9\nElementSpacing = 1 2 3\nDimSize = 3 2 1\n"
             "ElementType = MET_SHORT\nElementDataFile = a.raw\n");
  WriteBytes(dir / "a.raw", kShort6);
  auto read = Read(dir / "a.mhd");
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  const Geometry& g = GeometryOf(*read);
  EXPECT_EQ(g.origin, (Vec3{4, 5, 6}));
  EXPECT_EQ(g.spacing, (Vec3{1, 2, 3}));
  EXPECT_EQ(g.AxisCodes(), "RAS");
}

TEST(MetaImageHeaderVariants, BigEndianShortsAndFloats) {
  ScratchDir dir;
  WriteBytes(dir / "s.mhd",
             "NDims = 3\nDimSize = 3 2 1\nBinaryDataByteOrderMSB = True\n"
             "ElementType = MET_SHORT\nElementDataFile = s.raw\n");
  WriteBytes(dir / "s.raw", BytesOf(std::vector<int16_t>{1, -2, 300, -4000, 5, 32767}, true));
  auto s = Read(dir / "s.mhd");
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  auto sv = std::get<Volume<int16_t>>(*s).voxels();
  EXPECT_EQ(std::vector<int16_t>(sv.begin(), sv.end()),
            (std::vector<int16_t>{1, -2, 300, -4000, 5, 32767}));

  WriteBytes(dir / "f.mhd",
             "NDims = 3\nDimSize = 2 1 1\nElementByteOrderMSB = True\n"
             "ElementType = MET_FLOAT\nElementDataFile = f.raw\n");
  WriteBytes(dir / "f.raw", BytesOf(std::vector<float>{-1.5f, 1e30f}, true));
  auto f = Read(dir / "f.mhd");
  ASSERT_TRUE(f.ok()) << f.error().ToString();
  EXPECT_EQ(std::get<Volume<float>>(*f).at(0, 0, 0), -1.5f);
  EXPECT_EQ(std::get<Volume<float>>(*f).at(1, 0, 0), 1e30f);
}

TEST(MetaImageHeaderVariants, HeaderSizeSkipsBytesAndMinusOneReadsTheEnd) {
  ScratchDir dir;
  WriteBytes(dir / "skip.mhd",
             "NDims = 3\nDimSize = 3 2 1\nHeaderSize = 17\nElementType = MET_SHORT\n"
             "ElementDataFile = skip.raw\n");
  WriteBytes(dir / "skip.raw", std::string(17, 'x') + kShort6 + "trailing junk");
  auto skip = Read(dir / "skip.mhd");
  ASSERT_TRUE(skip.ok()) << skip.error().ToString();
  EXPECT_EQ(std::get<Volume<int16_t>>(*skip).at(1, 0, 0), -2);

  WriteBytes(dir / "end.mhd",
             "NDims = 3\nDimSize = 3 2 1\nHeaderSize = -1\nElementType = MET_SHORT\n"
             "ElementDataFile = end.raw\n");
  WriteBytes(dir / "end.raw", std::string(101, 'y') + kShort6);
  auto end = Read(dir / "end.mhd");
  ASSERT_TRUE(end.ok()) << end.error().ToString();
  EXPECT_EQ(std::get<Volume<int16_t>>(*end).at(0, 0, 0), 1);
  EXPECT_EQ(std::get<Volume<int16_t>>(*end).at(2, 1, 0), 32767);
}

TEST(MetaImageHeaderVariants, TwoDimensionsReadAsOneSlice) {
  ScratchDir dir;
  WriteBytes(dir / "x.mha",
             "ObjectType = Image\nNDims = 2\nDimSize = 3 2\nElementSpacing = 0.5 0.25\n"
             "Offset = 7 8\nTransformMatrix = 0 1 -1 0\nElementType = MET_SHORT\n"
             "ElementDataFile = LOCAL\n" +
                 kShort6);
  auto read = Read(dir / "x.mha");
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  const Geometry& g = GeometryOf(*read);
  EXPECT_EQ(g.size, (Index3{3, 2, 1}));
  EXPECT_EQ(g.spacing, (Vec3{0.5, 0.25, 1}));
  EXPECT_EQ(g.origin, (Vec3{7, 8, 0}));
  EXPECT_EQ(g.direction.Column(0), (Vec3{0, 1, 0}));
  EXPECT_EQ(g.direction.Column(1), (Vec3{-1, 0, 0}));
  EXPECT_EQ(g.direction.Column(2), (Vec3{0, 0, 1}));
  EXPECT_EQ(std::get<Volume<int16_t>>(*read).at(0, 1, 0), -4000);
}

TEST(MetaImageHeaderVariants, CrlfExtraSpacesUnknownKeysAndLocalData) {
  ScratchDir dir;
  WriteBytes(
      dir / "w.mha",
      "ObjectType   =   Image  \r\n\r\n  NDims=3\r\nComment = made on Windows = yes\r\n"
      "CenterOfRotation = 0 0 0\r\nAnatomicalOrientation = RAI\r\nModality = MET_MOD_CT\r\n"
      "ElementSpacing =\t1.25  1.25   2\t\r\nDimSize = 3 2 1\r\nElementNumberOfChannels = 1\r\n"
      "CompressedData = False\r\nElementType = MET_SHORT\r\nElementDataFile = LOCAL\r\n" +
          kShort6);
  auto read = Read(dir / "w.mha");
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  EXPECT_EQ(GeometryOf(*read).spacing, (Vec3{1.25, 1.25, 2}));
  EXPECT_EQ(std::get<Volume<int16_t>>(*read).at(2, 0, 0), 300);
}

TEST(MetaImageHeaderVariants, ElementTypesMapToOurs) {
  ScratchDir dir;
  auto read_typed = [&](const std::string& type, const std::string& data) {
    WriteBytes(dir / "t.mha", "NDims = 3\nDimSize = 2 1 1\nElementType = " + type +
                                  "\nElementDataFile = LOCAL\n" + data);
    return Read(dir / "t.mha");
  };
  auto c = read_typed("MET_CHAR", BytesOf(std::vector<int8_t>{-128, 127}));
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(std::get<Volume<int16_t>>(*c).at(0, 0, 0), -128);
  EXPECT_EQ(std::get<Volume<int16_t>>(*c).at(1, 0, 0), 127);

  auto u = read_typed("MET_UINT", BytesOf(std::vector<uint32_t>{0, 2147483647u}));
  ASSERT_TRUE(u.ok()) << u.error().ToString();
  EXPECT_EQ(std::get<Volume<int32_t>>(*u).at(1, 0, 0), 2147483647);

  auto big = read_typed("MET_UINT", BytesOf(std::vector<uint32_t>{0, 2147483648u}));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(big.error().message.find("t.mha"), std::string::npos) << big.error().message;

  auto d = read_typed("MET_DOUBLE", BytesOf(std::vector<double>{-0.25, 3.5e20}));
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(std::get<Volume<float>>(*d).at(0, 0, 0), -0.25f);
  EXPECT_EQ(std::get<Volume<float>>(*d).at(1, 0, 0), 3.5e20f);

  auto huge = read_typed("MET_DOUBLE", BytesOf(std::vector<double>{0, 1e300}));
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().code, ErrorCode::kUnsupported);
}

TEST(MetaImageHeaderVariants, CompressedWithAndWithoutCompressedDataSize) {
  ScratchDir dir;
  const std::string z = Compress(kShort6);
  WriteBytes(dir / "sized.mha",
             "NDims = 3\nDimSize = 3 2 1\nCompressedData = True\n"
             "CompressedDataSize = " +
                 std::to_string(z.size()) + "\nElementType = MET_SHORT\nElementDataFile = LOCAL\n" +
                 z + "ignored trailing bytes");
  auto sized = Read(dir / "sized.mha");
  ASSERT_TRUE(sized.ok()) << sized.error().ToString();
  EXPECT_EQ(std::get<Volume<int16_t>>(*sized).at(1, 1, 0), 5);

  WriteBytes(dir / "open.mhd",
             "NDims = 3\nDimSize = 3 2 1\nCompressedData = True\n"
             "ElementType = MET_SHORT\nElementDataFile = open.zraw\n");
  WriteBytes(dir / "open.zraw", z);
  auto open = Read(dir / "open.mhd");
  ASSERT_TRUE(open.ok()) << open.error().ToString();
  EXPECT_EQ(std::get<Volume<int16_t>>(*open).at(0, 1, 0), -4000);
}

// ---------------------------------------------------------------------------------------------
// Bad input: refused with an error that names the file and the field.

const std::string kGoodFields = "ObjectType = Image\nNDims = 3\nDimSize = 3 2 1\n";

void ExpectError(const Expected<AnyVolume>& result, ErrorCode code,
                 const std::vector<std::string>& mentions) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, code) << result.error().ToString();
  for (const auto& m : mentions) {
    EXPECT_NE(result.error().message.find(m), std::string::npos)
        << "'" << m << "' not in: " << result.error().message;
  }
}

TEST(MetaImageBadInput, MissingHeaderAndDataFile) {
  ScratchDir dir;
  ExpectError(Read(dir / "none.mhd"), ErrorCode::kNotFound, {"none.mhd"});
  WriteBytes(dir / "a.mhd", kGoodFields + "ElementType = MET_SHORT\nElementDataFile = gone.raw\n");
  ExpectError(Read(dir / "a.mhd"), ErrorCode::kNotFound, {"a.mhd", "gone.raw"});
}

TEST(MetaImageBadInput, TruncatedRaw) {
  ScratchDir dir;
  WriteBytes(dir / "a.mhd", kGoodFields + "ElementType = MET_SHORT\nElementDataFile = a.raw\n");
  WriteBytes(dir / "a.raw", kShort6.substr(0, 11));
  ExpectError(Read(dir / "a.mhd"), ErrorCode::kCorruptData, {"a.raw", "truncated", "12"});
  WriteBytes(dir / "b.mha", kGoodFields + "ElementType = MET_SHORT\nElementDataFile = LOCAL\n" +
                                kShort6.substr(0, 7));
  ExpectError(Read(dir / "b.mha"), ErrorCode::kCorruptData, {"b.mha", "truncated"});
  WriteBytes(dir / "c.mhd",
             kGoodFields + "HeaderSize = 4\nElementType = MET_SHORT\nElementDataFile = c.raw\n");
  WriteBytes(dir / "c.raw", kShort6);  // 12 bytes, 4 skipped: 8 left
  ExpectError(Read(dir / "c.mhd"), ErrorCode::kCorruptData, {"c.raw", "truncated"});
}

TEST(MetaImageBadInput, BrokenZlib) {
  ScratchDir dir;
  const std::string header =
      kGoodFields + "CompressedData = True\nElementType = MET_SHORT\nElementDataFile = ";
  const std::string z = Compress(kShort6);
  WriteBytes(dir / "cut.mha", header + "LOCAL\n" + z.substr(0, z.size() - 6));
  ExpectError(Read(dir / "cut.mha"), ErrorCode::kCorruptData, {"cut.mha", "compressed"});
  WriteBytes(dir / "junk.mha", header + "LOCAL\n" + std::string(40, '\x5a'));
  ExpectError(Read(dir / "junk.mha"), ErrorCode::kCorruptData, {"junk.mha", "zlib"});
  WriteBytes(dir / "long.mhd", header + "long.zraw\n");
  WriteBytes(dir / "long.zraw", Compress(kShort6 + kShort6));
  ExpectError(Read(dir / "long.mhd"), ErrorCode::kCorruptData, {"long.zraw", "more than"});
  WriteBytes(dir / "short.mhd", header + "short.zraw\n");
  WriteBytes(dir / "short.zraw", Compress(kShort6.substr(0, 10)));
  ExpectError(Read(dir / "short.mhd"), ErrorCode::kCorruptData, {"short.zraw", "10 of 12"});
  WriteBytes(dir / "sz.mhd", kGoodFields +
                                 "CompressedData = True\nCompressedDataSize = 999\n"
                                 "ElementType = MET_SHORT\nElementDataFile = sz.zraw\n");
  WriteBytes(dir / "sz.zraw", z);
  ExpectError(Read(dir / "sz.mhd"), ErrorCode::kCorruptData, {"sz.zraw", "CompressedDataSize"});
}

TEST(MetaImageBadInput, AbsurdDimSizeRefusedBeforeAllocating) {
  ScratchDir dir;
  // 60000^3 shorts is 432 TB: allocating it would abort the test.
  WriteBytes(dir / "big.mha",
             "NDims = 3\nDimSize = 60000 60000 60000\nElementType = MET_SHORT\n"
             "ElementDataFile = LOCAL\n" +
                 kShort6);
  ExpectError(Read(dir / "big.mha"), ErrorCode::kTooLarge, {"big.mha"});
  ReadLimits small;
  small.max_bytes = 1000;
  WriteBytes(dir / "mid.mha",
             "NDims = 3\nDimSize = 100 100 1\nElementType = MET_SHORT\n"
             "ElementDataFile = LOCAL\n");
  ExpectError(Read(dir / "mid.mha", small), ErrorCode::kTooLarge, {"mid.mha"});
  // 1 GB claimed, 60 bytes of zlib: refused from the ratio, not after a 1 GB allocation + inflate.
  WriteBytes(dir / "bomb.mha",
             "NDims = 3\nDimSize = 1000 1000 1000\nCompressedData = True\n"
             "ElementType = MET_UCHAR\nElementDataFile = LOCAL\n" +
                 Compress(std::string(1000, '\0')));
  ExpectError(Read(dir / "bomb.mha"), ErrorCode::kCorruptData, {"bomb.mha", "cannot inflate"});
}

TEST(MetaImageBadInput, FieldsThatDoNotParse) {
  ScratchDir dir;
  auto header_with = [&](const std::string& fields) {
    WriteBytes(dir / "x.mhd", fields + "ElementDataFile = x.raw\n");
    WriteBytes(dir / "x.raw", kShort6);
    return Read(dir / "x.mhd");
  };
  ExpectError(header_with("NDims = 3\nDimSize = 512 abc 3\nElementType = MET_SHORT\n"),
              ErrorCode::kCorruptData, {"x.mhd: DimSize '512 abc 3' is not 3 positive integers"});
  ExpectError(header_with("NDims = 3\nDimSize = 3 2\nElementType = MET_SHORT\n"),
              ErrorCode::kCorruptData, {"x.mhd", "DimSize"});
  ExpectError(header_with("NDims = 3\nDimSize = 3 -2 1\nElementType = MET_SHORT\n"),
              ErrorCode::kCorruptData, {"x.mhd", "DimSize"});
  ExpectError(header_with("NDims = 3\nDimSize = 3 2 1\nElementType = MET_BANANA\n"),
              ErrorCode::kCorruptData, {"x.mhd", "ElementType 'MET_BANANA'"});
  ExpectError(header_with("NDims = 3\nDimSize = 3 2 1\nElementType = MET_LONG_LONG\n"),
              ErrorCode::kUnsupported, {"x.mhd", "ElementType 'MET_LONG_LONG'"});
  ExpectError(header_with("NDims = 3\nDimSize = 3 2 1\n"), ErrorCode::kCorruptData,
              {"x.mhd", "ElementType is missing"});
  ExpectError(header_with("NDims = 4\nDimSize = 3 2 1 1\nElementType = MET_SHORT\n"),
              ErrorCode::kUnsupported, {"x.mhd", "NDims '4'"});
  ExpectError(header_with("NDims = three\nDimSize = 3 2 1\nElementType = MET_SHORT\n"),
              ErrorCode::kCorruptData, {"x.mhd", "NDims"});
  ExpectError(header_with(kGoodFields + "ElementType = MET_SHORT\nElementNumberOfChannels = 3\n"),
              ErrorCode::kUnsupported, {"x.mhd", "ElementNumberOfChannels"});
  ExpectError(header_with(kGoodFields + "ElementType = MET_SHORT\nElementSpacing = 1 0 1\n"),
              ErrorCode::kCorruptData, {"x.mhd", "ElementSpacing '1 0 1'"});
  ExpectError(header_with(kGoodFields + "ElementType = MET_SHORT\nOffset = 1 nan 1\n"),
              ErrorCode::kCorruptData, {"x.mhd", "Offset"});
  ExpectError(
      header_with(kGoodFields + "ElementType = MET_SHORT\nTransformMatrix = 1 0 0 1 0 0 0 0 1\n"),
      ErrorCode::kCorruptData, {"x.mhd", "TransformMatrix", "singular"});
  ExpectError(header_with(kGoodFields + "ElementType = MET_SHORT\nBinaryData = False\n"),
              ErrorCode::kUnsupported, {"x.mhd", "BinaryData"});
  ExpectError(header_with(kGoodFields + "ElementType = MET_SHORT\nCompressedData = maybe\n"),
              ErrorCode::kCorruptData, {"x.mhd", "CompressedData 'maybe'"});
  ExpectError(header_with(kGoodFields + "ElementType = MET_SHORT\nHeaderSize = -5\n"),
              ErrorCode::kCorruptData, {"x.mhd", "HeaderSize"});
  ExpectError(header_with(kGoodFields + "ObjectType = Tube\nElementType = MET_SHORT\n"),
              ErrorCode::kUnsupported, {"x.mhd", "ObjectType"});
}

TEST(MetaImageBadInput, DataFileNamesWeRefuse) {
  ScratchDir dir;
  const std::string fields = kGoodFields + "ElementType = MET_SHORT\nElementDataFile = ";
  for (const std::string name :
       {"LIST", "slice%03d.raw 1 3 1", "/etc/hostname", "../x.raw", "sub/../../x.raw"}) {
    WriteBytes(dir / "x.mhd", fields + name + "\n");
    ExpectError(Read(dir / "x.mhd"), ErrorCode::kUnsupported, {"x.mhd", "ElementDataFile"});
  }
  WriteBytes(dir / "x.mhd", kGoodFields + "ElementType = MET_SHORT\n");
  ExpectError(Read(dir / "x.mhd"), ErrorCode::kCorruptData,
              {"x.mhd", "ElementDataFile is missing"});
  // A data file in a sub-folder of the header's folder is fine.
  fs::create_directories(dir / "sub");
  WriteBytes(dir / "sub" / "d.raw", kShort6);
  WriteBytes(dir / "x.mhd", fields + "sub/d.raw\n");
  EXPECT_TRUE(Read(dir / "x.mhd").ok());
}

TEST(MetaImageBadInput, GarbageAndEmptyFiles) {
  ScratchDir dir;
  WriteBytes(dir / "empty.mha", "");
  ExpectError(Read(dir / "empty.mha"), ErrorCode::kCorruptData, {"empty.mha", "empty"});
  std::string garbage(4096, '\0');
  uint32_t state = 12345;
  for (char& c : garbage) c = static_cast<char>((state = state * 1664525u + 1013904223u) >> 24);
  WriteBytes(dir / "garbage.mha", garbage);
  ExpectError(Read(dir / "garbage.mha"), ErrorCode::kCorruptData, {"garbage.mha", "line"});
  WriteBytes(dir / "prose.mhd", "Hello, this is a text file\n");
  ExpectError(Read(dir / "prose.mhd"), ErrorCode::kCorruptData, {"prose.mhd", "line 1"});
  // 3 MB of plausible header lines without ElementDataFile: refused after 1 MiB.
  std::string endless;
  while (endless.size() < 3'000'000) endless += "Comment = still no data file\n";
  WriteBytes(dir / "endless.mhd", endless);
  ExpectError(Read(dir / "endless.mhd"), ErrorCode::kCorruptData, {"endless.mhd", "first"});
}

// ---------------------------------------------------------------------------------------------
// Writing failures leave nothing new behind and old files intact.

TEST(MetaImageWriteFailure, MissingFolderLeavesNothing) {
  ScratchDir dir;
  Geometry g;
  g.size = {2, 2, 2};
  AnyVolume v = Volume<int16_t>(g);
  for (const char* name : {"x.mhd", "x.mha"}) {
    auto status = WriteMetaImage(v, dir / "no" / "such" / name);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::kNotFound);
    EXPECT_FALSE(fs::exists(dir / "no"));
  }
  EXPECT_TRUE(FolderEntries(dir.path()).empty());
  auto bad = WriteMetaImage(v, dir / "x.nrrd");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

// Limits the size of files this process may write, so a write fails part-way (even as root).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = signal(SIGXFSZ, SIG_IGN);  // get EFBIG instead of being killed
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    EXPECT_EQ(setrlimit(RLIMIT_FSIZE, &limit), 0);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit saved_{};
  void (*old_handler_)(int) = nullptr;
};

TEST(MetaImageWriteFailure, FailedOverwriteKeepsOldFiles) {
  for (const char* name : {"ct.mhd", "ct.mha"}) {
    SCOPED_TRACE(name);
    ScratchDir dir;
    Geometry small;
    small.size = {4, 4, 4};
    ASSERT_TRUE(WriteMetaImage(AnyVolume(PatternVolume<int16_t>(small)), dir / name).ok());
    const auto before = FolderEntries(dir.path());
    std::map<std::string, std::string> old_bytes;
    for (const auto& f : before) old_bytes[f] = ReadBytes(dir / f);

    Geometry large = ObliqueGeometry();
    large.size = {64, 64, 64};  // 512 KiB of voxels
    Status status = Ok{};
    {
      FileSizeLimit limit(64 * 1024);
      status = WriteMetaImage(AnyVolume(PatternVolume<int16_t>(large)), dir / name);
    }
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::kIoError) << status.error().ToString();
    EXPECT_EQ(FolderEntries(dir.path()), before) << "temporary files left behind";
    for (const auto& [f, bytes] : old_bytes) EXPECT_EQ(ReadBytes(dir / f), bytes) << f;
    auto still = Read(dir / name);
    ASSERT_TRUE(still.ok()) << still.error().ToString();
    EXPECT_EQ(GeometryOf(*still).size, small.size);
  }
}

}  // namespace
}  // namespace viscera
