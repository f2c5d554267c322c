#include "io/clara_dataset_reader.h"

#include <nlohmann/json.hpp>

#include "core/label_map.h"
#include "io/atomic_file.h"
#include "io/metaimage_header.h"
#include "io/volume_file.h"

namespace viscera {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr int64_t kMaxMetaBytes = 1 << 20;
constexpr int64_t kMaxSettingsBytes = 16 << 20;

// A file that config.meta names, as a path inside `folder`. Names come from a file that may have
// been made elsewhere, so "../x", "/etc/x", "sub/x" and links out of the folder are refused.
Expected<fs::path> FileInFolder(const fs::path& folder, const fs::path& meta, const json& entry,
                                const std::string& field) {
  if (!entry.is_string()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     meta.string() + ": " + field + " is not a file name: " + entry.dump());
  }
  const std::string name = entry.get<std::string>();
  if (name.empty() || name == "." || name == ".." ||
      name.find_first_of("/\\") != std::string::npos || fs::path(name).is_absolute()) {
    std::string message = meta.string();
    message += ": ";
    message += field;
    message += " '";
    message += name;
    message += "' is not a plain file name inside the dataset folder";
    return MakeError(ErrorCode::kInvalidArgument, std::move(message));
  }
  const fs::path path = folder / name;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return MakeError(ErrorCode::kNotFound,
                     path.string() + ": file named by " + meta.string() + " does not exist");
  }
  if (fs::is_symlink(fs::symlink_status(path, ec))) {
    std::error_code target_ec, folder_ec;
    const fs::path target = fs::canonical(path, target_ec);
    const fs::path inside = fs::canonical(folder, folder_ec);
    const fs::path relative = target.lexically_relative(inside);
    if (target_ec || folder_ec || relative.empty() || *relative.begin() == "..") {
      return MakeError(ErrorCode::kInvalidArgument,
                       path.string() + ": symbolic link leads out of the dataset folder");
    }
  }
  return path;
}

// A MetaImage header names its data file too (ElementDataFile): that name must stay inside the
// folder as well, or a dataset from elsewhere could make us read any file.
Status DataFileInFolder(const fs::path& folder, const fs::path& volume) {
  if (volume.extension() != ".mhd") return Ok{};
  VISCERA_ASSIGN_OR_RETURN(const std::string text, ReadWholeFile(volume, kMaxMetaBytes));
  VISCERA_ASSIGN_OR_RETURN(MetaImageHeader header, ParseMetaImageHeader(text, volume.string()));
  if (header.local()) return Ok{};
  VISCERA_ASSIGN_OR_RETURN(fs::path data,
                           FileInFolder(folder, volume, json(header.data_file), "ElementDataFile"));
  (void)data;
  return Ok{};
}

}  // namespace

bool IsClaraDatasetFolder(const fs::path& folder) {
  std::error_code ec;
  return fs::is_directory(folder, ec) && fs::is_regular_file(folder / "config.meta", ec);
}

Expected<ClaraDatasetFiles> ReadClaraDataset(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    return MakeError(ErrorCode::kNotFound, folder.string() + ": dataset folder does not exist");
  }
  const fs::path meta_path = folder / "config.meta";
  if (!fs::exists(meta_path, ec)) {
    return MakeError(ErrorCode::kNotFound,
                     folder.string() + ": no config.meta (not a Clara dataset folder)");
  }
  VISCERA_ASSIGN_OR_RETURN(const std::string meta_text, ReadWholeFile(meta_path, kMaxMetaBytes));
  const json meta = json::parse(meta_text, nullptr, /*allow_exceptions=*/false);
  if (meta.is_discarded() || !meta.is_object()) {
    return MakeError(ErrorCode::kCorruptData, meta_path.string() + ": not a JSON object");
  }

  ClaraDatasetFiles files;
  files.name = folder.filename().string();
  if (files.name.empty()) files.name = folder.parent_path().filename().string();  // "a/b/"
  if (const auto it = meta.find("name"); it != meta.end()) {
    if (!it->is_string()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       meta_path.string() + ": name is not a string: " + it->dump());
    }
    files.name = it->get<std::string>();
  }

  // data: the first "DXYZ" entry is the density, the first "MXYZ" one the mask.
  const auto data = meta.find("data");
  if (data == meta.end() || !data->is_array()) {
    return MakeError(ErrorCode::kInvalidArgument, meta_path.string() + ": no \"data\" array");
  }
  std::optional<fs::path> density_path, mask_path;
  for (size_t n = 0; n < data->size(); ++n) {
    const json& entry = (*data)[n];
    const std::string field = "data[" + std::to_string(n) + "]";
    if (!entry.is_object() || !entry.contains("file") || !entry.contains("order")) {
      return MakeError(ErrorCode::kInvalidArgument,
                       meta_path.string() + ": " + field + " lacks \"file\" or \"order\"");
    }
    const json& order = entry["order"];
    std::optional<fs::path>* slot = nullptr;
    if (order == "DXYZ") {
      slot = &density_path;
    } else if (order == "MXYZ") {
      slot = &mask_path;
    } else {
      return MakeError(ErrorCode::kInvalidArgument, meta_path.string() + ": " + field + ".order " +
                                                        order.dump() +
                                                        " is not \"DXYZ\" or \"MXYZ\"");
    }
    if (slot->has_value()) continue;  // later entries of the same order are not read
    VISCERA_ASSIGN_OR_RETURN(*slot,
                             FileInFolder(folder, meta_path, entry["file"], field + ".file"));
  }
  if (!density_path) {
    return MakeError(ErrorCode::kInvalidArgument,
                     meta_path.string() + ": no density entry (order \"DXYZ\")");
  }

  VISCERA_RETURN_IF_ERROR(DataFileInFolder(folder, *density_path));
  VISCERA_ASSIGN_OR_RETURN(LoadedVolume density, ReadVolume(*density_path));
  VISCERA_ASSIGN_OR_RETURN(files.image, ToHounsfield(density.volume, density_path->string()));
  if (mask_path) {
    VISCERA_RETURN_IF_ERROR(DataFileInFolder(folder, *mask_path));
    VISCERA_ASSIGN_OR_RETURN(LoadedVolume mask, ReadVolume(*mask_path));
    // Ids widened to uint16 and checked against the density's grid, as for any label map.
    auto ids = LabelMap::Create(files.image.geometry(), mask.volume, LabelTable{});
    if (!ids.ok()) {
      std::string message = mask_path->string();
      message += ": mask and density ";
      message += density_path->filename().string();
      message += ": ";
      message += ids.error().message;
      return MakeError(ids.error().code, std::move(message));
    }
    files.mask = std::move(ids->labels);
  }
  // No settings, or an empty name: the renderer's defaults.
  if (const auto it = meta.find("settings"); it != meta.end() && !it->is_null() && *it != "") {
    VISCERA_ASSIGN_OR_RETURN(files.settings_path, FileInFolder(folder, meta_path, *it, "settings"));
    VISCERA_ASSIGN_OR_RETURN(files.settings_json,
                             ReadWholeFile(files.settings_path, kMaxSettingsBytes));
  }
  return files;
}

}  // namespace viscera
