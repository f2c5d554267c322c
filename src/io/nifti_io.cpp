// NIfTI adapter: the only file that includes the nifti2_io C library.
//
// Reading: we read the raw header bytes ourselves (through the library's znz layer, which handles
// .gz), validate every field a hostile file could abuse (sizes, offsets, type) and derive the
// affine exactly as nibabel does, before the library builds its nifti_image and reads the voxels
// straight into our buffer (swapping bytes as needed). Writing: the library fills a NIfTI-1
// header and computes the qform quaternion; we write header + voxels through znz and check every
// step, inside WriteAtomically.
#include "io/nifti_io.h"

#include <nifti2_io.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "io/atomic_file.h"

namespace viscera {
namespace fs = std::filesystem;

namespace {

void QuietLibrary() {
  static const bool quiet = [] {
    nifti_set_debug_level(0);
    return true;
  }();
  (void)quiet;
}

bool EndsWith(const std::string& name, const std::string& suffix) {
  if (name.size() < suffix.size()) return false;
  return std::equal(suffix.rbegin(), suffix.rend(), name.rbegin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
}

struct ZnzCloser {
  void operator()(znzptr* file) const {
    znzFile f = file;
    znzclose(f);
  }
};
using ZnzHandle = std::unique_ptr<znzptr, ZnzCloser>;

struct NimDeleter {
  void operator()(nifti_image* nim) const {
    nim->data = nullptr;  // voxels live in our buffers, never in the library's
    nifti_image_free(nim);
  }
};
using NimHandle = std::unique_ptr<nifti_image, NimDeleter>;

// The header fields we use, widened to NIfTI-2 types and in native byte order.
struct RawHeader {
  int version = 1;  // 1 or 2
  int64_t dim[8] = {};
  double pixdim[8] = {};
  int datatype = 0;
  double vox_offset = 0;
  double scl_slope = 0, scl_inter = 0;
  int qform_code = 0, sform_code = 0;
  double quatern[3] = {}, qoffset[3] = {};
  double srow[3][4] = {};
};

template <typename H>
void CopyFields(const H& h, RawHeader& raw) {
  std::copy(std::begin(h.dim), std::end(h.dim), raw.dim);
  std::copy(std::begin(h.pixdim), std::end(h.pixdim), raw.pixdim);
  raw.datatype = h.datatype;
  raw.vox_offset = static_cast<double>(h.vox_offset);
  raw.scl_slope = h.scl_slope, raw.scl_inter = h.scl_inter;
  raw.qform_code = h.qform_code, raw.sform_code = h.sform_code;
  raw.quatern[0] = h.quatern_b, raw.quatern[1] = h.quatern_c, raw.quatern[2] = h.quatern_d;
  raw.qoffset[0] = h.qoffset_x, raw.qoffset[1] = h.qoffset_y, raw.qoffset[2] = h.qoffset_z;
  std::copy(std::begin(h.srow_x), std::end(h.srow_x), raw.srow[0]);
  std::copy(std::begin(h.srow_y), std::end(h.srow_y), raw.srow[1]);
  std::copy(std::begin(h.srow_z), std::end(h.srow_z), raw.srow[2]);
}

int32_t ByteSwap32(int32_t v) {
  auto u = static_cast<uint32_t>(v);
  return static_cast<int32_t>((u >> 24) | ((u >> 8) & 0xff00u) | ((u << 8) & 0xff0000u) |
                              (u << 24));
}

// The unswapped header bytes (what nifti_convert_n*hdr2nim expects) and its native-order fields.
struct HeaderBytes {
  nifti_1_header n1{};
  nifti_2_header n2{};
  RawHeader raw;
};

Expected<HeaderBytes> ParseHeader(const unsigned char* bytes, size_t n, const std::string& name) {
  if (n < sizeof(nifti_1_header)) {
    return MakeError(
        ErrorCode::kCorruptData,
        name + ": " + std::to_string(n) + " bytes is too short for a NIfTI header (348 bytes)");
  }
  int32_t sizeof_hdr = 0;
  std::memcpy(&sizeof_hdr, bytes, sizeof sizeof_hdr);
  const bool swapped = ByteSwap32(sizeof_hdr) == 348 || ByteSwap32(sizeof_hdr) == 540;
  const int32_t size = swapped ? ByteSwap32(sizeof_hdr) : sizeof_hdr;
  HeaderBytes out;
  if (size == 348) {
    std::memcpy(&out.n1, bytes, sizeof out.n1);
    nifti_1_header native = out.n1;
    if (swapped) swap_nifti_header(&native, 1);
    if (std::memcmp(native.magic, "n+1", 4) != 0) {
      const bool pair = std::memcmp(native.magic, "ni1", 4) == 0;
      return MakeError(pair ? ErrorCode::kUnsupported : ErrorCode::kCorruptData,
                       name + (pair ? ": two-file NIfTI (.hdr/.img) is not supported"
                                    : ": bad NIfTI-1 magic (ANALYZE or not a NIfTI file)"));
    }
    CopyFields(native, out.raw);
    out.raw.version = 1;
  } else if (size == 540) {
    if (n < sizeof(nifti_2_header)) {
      return MakeError(ErrorCode::kCorruptData,
                       name + ": NIfTI-2 header truncated at " + std::to_string(n) + " bytes");
    }
    std::memcpy(&out.n2, bytes, sizeof out.n2);
    nifti_2_header native = out.n2;
    if (swapped) swap_nifti_header(&native, 2);
    if (std::memcmp(native.magic, "n+2\0\r\n\032\n", 8) != 0) {
      return MakeError(ErrorCode::kCorruptData, name + ": bad NIfTI-2 magic");
    }
    CopyFields(native, out.raw);
    out.raw.version = 2;
  } else {
    return MakeError(ErrorCode::kCorruptData, name + ": not a NIfTI file (sizeof_hdr is " +
                                                  std::to_string(sizeof_hdr) +
                                                  ", expected 348 or 540)");
  }
  return out;
}

// Stored NIfTI type -> bytes, and the voxel type we return for it.
struct TypeInfo {
  int datatype = 0;
  int bytes = 0;
  VoxelType ours = VoxelType::kUInt8;
};
constexpr TypeInfo kTypes[] = {
    {NIFTI_TYPE_UINT8, 1, VoxelType::kUInt8},     {NIFTI_TYPE_INT8, 1, VoxelType::kInt16},
    {NIFTI_TYPE_INT16, 2, VoxelType::kInt16},     {NIFTI_TYPE_UINT16, 2, VoxelType::kUInt16},
    {NIFTI_TYPE_INT32, 4, VoxelType::kInt32},     {NIFTI_TYPE_UINT32, 4, VoxelType::kInt32},
    {NIFTI_TYPE_INT64, 8, VoxelType::kInt32},     {NIFTI_TYPE_UINT64, 8, VoxelType::kInt32},
    {NIFTI_TYPE_FLOAT32, 4, VoxelType::kFloat32}, {NIFTI_TYPE_FLOAT64, 8, VoxelType::kFloat32},
};

const TypeInfo* LookupType(int datatype) {
  for (const TypeInfo& t : kTypes) {
    if (t.datatype == datatype) return &t;
  }
  return nullptr;
}

// nibabel's affine choice (Nifti1Header.get_best_affine), including the fixes nibabel applies to
// the header on load: pixdim[1..3] of 0 become 1, negative ones their absolute value, and a qfac
// (pixdim[0]) other than +-1 becomes 1.
Expected<Affine> NibabelAffine(const RawHeader& h, const std::string& name) {
  Affine a;
  if (h.sform_code != 0) {
    for (int r = 0; r < 3; ++r) {
      for (int c = 0; c < 4; ++c) a.m[r][c] = h.srow[r][c];
    }
    return a;
  }
  double zoom[3];
  for (int i = 0; i < 3; ++i) {
    double p = h.pixdim[i + 1];
    zoom[i] = p == 0 ? 1.0 : std::abs(p);
  }
  if (h.qform_code != 0) {
    const double b = h.quatern[0], c = h.quatern[1], d = h.quatern[2];
    double w2 = 1.0 - (b * b + c * c + d * d);
    const double threshold = -3.0 * std::numeric_limits<float>::epsilon();
    if (!(w2 >= threshold)) {
      return MakeError(ErrorCode::kCorruptData, name + ": qform quaternion (" + std::to_string(b) +
                                                    ", " + std::to_string(c) + ", " +
                                                    std::to_string(d) + ") is not a unit rotation");
    }
    const double w = w2 < 0 ? 0.0 : std::sqrt(w2);
    const double nq = w * w + b * b + c * c + d * d;
    double rot[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    if (nq >= std::numeric_limits<double>::epsilon()) {
      const double s = 2.0 / nq;
      const double x = b * s, y = c * s, z = d * s;
      const double wx = w * x, wy = w * y, wz = w * z;
      const double xx = b * x, xy = b * y, xz = b * z;
      const double yy = c * y, yz = c * z, zz = d * z;
      const double m[3][3] = {{1.0 - (yy + zz), xy - wz, xz + wy},
                              {xy + wz, 1.0 - (xx + zz), yz - wx},
                              {xz - wy, yz + wx, 1.0 - (xx + yy)}};
      std::memcpy(rot, m, sizeof rot);
    }
    const double qfac = (h.pixdim[0] == -1.0) ? -1.0 : 1.0;
    const double vox[3] = {zoom[0], zoom[1], zoom[2] * qfac};
    for (int r = 0; r < 3; ++r) {
      for (int col = 0; col < 3; ++col) a.m[r][col] = rot[r][col] * vox[col];
      a.m[r][3] = h.qoffset[r];
    }
    return a;
  }
  // Base affine (shape_zoom_affine): centred on the grid, x flipped.
  const int64_t ndim = h.dim[0];
  for (int i = 0; i < 3; ++i) {
    const double shape = i < ndim ? static_cast<double>(h.dim[i + 1]) : 1.0;
    double z = i < ndim ? zoom[i] : 1.0;
    if (i == 0) z = -z;
    a.m[i][i] = z;
    a.m[i][3] = -(shape - 1.0) / 2.0 * z;
  }
  return a;
}

// Validates what the header claims before anything is allocated or the library sees it.
struct Layout {
  Index3 size{};
  TypeInfo type;
  int64_t offset = 0;
  int64_t data_bytes = 0;
};

Expected<Layout> CheckLayout(const RawHeader& h, const std::string& name, const ReadLimits& limits,
                             bool compressed, int64_t file_size) {
  Layout out;
  const int64_t ndim = h.dim[0];
  if (ndim < 1 || ndim > 7) {
    return MakeError(ErrorCode::kCorruptData,
                     name + ": dim[0] is " + std::to_string(ndim) + ", expected 1..7");
  }
  for (int64_t i = 1; i <= ndim; ++i) {
    if (h.dim[i] < 1 || h.dim[i] > limits.max_dimension) {
      return MakeError(ErrorCode::kCorruptData, name + ": dim[" + std::to_string(i) + "] is " +
                                                    std::to_string(h.dim[i]) + ", expected 1.." +
                                                    std::to_string(limits.max_dimension));
    }
    if (i > 3 && h.dim[i] > 1) {
      return MakeError(ErrorCode::kUnsupported,
                       name + ": has " + std::to_string(ndim) + " dimensions with dim[" +
                           std::to_string(i) + "] = " + std::to_string(h.dim[i]) +
                           " (e.g. a time series); only single 3D volumes are supported");
    }
  }
  for (int a = 0; a < 3; ++a) out.size[a] = a < ndim ? h.dim[a + 1] : 1;
  const TypeInfo* type = LookupType(h.datatype);
  if (type == nullptr) {
    return MakeError(ErrorCode::kUnsupported,
                     name + ": voxel type " + std::to_string(h.datatype) + " (" +
                         nifti_datatype_string(h.datatype) +
                         ") is not supported; expected an integer or real scalar type");
  }
  out.type = *type;
  const int widest = std::max(out.type.bytes, VoxelTypeBytes(out.type.ours));
  VISCERA_RETURN_IF_ERROR(CheckClaimedSize(out.size, widest, limits, name));
  out.data_bytes = out.size[0] * out.size[1] * out.size[2] * out.type.bytes;

  const double header_end = h.version == 1 ? 352.0 : 544.0;
  double offset = h.vox_offset == 0 ? header_end : h.vox_offset;  // 0: unset, data follows header
  const double max_offset = h.version == 1 ? 2147483647.0 : 9.0e15;
  if (!(offset >= header_end && offset <= max_offset) || offset != std::floor(offset)) {
    return MakeError(ErrorCode::kCorruptData,
                     name + ": vox_offset " + std::to_string(h.vox_offset) +
                         " is not a whole byte offset at or after the " +
                         std::to_string(static_cast<int>(header_end)) + "-byte header");
  }
  out.offset = static_cast<int64_t>(offset);
  if (!compressed && out.offset + out.data_bytes > file_size) {
    return MakeError(ErrorCode::kCorruptData,
                     name + ": truncated: header claims " + std::to_string(out.data_bytes) +
                         " bytes of voxels at offset " + std::to_string(out.offset) +
                         " but the file has " + std::to_string(file_size) + " bytes");
  }
  return out;
}

// nibabel's scaling: slope 0 or non-finite means none; a finite slope needs a finite intercept.
struct Scaling {
  double slope = 1, inter = 0;
  bool identity() const { return slope == 1 && inter == 0; }
};

Expected<Scaling> GetScaling(const RawHeader& h, const std::string& name) {
  if (h.scl_slope == 0 || !std::isfinite(h.scl_slope)) return Scaling{};
  if (!std::isfinite(h.scl_inter)) {
    return MakeError(
        ErrorCode::kCorruptData,
        name + ": scl_slope is " + std::to_string(h.scl_slope) + " but scl_inter is not finite");
  }
  return Scaling{h.scl_slope, h.scl_inter};
}

template <typename T>
constexpr bool kIsFloat = std::is_floating_point_v<T>;

float ToFloat(double v) {
  constexpr double kMax = std::numeric_limits<float>::max();
  if (v > kMax) return std::numeric_limits<float>::infinity();
  if (v < -kMax) return -std::numeric_limits<float>::infinity();
  return static_cast<float>(v);  // NaN stays NaN
}

template <typename O>
bool Fits(double lo, double hi) {
  return lo >= static_cast<double>(std::numeric_limits<O>::lowest()) &&
         hi <= static_cast<double>(std::numeric_limits<O>::max());
}

template <typename O, typename S>
AnyVolume Convert(std::span<const S> in, const Geometry& g, const Scaling& s) {
  Volume<O> out(g);
  auto dst = out.voxels();
  for (size_t n = 0; n < in.size(); ++n) {
    double v = static_cast<double>(in[n]);
    if (!s.identity()) v = v * s.slope + s.inter;
    if constexpr (kIsFloat<O>) {
      dst[n] = ToFloat(v);
    } else {
      dst[n] = static_cast<O>(v);  // callers checked the range and integrality
    }
  }
  return out;
}

// Turns stored voxels of type S into the volume type M the header contract promises (float32
// where scaling does not keep whole numbers in M's range). When M == S and the scaled values fit,
// `in_place` (the volume that owns `stored`, if any) is scaled where it lies and returned.
template <typename S, typename M>
Expected<AnyVolume> Decode(std::span<S> stored, Volume<S>* in_place, const Geometry& g,
                           const Scaling& s, const std::string& name) {
  if constexpr (kIsFloat<M>) {
    return Convert<float, S>(stored, g, s);
  } else {
    if (stored.empty()) return AnyVolume(Volume<M>(g));
    auto [lo_it, hi_it] = std::minmax_element(stored.begin(), stored.end());
    const double lo = static_cast<double>(*lo_it), hi = static_cast<double>(*hi_it);
    if (s.identity()) {
      if (!Fits<M>(lo, hi)) {
        return MakeError(ErrorCode::kUnsupported,
                         name + ": voxel values " + std::to_string(lo) + ".." + std::to_string(hi) +
                             " do not fit in " + VoxelTypeName(VoxelTypeOf<M>::value));
      }
      return Convert<M, S>(stored, g, s);
    }
    const bool integral = s.slope == std::floor(s.slope) && s.inter == std::floor(s.inter);
    const double a = lo * s.slope + s.inter, b = hi * s.slope + s.inter;
    if (!integral || !Fits<M>(std::min(a, b), std::max(a, b))) {
      return Convert<float, S>(stored, g, s);
    }
    if constexpr (std::is_same_v<S, M>) {
      if (in_place != nullptr) {
        for (auto& v : stored) v = static_cast<M>(static_cast<double>(v) * s.slope + s.inter);
        return AnyVolume(std::move(*in_place));
      }
    }
    return Convert<M, S>(stored, g, s);
  }
}

Status ReadInto(znzFile fp, nifti_image* nim, void* dst, const Layout& layout,
                const std::string& name) {
  const int64_t got = nifti_read_buffer(fp, dst, layout.data_bytes, nim);
  if (got != layout.data_bytes) {
    return MakeError(ErrorCode::kCorruptData,
                     name + ": truncated or unreadable voxel data (expected " +
                         std::to_string(layout.data_bytes) + " bytes at offset " +
                         std::to_string(layout.offset) + ")");
  }
  return Ok{};
}

// Reads straight into the result when the stored type is ours (the common case: no copy).
template <typename S, typename M>
Expected<AnyVolume> ReadVoxels(znzFile fp, nifti_image* nim, const Layout& layout,
                               const Geometry& g, const Scaling& s, const std::string& name) {
  if constexpr (std::is_same_v<S, M>) {
    Volume<S> direct(g);
    VISCERA_RETURN_IF_ERROR(ReadInto(fp, nim, direct.voxels().data(), layout, name));
    if (s.identity()) return AnyVolume(std::move(direct));
    return Decode<S, M>(direct.voxels(), &direct, g, s, name);
  } else {
    std::vector<S> stored(static_cast<size_t>(g.VoxelCount()));
    VISCERA_RETURN_IF_ERROR(ReadInto(fp, nim, stored.data(), layout, name));
    return Decode<S, M>(std::span<S>(stored), nullptr, g, s, name);
  }
}

Expected<AnyVolume> ReadByType(int datatype, znzFile fp, nifti_image* nim, const Layout& layout,
                               const Geometry& g, const Scaling& s, const std::string& name) {
  // clang-format off
  switch (datatype) {
    case NIFTI_TYPE_UINT8: return ReadVoxels<uint8_t, uint8_t>(fp, nim, layout, g, s, name);
    case NIFTI_TYPE_INT8: return ReadVoxels<int8_t, int16_t>(fp, nim, layout, g, s, name);
    case NIFTI_TYPE_INT16: return ReadVoxels<int16_t, int16_t>(fp, nim, layout, g, s, name);
    case NIFTI_TYPE_UINT16: return ReadVoxels<uint16_t, uint16_t>(fp, nim, layout, g, s, name);
    case NIFTI_TYPE_INT32: return ReadVoxels<int32_t, int32_t>(fp, nim, layout, g, s, name);
    case NIFTI_TYPE_UINT32: return ReadVoxels<uint32_t, int32_t>(fp, nim, layout, g, s, name);
    case NIFTI_TYPE_INT64: return ReadVoxels<int64_t, int32_t>(fp, nim, layout, g, s, name);
    case NIFTI_TYPE_UINT64: return ReadVoxels<uint64_t, int32_t>(fp, nim, layout, g, s, name);
    case NIFTI_TYPE_FLOAT32: return ReadVoxels<float, float>(fp, nim, layout, g, s, name);
    case NIFTI_TYPE_FLOAT64: return ReadVoxels<double, float>(fp, nim, layout, g, s, name);
    default: return MakeError(ErrorCode::kUnsupported, name + ": unsupported voxel type");
  }
  // clang-format on
}

// The NIfTI type written for each of our voxel types, in VoxelType order.
constexpr int kWriteType[] = {NIFTI_TYPE_UINT8, NIFTI_TYPE_INT16, NIFTI_TYPE_UINT16,
                              NIFTI_TYPE_INT32, NIFTI_TYPE_FLOAT32};
static_assert(static_cast<int>(VoxelType::kUInt8) == 0 &&
              static_cast<int>(VoxelType::kFloat32) == 4);

}  // namespace

Expected<AnyVolume> ReadNifti(const fs::path& path, const ReadLimits& limits) {
  QuietLibrary();
  const std::string name = path.string();
  const bool compressed = EndsWith(name, ".nii.gz");
  if (!compressed && !EndsWith(name, ".nii")) {
    return MakeError(ErrorCode::kUnsupported, name + ": not a .nii or .nii.gz file");
  }
  std::error_code ec;
  if (!fs::exists(path, ec)) return MakeError(ErrorCode::kNotFound, name + ": no such file");
  if (!fs::is_regular_file(path, ec)) {
    return MakeError(ErrorCode::kIoError, name + ": not a regular file");
  }
  const auto file_size = static_cast<int64_t>(fs::file_size(path, ec));
  if (ec) return MakeError(ErrorCode::kIoError, name + ": " + ec.message());
  if (file_size == 0) return MakeError(ErrorCode::kCorruptData, name + ": empty file");

  ZnzHandle fp(znzopen(name.c_str(), "rb", compressed ? 1 : 0));
  if (!fp) return MakeError(ErrorCode::kIoError, name + ": cannot open for reading");
  unsigned char bytes[sizeof(nifti_2_header)] = {};
  const size_t got = znzread(bytes, 1, sizeof bytes, fp.get());
  const size_t n = got > sizeof bytes ? 0 : got;  // znzread reports gzip errors as (size_t)-1
  VISCERA_ASSIGN_OR_RETURN(HeaderBytes header, ParseHeader(bytes, n, name));
  const RawHeader& h = header.raw;
  VISCERA_ASSIGN_OR_RETURN(Layout layout, CheckLayout(h, name, limits, compressed, file_size));
  VISCERA_ASSIGN_OR_RETURN(Scaling scaling, GetScaling(h, name));
  VISCERA_ASSIGN_OR_RETURN(Affine ras, NibabelAffine(h, name));
  auto geometry = Geometry::FromIndexToRas(ras, layout.size);
  if (!geometry) {
    return MakeError(ErrorCode::kCorruptData, name + ": bad geometry: " + geometry.error().message);
  }

  // The library builds its image description from the original (unswapped) bytes, so that it
  // knows whether to swap the voxels; we check it agrees with what we validated.
  NimHandle nim(h.version == 1 ? nifti_convert_n1hdr2nim(header.n1, name.c_str())
                               : nifti_convert_n2hdr2nim(header.n2, name.c_str()));
  if (!nim || nim->nx != layout.size[0] || nim->ny != layout.size[1] || nim->nz != layout.size[2] ||
      nim->datatype != h.datatype || nim->nbyper != layout.type.bytes) {
    return MakeError(ErrorCode::kCorruptData, name + ": the NIfTI library rejected the header");
  }
  nim->iname_offset = layout.offset;
  if (znzseek(fp.get(), static_cast<znz_off_t>(layout.offset), SEEK_SET) < 0) {
    return MakeError(ErrorCode::kCorruptData, name + ": cannot seek to voxel data at offset " +
                                                  std::to_string(layout.offset));
  }
  return ReadByType(h.datatype, fp.get(), nim.get(), layout, *geometry, scaling, name);
}

Status WriteNifti(const AnyVolume& volume, const fs::path& path) {
  QuietLibrary();
  const std::string name = path.string();
  const bool compressed = EndsWith(name, ".nii.gz");
  if (!compressed && !EndsWith(name, ".nii")) {
    return MakeError(ErrorCode::kInvalidArgument,
                     name + ": NIfTI output must end in .nii or .nii.gz");
  }
  const Geometry& g = GeometryOf(volume);
  for (int a = 0; a < 3; ++a) {
    if (g.size[a] < 1 || g.size[a] > std::numeric_limits<int16_t>::max()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       name + ": size along axis " + std::to_string(a) + " is " +
                           std::to_string(g.size[a]) + ", NIfTI-1 allows 1..32767");
    }
  }
  const VoxelType type = VoxelTypeOfVolume(volume);
  const int64_t dims[8] = {3, g.size[0], g.size[1], g.size[2], 1, 1, 1, 1};
  std::unique_ptr<nifti_1_header, decltype(&std::free)> hdr(
      nifti_make_new_n1_header(dims, kWriteType[static_cast<int>(type)]), &std::free);
  if (!hdr) return MakeError(ErrorCode::kIoError, name + ": cannot build a NIfTI header");

  // NIfTI-1 keeps the affine in float32 fields: refuse geometry that would not survive them
  // (ToFloat turns out-of-range values into infinities, which FromIndexToRas rejects).
  const Affine ras = g.IndexToRas();
  Affine stored = ras;
  nifti_dmat44 m{};
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 4; ++c) {
      m.m[r][c] = ras.m[r][c];
      if (r < 3) stored.m[r][c] = ToFloat(ras.m[r][c]);
    }
  }
  if (auto survives = Geometry::FromIndexToRas(stored, g.size); !survives) {
    return MakeError(ErrorCode::kInvalidArgument,
                     name + ": geometry cannot be stored in NIfTI-1's float32 fields: " +
                         survives.error().message);
  }
  double qb, qc, qd, qx, qy, qz, dx, dy, dz, qfac;
  nifti_dmat44_to_quatern(m, &qb, &qc, &qd, &qx, &qy, &qz, &dx, &dy, &dz, &qfac);
  hdr->pixdim[0] = ToFloat(qfac);
  for (int a = 0; a < 3; ++a) hdr->pixdim[a + 1] = ToFloat(g.spacing[a]);
  hdr->quatern_b = ToFloat(qb), hdr->quatern_c = ToFloat(qc), hdr->quatern_d = ToFloat(qd);
  hdr->qoffset_x = ToFloat(qx), hdr->qoffset_y = ToFloat(qy), hdr->qoffset_z = ToFloat(qz);
  for (int c = 0; c < 4; ++c) {
    hdr->srow_x[c] = static_cast<float>(stored.m[0][c]);
    hdr->srow_y[c] = static_cast<float>(stored.m[1][c]);
    hdr->srow_z[c] = static_cast<float>(stored.m[2][c]);
  }
  hdr->qform_code = NIFTI_XFORM_SCANNER_ANAT;
  hdr->sform_code = NIFTI_XFORM_SCANNER_ANAT;
  hdr->xyzt_units = SPACE_TIME_TO_XYZT(NIFTI_UNITS_MM, NIFTI_UNITS_UNKNOWN);
  hdr->scl_slope = 1.0f;
  hdr->scl_inter = 0.0f;
  hdr->vox_offset = 352.0f;
  std::snprintf(hdr->descrip, sizeof hdr->descrip, "Viscera");

  const void* data =
      std::visit([](const auto& v) -> const void* { return v.voxels().data(); }, volume);
  const size_t data_bytes = static_cast<size_t>(g.VoxelCount()) * VoxelTypeBytes(type);
  return WriteAtomically(path, [&](const fs::path& temp) -> Status {
    znzFile fp = znzopen(temp.c_str(), "wb", compressed ? 1 : 0);
    if (fp == nullptr) {
      return MakeError(ErrorCode::kIoError, name + ": cannot create " + temp.string());
    }
    const char extender[4] = {0, 0, 0, 0};
    bool ok = znzwrite(hdr.get(), sizeof(nifti_1_header), 1, fp) == 1;
    ok = ok && znzwrite(extender, 1, sizeof extender, fp) == sizeof extender;
    ok = ok && znzwrite(data, 1, data_bytes, fp) == data_bytes;
    const int closed = znzclose(fp);
    if (!ok || closed != 0) {
      return MakeError(ErrorCode::kIoError, name + ": write failed (disk full or I/O error)");
    }
    return Ok{};
  });
}

}  // namespace viscera
