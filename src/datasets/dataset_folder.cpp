#include "datasets/dataset_folder.h"

#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/log.h"
#include "io/atomic_file.h"
#include "io/clara_dataset_reader.h"
#include "io/label_names.h"

namespace viscera {
namespace fs = std::filesystem;
namespace {

constexpr int64_t kMaxStatsJsonBytes = int64_t{16} << 20;

// Names by id from labels.json, else stats.json; empty when neither is there or readable (a
// broken names file costs the names, not the dataset).
std::map<uint16_t, std::string> LabelNamesOf(const fs::path& folder) {
  std::map<uint16_t, std::string> names;
  std::error_code ec;
  if (fs::is_regular_file(folder / "labels.json", ec)) {
    Expected<LabelTable> table = ReadLabelNames(folder / "labels.json");
    if (table.ok()) {
      for (const LabelEntry& e : table->entries()) names[e.id] = e.name;
      return names;
    }
    LogWarning(table.error().ToString());
  }
  if (fs::is_regular_file(folder / "stats.json", ec)) {
    Expected<std::string> text = ReadWholeFile(folder / "stats.json", kMaxStatsJsonBytes);
    if (!text.ok()) return names;
    try {
      // The document must outlive the loop (a temporary's member would dangle before C++23).
      const nlohmann::json stats = nlohmann::json::parse(*text);
      for (const auto& organ : stats.at("organs")) {
        auto id = organ.at("id").get<int64_t>();
        if (id > 0 && id <= 65535) {
          names[static_cast<uint16_t>(id)] = organ.at("name").get<std::string>();
        }
      }
    } catch (const nlohmann::json::exception& e) {
      LogWarning((folder / "stats.json").string() + ": no label names: " + e.what());
    }
  }
  return names;
}

}  // namespace

int64_t FolderBytes(const fs::path& folder) {
  int64_t total = 0;
  std::error_code ec;
  fs::recursive_directory_iterator it(folder, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) {
      total += static_cast<int64_t>(it->file_size(ec));
    }
  }
  return total;
}

std::string LabelNamesJson(const LabelTable& table) {
  nlohmann::json out = nlohmann::json::object();
  for (const LabelEntry& e : table.entries()) out[std::to_string(e.id)] = e.name;
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Expected<DatasetRecord> DescribeDatasetFolder(const fs::path& folder, const std::string& id) {
  VISCERA_ASSIGN_OR_RETURN(ClaraDatasetFiles files, ReadClaraDataset(folder));
  DatasetRecord record;
  record.id = id;
  record.name = files.name;
  const Geometry& g = files.image.geometry();
  for (int a = 0; a < 3; ++a) {
    record.dimensions[a] = g.size[a];
    record.spacing_mm[a] = g.spacing[a];
  }
  if (files.mask.has_value()) {
    std::vector<bool> present(65536, false);
    for (uint16_t v : files.mask->voxels()) present[v] = true;
    std::map<uint16_t, std::string> names = LabelNamesOf(folder);
    for (size_t v = 1; v < present.size(); ++v) {
      if (!present[v]) continue;
      auto found = names.find(static_cast<uint16_t>(v));
      record.labels.emplace_back(static_cast<uint16_t>(v),
                                 found == names.end() ? std::string() : found->second);
    }
  }
  record.size_bytes = FolderBytes(folder);
  record.created = UtcNowIso8601();
  return record;
}

}  // namespace viscera
