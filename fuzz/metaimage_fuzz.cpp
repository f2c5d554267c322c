// libFuzzer target for the MetaImage reader: the input is written as a .mha file, as a .mhd file
// (LOCAL data, or a data file beside it: the same bytes are also there as data.raw / data.zraw),
// and read back. Whatever reads successfully must survive a write + read unchanged.
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>

#include "fuzz_support.h"
#include "io/metaimage_io.h"

namespace fs = std::filesystem;

namespace {

const fs::path& WorkDir() {
  return viscera::fuzz::WorkDir("metaimage-fuzz");
}
using viscera::fuzz::WriteFile;

bool SameVolume(const viscera::AnyVolume& a, const viscera::AnyVolume& b) {
  if (a.index() != b.index()) return false;
  const viscera::Geometry& ga = viscera::GeometryOf(a);
  const viscera::Geometry& gb = viscera::GeometryOf(b);
  if (ga.size != gb.size || ga.spacing != gb.spacing || ga.origin != gb.origin ||
      ga.direction.m != gb.direction.m) {
    return false;
  }
  return std::visit(
      [&](const auto& va) {
        const auto& vb = std::get<std::decay_t<decltype(va)>>(b);
        return std::memcmp(va.voxels().data(), vb.voxels().data(), va.voxels().size_bytes()) == 0;
      },
      a);
}

void RoundTrip(const viscera::AnyVolume& volume, const char* name, bool compress) {
  const fs::path out = WorkDir() / name;
  viscera::Status written = viscera::WriteMetaImage(volume, out, {compress});
  if (!written) __builtin_trap();  // writing a volume we just read must work
  auto again = viscera::ReadMetaImage(out);
  if (!again || !SameVolume(volume, *again)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  viscera::ReadLimits limits;
  limits.max_bytes = int64_t{64} << 20;  // stay far below the fuzzer's RSS limit
  const fs::path dir = WorkDir();
  WriteFile(dir / "data.raw", data, size);
  WriteFile(dir / "data.zraw", data, size);
  WriteFile(dir / "in.mha", data, size);
  WriteFile(dir / "in.mhd", data, size);
  auto mha = viscera::ReadMetaImage(dir / "in.mha", limits);
  auto mhd = viscera::ReadMetaImage(dir / "in.mhd", limits);
  // The extension never changes how a file is read.
  if (mha.ok() != mhd.ok()) __builtin_trap();
  if (mha.ok()) {
    if (!SameVolume(*mha, *mhd)) __builtin_trap();
    RoundTrip(*mha, "out.mha", size % 2 == 0);
    RoundTrip(*mha, "out.mhd", size % 2 == 1);
  } else if (mha.error().message.empty() || mha.error().code != mhd.error().code) {
    __builtin_trap();
  }
  return 0;
}
