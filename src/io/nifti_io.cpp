#include "io/nifti_io.h"

// Placeholder until the NIfTI adapter lands.
namespace viscera {
Expected<AnyVolume> ReadNifti(const std::filesystem::path& path, const ReadLimits&) {
  return MakeError(ErrorCode::kUnsupported, path.string() + ": NIfTI reading not built yet");
}
Status WriteNifti(const AnyVolume&, const std::filesystem::path& path) {
  return MakeError(ErrorCode::kUnsupported, path.string() + ": NIfTI writing not built yet");
}
}  // namespace viscera
