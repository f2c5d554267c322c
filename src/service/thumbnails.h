// Dataset thumbnails for listings (GET /api/datasets/{id}/thumbnail): a square JPEG rendered on
// the CPU at full quality from the dataset's latest saved settings (its camera, transfer
// function, organs), cached as a file in the catalog's cache folder of the dataset
// (DATA_DIR/.viscera/cache/<id>/thumbnail-v<settings version>-<size>.jpg). A page of datasets
// loads each volume only the first time; a new saved version makes a new file; the catalog drops
// the folder with the dataset, so a re-import under the same id never shows an old picture.
#pragma once

#include <filesystem>
#include <string>

#include "core/expected.h"

namespace viscera {

class DatasetCatalog;
class SceneSource;

inline constexpr int kMinThumbnailSize = 32;
inline constexpr int kMaxThumbnailSize = 512;
inline constexpr int kDefaultThumbnailSize = 192;

// The cache file of a settings version at size x size px, inside a dataset's cache folder.
std::filesystem::path ThumbnailFile(const std::filesystem::path& cache_dir, int64_t version,
                                    int size);

// The JPEG of dataset `id`, size x size px (kMinThumbnailSize..kMaxThumbnailSize, checked): the
// cached file when there is one for the latest settings version, else rendered (and cached, and
// other versions' files removed). kNotFound for an unknown dataset; a failure to write the cache
// is only logged.
Expected<std::string> DatasetThumbnail(DatasetCatalog& catalog, SceneSource& scenes,
                                       const std::string& id, int size);

}  // namespace viscera
