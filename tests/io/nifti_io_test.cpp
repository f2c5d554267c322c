#include "io/nifti_io.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "test_data.h"

namespace viscera {
namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;
using viscera::testing::ScratchDir;
using viscera::testing::SharedData;

std::string ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteBytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

void GzipBytes(const fs::path& path, const std::string& bytes) {
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, bytes.data(), unsigned(bytes.size())), int(bytes.size()));
  ASSERT_EQ(gzclose(gz), Z_OK);
}

// The first n decompressed bytes of a .nii.gz.
std::string GunzipPrefix(const fs::path& path, size_t n) {
  std::string out(n, '\0');
  gzFile gz = gzopen(path.c_str(), "rb");
  const int got = gzread(gz, out.data(), unsigned(n));
  gzclose(gz);
  out.resize(size_t(std::max(got, 0)));
  return out;
}

template <typename T>
void Put(std::string& bytes, size_t offset, T value, bool big_endian = false) {
  char raw[sizeof(T)];
  std::memcpy(raw, &value, sizeof(T));
  if (big_endian) std::reverse(raw, raw + sizeof(T));
  ASSERT_LE(offset + sizeof(T), bytes.size());
  std::memcpy(bytes.data() + offset, raw, sizeof(T));
}

template <typename T>
T Get(const std::string& bytes, size_t offset) {
  T value{};
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

void ExpectError(const Expected<AnyVolume>& result, ErrorCode code, const fs::path& path) {
  ASSERT_FALSE(result.ok()) << path;
  EXPECT_EQ(result.error().code, code) << result.error().ToString();
  EXPECT_THAT(result.error().message, HasSubstr(path.string()));
}

template <typename T>
const Volume<T>& As(const Expected<AnyVolume>& result) {
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().ToString());
  EXPECT_TRUE(std::holds_alternative<Volume<T>>(*result))
      << VoxelTypeName(VoxelTypeOfVolume(*result));
  return std::get<Volume<T>>(*result);
}

size_t CountLabels(const Volume<uint8_t>& v) {
  std::set<uint8_t> labels(v.voxels().begin(), v.voxels().end());
  labels.erase(0);
  return labels.size();
}

int64_t Sum(const AnyVolume& v) {
  return std::visit(
      [](const auto& vol) {
        int64_t s = 0;
        for (auto x : vol.voxels()) s += int64_t(x);
        return s;
      },
      v);
}

void ExpectGeometryNear(const Geometry& a, const Geometry& b, double tol) {
  EXPECT_EQ(a.size, b.size);
  for (int r = 0; r < 3; ++r) {
    EXPECT_NEAR(a.spacing[r], b.spacing[r], tol) << "axis " << r;
    EXPECT_NEAR(a.origin[r], b.origin[r], tol * 100) << "axis " << r;
    for (int c = 0; c < 3; ++c)
      EXPECT_NEAR(a.direction.m[r][c], b.direction.m[r][c], tol) << r << c;
  }
}

// ---------------------------------------------------------------- the shared real files

TEST(NiftiRead, ExampleCtMatchesNibabel) {
  auto path = SharedData("totalseg-example/example_ct.nii.gz");
  auto result = ReadNifti(path);
  const auto& ct = As<int32_t>(result);
  const Geometry& g = ct.geometry();
  EXPECT_EQ(g.size, (Index3{122, 101, 112}));
  for (int a = 0; a < 3; ++a) EXPECT_DOUBLE_EQ(g.spacing[a], 3.0);
  // sform (code 2, qform code 0) RAS translation -177.956, 11.319, 94.302 -> LPS flips x, y.
  EXPECT_NEAR(g.origin[0], 177.95632935, 1e-6);
  EXPECT_NEAR(g.origin[1], -11.31900024, 1e-6);
  EXPECT_NEAR(g.origin[2], 94.30175781, 1e-6);
  EXPECT_EQ(g.AxisCodes(), "RAS");
  auto range = ComputeRange(*result);
  EXPECT_EQ(range.min, -1207);
  EXPECT_EQ(range.max, 3382);
  // Values and checksum from nibabel (catches offset, byte-order and axis-order mistakes).
  EXPECT_EQ(ct.at(10, 20, 5), -48);
  EXPECT_EQ(ct.at(60, 50, 15), 25);
  EXPECT_EQ(Sum(*result), -496851173);
}

TEST(NiftiRead, ExampleCtSmIsSlices82To111OfExampleCt) {
  auto ct_result = ReadNifti(SharedData("totalseg-example/example_ct.nii.gz"));
  auto sm_result = ReadNifti(SharedData("totalseg-example/example_ct_sm.nii.gz"));
  const auto& ct = As<int32_t>(ct_result);
  const auto& sm = As<int16_t>(sm_result);
  ASSERT_EQ(sm.size(), (Index3{122, 101, 30}));
  EXPECT_EQ(ComputeRange(*sm_result).min, -1100);
  EXPECT_EQ(ComputeRange(*sm_result).max, 1207);
  EXPECT_EQ(Sum(*sm_result), -130894872);
  int64_t mismatches = 0;
  for (int64_t k = 0; k < 30; ++k)
    for (int64_t j = 0; j < 101; ++j)
      for (int64_t i = 0; i < 122; ++i) mismatches += sm.at(i, j, k) != ct.at(i, j, k + 82);
  EXPECT_EQ(mismatches, 0);
  // Same stored affine (the README's quirk), so the same geometry apart from size.
  Geometry ct_grid = ct.geometry();
  ct_grid.size = sm.size();
  EXPECT_TRUE(ct_grid.SameGrid(sm.geometry(), 1e-9));
}

TEST(NiftiRead, LabelMapsMatchTheirCt) {
  struct Case {
    const char* file;
    Index3 size;
    size_t labels;
    int64_t sum;
  };
  for (const Case& c : {Case{"example_seg.nii.gz", {122, 101, 30}, 41, 2734697},
                        Case{"example_seg_fast_force_split.nii.gz", {122, 101, 112}, 61, 15188945},
                        Case{"example_seg_dicom.nii.gz", {512, 512, 20}, 31, 14229599}}) {
    SCOPED_TRACE(c.file);
    auto result = ReadNifti(SharedData(std::string("totalseg-example/") + c.file));
    const auto& seg = As<uint8_t>(result);
    EXPECT_EQ(seg.size(), c.size);
    EXPECT_EQ(CountLabels(seg), c.labels);
    EXPECT_EQ(Sum(*result), c.sum);
    EXPECT_LE(ComputeRange(*result).max, 117);
  }
}

TEST(NiftiRead, DicomLabelMapGeometry) {
  auto result = ReadNifti(SharedData("totalseg-example/example_seg_dicom.nii.gz"));
  const Geometry& g = GeometryOf(*result);
  // nibabel: [[-0.9765625, 0, 0, 249.51171875], [0, 0.9765625, 0, -61.51171875], [0, 0, 2, -804.5]]
  EXPECT_EQ(g.AxisCodes(), "LAS");
  EXPECT_DOUBLE_EQ(g.spacing[0], 0.9765625);
  EXPECT_DOUBLE_EQ(g.spacing[1], 0.9765625);
  EXPECT_DOUBLE_EQ(g.spacing[2], 2.0);
  EXPECT_DOUBLE_EQ(g.origin[0], -249.51171875);
  EXPECT_DOUBLE_EQ(g.origin[1], 61.51171875);
  EXPECT_DOUBLE_EQ(g.origin[2], -804.5);
  EXPECT_DOUBLE_EQ(g.direction.m[0][0], 1.0);
  EXPECT_DOUBLE_EQ(g.direction.m[1][1], -1.0);
  EXPECT_DOUBLE_EQ(g.direction.m[2][2], 1.0);
}

// ---------------------------------------------------------------- writing and round trips

Geometry ObliqueGeometry(bool improper) {
  Geometry g;
  g.size = {7, 6, 5};
  g.spacing = {0.7, 0.8, 2.5};
  g.origin = {-120.5, 33.25, 410.0};
  const double a = 20 * M_PI / 180, b = 10 * M_PI / 180;
  // Rz(a) * Rx(b)
  const double rz[3][3] = {
      {std::cos(a), -std::sin(a), 0}, {std::sin(a), std::cos(a), 0}, {0, 0, 1}};
  const double rx[3][3] = {
      {1, 0, 0}, {0, std::cos(b), -std::sin(b)}, {0, std::sin(b), std::cos(b)}};
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) {
      double s = 0;
      for (int k = 0; k < 3; ++k) s += rz[r][k] * rx[k][c];
      g.direction.m[r][c] = (improper && c == 2) ? -s : s;
    }
  return g;
}

template <typename T>
Volume<T> PatternVolume(const Geometry& g) {
  Volume<T> v(g);
  std::mt19937 rng(42);
  auto vox = v.voxels();
  for (auto& x : vox) {
    if constexpr (std::is_floating_point_v<T>) {
      x = std::uniform_real_distribution<T>(-2000, 3000)(rng);
    } else {
      x = T(std::uniform_int_distribution<int64_t>(std::numeric_limits<T>::lowest(),
                                                   std::numeric_limits<T>::max())(rng));
    }
  }
  vox[0] = std::numeric_limits<T>::lowest();
  vox[1] = std::numeric_limits<T>::max();
  return v;
}

template <typename T>
void RoundTrip(const fs::path& path, bool improper) {
  SCOPED_TRACE(path.filename().string() + (improper ? " improper" : " proper"));
  const Volume<T> original = PatternVolume<T>(ObliqueGeometry(improper));
  ASSERT_TRUE(WriteNifti(original, path).ok());
  auto back = ReadNifti(path);
  const auto& v = As<T>(back);
  ExpectGeometryNear(v.geometry(), original.geometry(), 1e-6);
  EXPECT_TRUE(std::equal(v.voxels().begin(), v.voxels().end(), original.voxels().begin()));
}

TEST(NiftiWrite, RoundTripsEveryVoxelTypeWithObliqueGeometry) {
  ScratchDir dir;
  for (const char* ext : {".nii", ".nii.gz"}) {
    for (bool improper : {false, true}) {
      RoundTrip<uint8_t>(dir / (std::string("u8") + ext), improper);
      RoundTrip<int16_t>(dir / (std::string("i16") + ext), improper);
      RoundTrip<uint16_t>(dir / (std::string("u16") + ext), improper);
      RoundTrip<int32_t>(dir / (std::string("i32") + ext), improper);
      RoundTrip<float>(dir / (std::string("f32") + ext), improper);
    }
  }
}

TEST(NiftiWrite, WritesStandardHeaderFields) {
  ScratchDir dir;
  const auto path = dir / "h.nii";
  ASSERT_TRUE(WriteNifti(PatternVolume<int16_t>(ObliqueGeometry(false)), path).ok());
  const std::string b = ReadBytes(path);
  ASSERT_EQ(b.size(), 352u + 7 * 6 * 5 * 2);
  EXPECT_EQ(Get<int32_t>(b, 0), 348);     // sizeof_hdr
  EXPECT_EQ(Get<int16_t>(b, 70), 4);      // datatype DT_INT16
  EXPECT_EQ(Get<int16_t>(b, 72), 16);     // bitpix
  EXPECT_EQ(Get<float>(b, 108), 352.0f);  // vox_offset
  EXPECT_EQ(Get<float>(b, 112), 1.0f);    // scl_slope
  EXPECT_EQ(Get<float>(b, 116), 0.0f);    // scl_inter
  EXPECT_EQ(Get<int16_t>(b, 252), 1);     // qform_code: scanner
  EXPECT_EQ(Get<int16_t>(b, 254), 1);     // sform_code: scanner
  EXPECT_EQ(b[123], 2);                   // xyzt_units: mm
  EXPECT_EQ(b.substr(344, 4), std::string("n+1\0", 4));
}

TEST(NiftiWrite, QformAloneAndBaseAffineGiveTheExpectedGeometry) {
  ScratchDir dir;
  for (bool improper : {false, true}) {
    const auto path = dir / "q.nii";
    const Geometry g = ObliqueGeometry(improper);
    ASSERT_TRUE(WriteNifti(PatternVolume<int16_t>(g), path).ok());
    std::string b = ReadBytes(path);
    Put<int16_t>(b, 254, 0);  // sform_code 0: nibabel falls back to the qform
    WriteBytes(path, b);
    auto q = ReadNifti(path);
    ASSERT_TRUE(q.ok()) << q.error().ToString();
    ExpectGeometryNear(GeometryOf(*q), g, 1e-5);

    Put<int16_t>(b, 252, 0);  // and qform_code 0: the base affine from pixdim, centred, x flipped
    WriteBytes(path, b);
    auto base = ReadNifti(path);
    ASSERT_TRUE(base.ok()) << base.error().ToString();
    Geometry expected;
    expected.size = g.size;
    expected.spacing = g.spacing;
    expected.direction.m = {{{1, 0, 0}, {0, -1, 0}, {0, 0, 1}}};  // RAS diag(-1, 1, 1)
    expected.origin = {-(6 / 2.0) * 0.7, (5 / 2.0) * 0.8, -(4 / 2.0) * 2.5};
    ExpectGeometryNear(GeometryOf(*base), expected, 1e-6);
  }
}

TEST(NiftiWrite, RealFileRoundTripIsExact) {
  ScratchDir dir;
  auto in = ReadNifti(SharedData("totalseg-example/example_seg_dicom.nii.gz"));
  ASSERT_TRUE(in.ok());
  for (const char* name : {"seg.nii", "seg.nii.gz"}) {
    ASSERT_TRUE(WriteNifti(*in, dir / name).ok());
    auto out = ReadNifti(dir / name);
    const auto& seg = As<uint8_t>(out);
    EXPECT_EQ(seg.geometry().IndexToRas().m, GeometryOf(*in).IndexToRas().m);
    const auto& orig = std::get<Volume<uint8_t>>(*in);
    EXPECT_TRUE(std::equal(seg.voxels().begin(), seg.voxels().end(), orig.voxels().begin()));
  }
}

size_t EntriesIn(const fs::path& dir) {
  return size_t(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST(NiftiWrite, MissingFolderOrBadNameFailsAndLeavesNothing) {
  ScratchDir dir;
  const Volume<uint8_t> v = PatternVolume<uint8_t>(ObliqueGeometry(false));
  auto status = WriteNifti(v, dir / "no" / "such" / "out.nii.gz");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(status.error().message, HasSubstr("out.nii.gz"));
  status = WriteNifti(v, dir / "out.txt");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  Geometry huge = v.geometry();
  huge.spacing[1] = 1e39;  // beyond float32, NIfTI-1's field type
  status = WriteNifti(Volume<uint8_t>(huge, v.voxels()), dir / "out.nii");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(status.error().message, HasSubstr("float32"));
  EXPECT_EQ(EntriesIn(dir.path()), 0u);
}

TEST(NiftiWrite, FailedWriteKeepsTheExistingFileIntact) {
  ScratchDir dir;
  for (const char* name : {"keep.nii", "keep.nii.gz"}) {
    SCOPED_TRACE(name);
    const fs::path target = dir / name;
    Geometry small = ObliqueGeometry(false);
    ASSERT_TRUE(WriteNifti(PatternVolume<int16_t>(small), target).ok());
    const std::string before = ReadBytes(target);
    const size_t entries = EntriesIn(dir.path());
    Geometry big = small;
    big.size = {64, 64, 64};  // 1 MiB of random floats: over the limit even when gzipped
    const Volume<float> volume = PatternVolume<float>(big);
    // Make the disk "full" at 64 KiB for this process: writes past it fail with EFBIG.
    rlimit saved{};
    ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
    rlimit limited = saved;
    limited.rlim_cur = 64 * 1024;
    auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limited), 0);
    const Status status = WriteNifti(volume, target);
    setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, old_handler);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::kIoError);
    EXPECT_THAT(status.error().message, HasSubstr(target.string()));
    EXPECT_EQ(ReadBytes(target), before);
    EXPECT_EQ(EntriesIn(dir.path()), entries) << "temporary file left behind";
  }
}

// ---------------------------------------------------------------- hand-made headers

// A NIfTI-1 header built byte by byte: sform code 2 (srow 2 mm, offset 10/20/30), qform code 0.
std::string Nifti1(int16_t datatype, int16_t bitpix, std::vector<int16_t> dims, bool big = false) {
  std::string b(352, '\0');
  Put<int32_t>(b, 0, 348, big);
  Put<int16_t>(b, 40, int16_t(dims.size()), big);
  for (size_t i = 0; i < 7; ++i) Put<int16_t>(b, 42 + 2 * i, i < dims.size() ? dims[i] : 1, big);
  Put<int16_t>(b, 70, datatype, big);
  Put<int16_t>(b, 72, bitpix, big);
  for (int i = 0; i < 8; ++i) Put<float>(b, 76 + 4 * i, i == 0 ? 1.0f : 2.0f, big);
  Put<float>(b, 108, 352.0f, big);
  Put<float>(b, 112, 1.0f, big);
  Put<int16_t>(b, 254, 2, big);
  const float srow[3][4] = {{2, 0, 0, 10}, {0, 2, 0, 20}, {0, 0, 2, 30}};
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) Put<float>(b, 280 + 16 * r + 4 * c, srow[r][c], big);
  b.replace(344, 4, "n+1\0", 4);
  return b;
}

template <typename T>
std::string Voxels(const std::vector<T>& values, bool big = false) {
  std::string out(values.size() * sizeof(T), '\0');
  for (size_t n = 0; n < values.size(); ++n) Put<T>(out, n * sizeof(T), values[n], big);
  return out;
}

TEST(NiftiCrafted, BigEndianWithZeroOffsetAndNanSlope) {
  ScratchDir dir;
  std::string b = Nifti1(8, 32, {4, 3, 2}, /*big=*/true);
  Put<float>(b, 108, 0.0f, true);                                     // vox_offset 0 -> 352
  Put<float>(b, 112, std::numeric_limits<float>::quiet_NaN(), true);  // scl_slope NaN -> 1
  std::vector<int32_t> values(24);
  for (int n = 0; n < 24; ++n) values[size_t(n)] = n * 100000 - 1000000;
  WriteBytes(dir / "be.nii", b + Voxels(values, true));
  auto result = ReadNifti(dir / "be.nii");
  const auto& v = As<int32_t>(result);
  EXPECT_TRUE(std::equal(v.voxels().begin(), v.voxels().end(), values.begin()));
  EXPECT_EQ(v.geometry().origin, (Vec3{-10, -20, 30}));
  EXPECT_EQ(v.geometry().spacing, (Vec3{2, 2, 2}));
}

TEST(NiftiCrafted, Nifti2WithIntegerScalingStaysInt16) {
  ScratchDir dir;
  std::string b(544, '\0');
  Put<int32_t>(b, 0, 540);
  b.replace(4, 8, "n+2\0\r\n\032\n", 8);
  Put<int16_t>(b, 12, 4);  // int16
  Put<int16_t>(b, 14, 16);
  const int64_t dims[8] = {3, 3, 4, 5, 1, 1, 1, 1};
  for (int i = 0; i < 8; ++i) Put<int64_t>(b, 16 + 8 * i, dims[i]);
  for (int i = 0; i < 8; ++i) Put<double>(b, 104 + 8 * i, 1.5);
  Put<int64_t>(b, 168, 0);  // vox_offset 0 -> 544
  Put<double>(b, 176, 2.0);
  Put<double>(b, 184, -1024.0);
  Put<int32_t>(b, 348, 1);  // sform_code
  const double srow[3][4] = {{-1.5, 0, 0, 5}, {0, -1.5, 0, 6}, {0, 0, 1.5, 7}};
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) Put<double>(b, 400 + 32 * r + 8 * c, srow[r][c]);
  std::vector<int16_t> stored(60);
  for (int n = 0; n < 60; ++n) stored[size_t(n)] = int16_t(n * 10);
  WriteBytes(dir / "two.nii", b + Voxels(stored));
  auto result = ReadNifti(dir / "two.nii");
  const auto& v = As<int16_t>(result);
  EXPECT_EQ(v.size(), (Index3{3, 4, 5}));
  for (size_t n = 0; n < 60; ++n) ASSERT_EQ(v.voxels()[n], stored[n] * 2 - 1024) << n;
  EXPECT_EQ(v.geometry().AxisCodes(), "LPS");
  EXPECT_EQ(v.geometry().origin, (Vec3{-5, -6, 7}));
}

TEST(NiftiCrafted, TypeConversionsFollowTheContract) {
  ScratchDir dir;
  auto read = [&](const std::string& header, const std::string& data) {
    WriteBytes(dir / "t.nii", header + data);
    return ReadNifti(dir / "t.nii");
  };
  {  // int8 -> int16
    auto r = read(Nifti1(256, 8, {2, 2, 2}), Voxels<int8_t>({-128, -1, 0, 1, 2, 3, 4, 127}));
    EXPECT_EQ(As<int16_t>(r).voxels()[0], -128);
    EXPECT_EQ(As<int16_t>(r).voxels()[7], 127);
  }
  {  // uint8 with intercept -1024: does not fit uint8 -> float32
    std::string h = Nifti1(2, 8, {2, 2, 2});
    Put<float>(h, 116, -1024.0f);
    auto r = read(h, Voxels<uint8_t>({0, 1, 2, 3, 4, 5, 6, 255}));
    EXPECT_EQ(As<float>(r).voxels()[7], 255 - 1024);
  }
  {  // int16 with slope 1, intercept -1024 that fits -> int16
    std::string h = Nifti1(4, 16, {2, 2, 2});
    Put<float>(h, 116, -1024.0f);
    auto r = read(h, Voxels<int16_t>({0, 1, 2, 3, 4, 5, 6, 3000}));
    EXPECT_EQ(As<int16_t>(r).voxels()[7], 3000 - 1024);
  }
  {  // int16 with slope 0.5 -> float32
    std::string h = Nifti1(4, 16, {2, 2, 2});
    Put<float>(h, 112, 0.5f);
    auto r = read(h, Voxels<int16_t>({0, 1, 2, 3, 4, 5, 6, 7}));
    EXPECT_EQ(As<float>(r).voxels()[3], 1.5f);
  }
  {  // float64 -> float32, uint16 stays, int64 in range -> int32
    auto r = read(Nifti1(64, 64, {2, 2, 2}), Voxels<double>({0.25, -1e30, 3, 4, 5, 6, 7, 8}));
    EXPECT_EQ(As<float>(r).voxels()[0], 0.25f);
    EXPECT_EQ(As<float>(r).voxels()[1], -1e30f);
    auto u = read(Nifti1(512, 16, {2, 2, 2}), Voxels<uint16_t>({65535, 0, 0, 0, 0, 0, 0, 1}));
    EXPECT_EQ(As<uint16_t>(u).voxels()[0], 65535);
    auto l = read(Nifti1(1024, 64, {2, 2, 2}), Voxels<int64_t>({-5, 0, 0, 0, 0, 0, 0, 2000000000}));
    EXPECT_EQ(As<int32_t>(l).voxels()[7], 2000000000);
  }
  {  // uint32 beyond int32 -> unsupported; complex -> unsupported
    auto r = read(Nifti1(768, 32, {2, 2, 2}), Voxels<uint32_t>({3000000000u, 0, 0, 0, 0, 0, 0, 0}));
    ExpectError(r, ErrorCode::kUnsupported, dir / "t.nii");
    ExpectError(read(Nifti1(32, 64, {2, 2, 2}), std::string(64, '\0')), ErrorCode::kUnsupported,
                dir / "t.nii");
  }
  {  // 2D image: one slice
    auto r = read(Nifti1(2, 8, {3, 2}), Voxels<uint8_t>({1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(As<uint8_t>(r).size(), (Index3{3, 2, 1}));
  }
}

TEST(NiftiCrafted, RejectsWhatNibabelRejectsOrWeDoNotSupport) {
  ScratchDir dir;
  const fs::path path = dir / "bad.nii";
  auto expect = [&](const std::string& bytes, ErrorCode code, const char* words) {
    WriteBytes(path, bytes);
    auto r = ReadNifti(path);
    ExpectError(r, code, path);
    if (!r.ok()) {
      EXPECT_THAT(r.error().message, HasSubstr(words));
    }
  };
  const std::string data(8 * 5 * 2, '\0');
  expect(Nifti1(4, 16, {2, 2, 2, 5}) + data, ErrorCode::kUnsupported, "time series");
  std::string h = Nifti1(4, 16, {2, 2, 2});
  Put<float>(h, 108, 100.0f);
  expect(h + data, ErrorCode::kCorruptData, "vox_offset");
  h = Nifti1(4, 16, {2, 2, 2});
  Put<float>(h, 112, 2.0f);
  Put<float>(h, 116, std::numeric_limits<float>::infinity());
  expect(h + data, ErrorCode::kCorruptData, "scl_inter");
  h = Nifti1(4, 16, {2, 2, 2});
  Put<int16_t>(h, 252, 1);  // qform only, quaternion longer than 1
  Put<int16_t>(h, 254, 0);
  for (int i = 0; i < 3; ++i) Put<float>(h, 256 + 4 * i, 0.8f);
  expect(h + data, ErrorCode::kCorruptData, "quaternion");
  h = Nifti1(4, 16, {2, 2, 2});
  h.replace(344, 4, "xyz\0", 4);
  expect(h + data, ErrorCode::kCorruptData, "magic");
  h = Nifti1(4, 16, {2, 0, 2});
  expect(h + data, ErrorCode::kCorruptData, "dim[2]");
  // A 4-dimensional grid whose extra dimension is 1 is still one volume.
  WriteBytes(path, Nifti1(4, 16, {2, 2, 2, 1}) + data);
  EXPECT_TRUE(ReadNifti(path).ok());
}

// ---------------------------------------------------------------- corrupt and hostile files

TEST(NiftiCorrupt, MissingEmptyGarbageAndTruncatedFilesGiveErrors) {
  ScratchDir dir;
  ExpectError(ReadNifti(dir / "missing.nii.gz"), ErrorCode::kNotFound, dir / "missing.nii.gz");
  WriteBytes(dir / "empty.nii", "");
  ExpectError(ReadNifti(dir / "empty.nii"), ErrorCode::kCorruptData, dir / "empty.nii");
  std::mt19937 rng(7);
  std::string garbage(4000, '\0');
  for (auto& c : garbage) c = char(rng());
  WriteBytes(dir / "garbage.nii", garbage);
  ExpectError(ReadNifti(dir / "garbage.nii"), ErrorCode::kCorruptData, dir / "garbage.nii");
  WriteBytes(dir / "garbage.nii.gz", garbage);
  ExpectError(ReadNifti(dir / "garbage.nii.gz"), ErrorCode::kCorruptData, dir / "garbage.nii.gz");
  WriteBytes(dir / "short.nii", Nifti1(4, 16, {2, 2, 2}).substr(0, 200));
  ExpectError(ReadNifti(dir / "short.nii"), ErrorCode::kCorruptData, dir / "short.nii");

  // A real file cut in the middle of its voxels, uncompressed and gzipped.
  const auto real = SharedData("totalseg-example/example_seg.nii.gz");
  const std::string all = GunzipPrefix(real, 1 << 20);
  // vox_offset 13168: this file carries a header extension.
  ASSERT_EQ(all.size(), size_t(Get<float>(all, 108)) + 122 * 101 * 30);
  WriteBytes(dir / "cut.nii", all.substr(0, all.size() / 2));
  auto cut = ReadNifti(dir / "cut.nii");
  ExpectError(cut, ErrorCode::kCorruptData, dir / "cut.nii");
  EXPECT_THAT(cut.error().message,
              HasSubstr("but the file has " + std::to_string(all.size() / 2) + " bytes"));
  GzipBytes(dir / "cut.nii.gz", all.substr(0, all.size() / 2));
  ExpectError(ReadNifti(dir / "cut.nii.gz"), ErrorCode::kCorruptData, dir / "cut.nii.gz");
  const std::string gz = ReadBytes(real);
  WriteBytes(dir / "cutgz.nii.gz", gz.substr(0, gz.size() / 2));
  ExpectError(ReadNifti(dir / "cutgz.nii.gz"), ErrorCode::kCorruptData, dir / "cutgz.nii.gz");
  EXPECT_FALSE(ReadNifti(dir.path()).ok());  // a folder
}

TEST(NiftiCorrupt, AbsurdDimsAreRefusedBeforeAllocating) {
  ScratchDir dir;
  // A real header whose dims are edited to 30000^3 int32 (108 TB): refused, not allocated.
  std::string header = GunzipPrefix(SharedData("totalseg-example/example_ct.nii.gz"), 352 + 4096);
  ASSERT_EQ(header.size(), 352u + 4096);
  for (int i = 0; i < 3; ++i) Put<int16_t>(header, 42 + 2 * i, 30000);
  WriteBytes(dir / "huge.nii", header);
  auto r = ReadNifti(dir / "huge.nii");
  ExpectError(r, ErrorCode::kTooLarge, dir / "huge.nii");
  EXPECT_THAT(r.error().message, HasSubstr("30000x30000x30000"));
  GzipBytes(dir / "huge.nii.gz", header);
  ExpectError(ReadNifti(dir / "huge.nii.gz"), ErrorCode::kTooLarge, dir / "huge.nii.gz");
  // Under the limit but far more than the file holds: the size check catches it before reading.
  for (int i = 0; i < 3; ++i) Put<int16_t>(header, 42 + 2 * i, 1000);
  WriteBytes(dir / "big.nii", header);
  auto big = ReadNifti(dir / "big.nii");
  ExpectError(big, ErrorCode::kCorruptData, dir / "big.nii");
  EXPECT_THAT(big.error().message, HasSubstr("claims 4000000000 bytes of voxels at offset 352"));
  // Callers' limits apply to compressed files, whose real size is unknown up front.
  GzipBytes(dir / "big.nii.gz", header);
  ReadLimits tight;
  tight.max_bytes = 64 << 20;
  ExpectError(ReadNifti(dir / "big.nii.gz", tight), ErrorCode::kTooLarge, dir / "big.nii.gz");
}

}  // namespace
}  // namespace viscera
