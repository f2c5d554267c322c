// libFuzzer target for the NIfTI reader: the input is written as in.nii and as in.nii.gz (which
// the reader decompresses when the bytes are gzip, and reads as-is otherwise) and read back.
// Whatever reads successfully must survive a write + read with the same voxels and placement.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>

#include "fuzz_support.h"
#include "io/nifti_io.h"

namespace fs = std::filesystem;

namespace {

const fs::path& WorkDir() {
  return viscera::fuzz::WorkDir("nifti-fuzz");
}
using viscera::fuzz::WriteFile;

// Bit-for-bit equal voxels; after a write + read, non-finite floats in `a` are expected as 0 (the
// NIfTI library's reader replaces them).
bool SameVoxels(const viscera::AnyVolume& a, const viscera::AnyVolume& b, bool written = false) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&](const auto& va) {
        const auto& vb = std::get<std::decay_t<decltype(va)>>(b);
        if (va.voxels().size() != vb.voxels().size()) return false;
        for (size_t n = 0; n < va.voxels().size(); ++n) {
          auto expected = va.voxels()[n];
          if constexpr (std::is_floating_point_v<decltype(expected)>) {
            if (written && !std::isfinite(expected)) expected = 0;
          }
          if (std::memcmp(&expected, &vb.voxels()[n], sizeof expected) != 0) return false;
        }
        return true;
      },
      a);
}

// Placement survives NIfTI-1's float32 fields to float32 precision.
bool SamePlacement(const viscera::Geometry& a, const viscera::Geometry& b) {
  if (a.size != b.size) return false;
  const viscera::Affine ma = a.IndexToRas(), mb = b.IndexToRas();
  double scale = 1;
  for (const auto& row : ma.m) {
    for (double x : row) scale = std::max(scale, std::abs(x));
  }
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 4; ++c) {
      if (!(std::abs(ma.m[r][c] - mb.m[r][c]) <= 1e-5 * scale)) return false;
    }
  }
  return true;
}

void RoundTrip(const viscera::AnyVolume& volume, const char* name) {
  const fs::path out = WorkDir() / name;
  viscera::Status written = viscera::WriteNifti(volume, out);
  if (!written) {
    // Only geometry beyond float32 (or a grid beyond NIfTI-1's int16 dims) may be refused.
    if (written.error().code != viscera::ErrorCode::kInvalidArgument) __builtin_trap();
    return;
  }
  auto again = viscera::ReadNifti(out);
  if (!again || !SameVoxels(volume, *again, /*written=*/true)) __builtin_trap();
  if (!SamePlacement(viscera::GeometryOf(volume), viscera::GeometryOf(*again))) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  viscera::ReadLimits limits;
  limits.max_bytes = int64_t{64} << 20;  // stay far below the fuzzer's RSS limit
  const fs::path dir = WorkDir();
  WriteFile(dir / "in.nii", data, size);
  WriteFile(dir / "in.nii.gz", data, size);
  auto plain = viscera::ReadNifti(dir / "in.nii", limits);
  auto gz = viscera::ReadNifti(dir / "in.nii.gz", limits);
  for (const auto* result : {&plain, &gz}) {
    if (!result->ok() && (result->error().message.find("in.nii") == std::string::npos)) {
      __builtin_trap();  // every error names the file
    }
  }
  const bool gzip_bytes = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  if (!gzip_bytes) {
    // Plain bytes read the same whichever name they have.
    if (plain.ok() != gz.ok()) __builtin_trap();
    if (plain.ok() && !SameVoxels(*plain, *gz)) __builtin_trap();
    if (!plain.ok() && plain.error().code != gz.error().code) __builtin_trap();
  }
  if (plain.ok()) RoundTrip(*plain, size % 2 ? "out.nii" : "out.nii.gz");
  if (gz.ok()) RoundTrip(*gz, size % 2 ? "out.nii.gz" : "out.nii");
  return 0;
}
