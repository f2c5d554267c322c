// libFuzzer target for Clara dataset folders (io/clara_dataset_reader.h): config.meta comes from
// elsewhere and names the files to read; the reader must refuse names leaving the folder and
// never crash. A small valid density and mask sit next to it so good names reach the volume
// reader.
#include <cstdint>

#include "core/volume.h"
#include "fuzz_support.h"
#include "io/clara_dataset_reader.h"
#include "io/volume_file.h"

namespace {

const std::filesystem::path& Folder() {
  static const std::filesystem::path folder = [] {
    const auto dir = viscera::fuzz::WorkDir("clara_dataset") / "dataset";
    std::filesystem::create_directories(dir);
    viscera::Geometry g;
    g.size = {4, 3, 2};
    viscera::Volume<int16_t> ct(g);
    viscera::Volume<uint8_t> mask(g);
    for (auto& v : ct.voxels()) v = 40;
    for (auto& v : mask.voxels()) v = 1;
    (void)viscera::WriteVolume(viscera::AnyVolume(std::move(ct)), dir / "ct.mhd");
    (void)viscera::WriteVolume(viscera::AnyVolume(std::move(mask)), dir / "ct.output.mhd");
    return dir;
  }();
  return folder;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  viscera::fuzz::WriteFile(Folder() / "config.meta", data, size);
  auto dataset = viscera::ReadClaraDataset(Folder());
  if (dataset.ok() && dataset->mask &&
      !dataset->mask->geometry().SameGrid(dataset->image.geometry())) {
    __builtin_trap();  // the reader promised the mask is on the image's grid
  }
  return 0;
}
