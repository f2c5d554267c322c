#include "service/thumbnails.h"

#include "core/check.h"
#include "core/log.h"
#include "datasets/dataset_catalog.h"
#include "io/atomic_file.h"
#include "render/volume_renderer.h"
#include "service/jpeg_codec.h"
#include "service/scene_source.h"

namespace viscera {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kMaxThumbnailBytes = int64_t{8} << 20;  // 512^2 px at 4:4:4 stays far below

// Removes the thumbnails of other settings versions than `version` (older pictures).
void RemoveOtherVersions(const fs::path& cache_dir, int64_t version) {
  const std::string keep = "thumbnail-v" + std::to_string(version) + "-";
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(cache_dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("thumbnail-v", 0) == 0 && name.rfind(keep, 0) != 0) fs::remove(e.path(), ec);
  }
}

}  // namespace

fs::path ThumbnailFile(const fs::path& cache_dir, int64_t version, int size) {
  return cache_dir /
         ("thumbnail-v" + std::to_string(version) + "-" + std::to_string(size) + ".jpg");
}

Expected<std::string> DatasetThumbnail(DatasetCatalog& catalog, SceneSource& scenes,
                                       const std::string& id, int size) {
  VISCERA_CHECK(size >= kMinThumbnailSize && size <= kMaxThumbnailSize, "thumbnail size");
  VISCERA_ASSIGN_OR_RETURN(DatasetRecord record, catalog.Get(id));
  VISCERA_ASSIGN_OR_RETURN(fs::path cache_dir, catalog.CacheDirOf(id));
  if (auto cached = ReadWholeFile(ThumbnailFile(cache_dir, record.settings_version, size),
                                  kMaxThumbnailBytes);
      cached.ok()) {
    return cached;
  }

  VISCERA_ASSIGN_OR_RETURN(std::shared_ptr<const Scene> scene, scenes.Open(id));
  VISCERA_ASSIGN_OR_RETURN(StartingSettings start, scenes.Starting(*scene));
  VolumeRenderer renderer(scene->volume);
  const RgbImage image = renderer.Render(start.settings, size, size, RenderQuality::kFull);
  JpegEncoder encoder;
  VISCERA_ASSIGN_OR_RETURN(std::string jpeg, encoder.Encode(image, kFullJpegQuality));

  // Not cached when the dataset changed meanwhile (deleted, or deleted and imported again).
  Expected<DatasetRecord> now = catalog.Get(id);
  if (now.ok() && now->created == record.created) {
    std::error_code ec;
    fs::create_directories(cache_dir, ec);
    Status written = WriteFileAtomically(ThumbnailFile(cache_dir, start.version, size), jpeg);
    if (written.ok()) {
      RemoveOtherVersions(cache_dir, start.version);
    } else {
      LogWarning("thumbnail of dataset " + id + " not cached: " + written.error().ToString());
    }
  }
  return jpeg;
}

}  // namespace viscera
