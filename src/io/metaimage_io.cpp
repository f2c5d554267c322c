#include "io/metaimage_io.h"

// Placeholder until the MetaImage reader lands.
namespace viscera {
Expected<AnyVolume> ReadMetaImage(const std::filesystem::path& path, const ReadLimits&) {
  return MakeError(ErrorCode::kUnsupported, path.string() + ": MetaImage reading not built yet");
}
Status WriteMetaImage(const AnyVolume&, const std::filesystem::path& path,
                      const MetaImageWriteOptions&) {
  return MakeError(ErrorCode::kUnsupported, path.string() + ": MetaImage writing not built yet");
}
}  // namespace viscera
