// Recovery rules (Open): an import is published by one rename of its complete staged folder, so
// a folder in place is complete; one the store lacks (killed between rename and record) is simply
// indexed by Rescan. Staging leftovers (killed before the rename) and trash (killed after a
// delete's rename) are removed; store entries whose folder is gone are dropped. A settings
// version is one SQLite transaction: fully saved or absent. A kill after the commit but before
// the folder's render settings file is rewritten leaves that file one version behind; the store
// is the truth and the next save rewrites the file.
#include "datasets/dataset_catalog.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/log.h"
#include "datasets/crash_point.h"
#include "datasets/dataset_folder.h"
#include "datasets/zip_archive.h"
#include "io/atomic_file.h"
#include "io/clara_dataset_reader.h"

namespace viscera {
namespace fs = std::filesystem;
namespace {

constexpr const char* kHiddenDir = ".viscera";
constexpr size_t kMaxIdLength = 64;
constexpr int64_t kMaxConfigMetaBytes = int64_t{1} << 20;

// Everything under `folder` reaches the disk before the folder is renamed into place.
Status SyncTree(const fs::path& folder) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_symlink()) continue;
    VISCERA_RETURN_IF_ERROR(SyncPath(it->path(), it->is_directory()));
  }
  if (ec) return MakeError(ErrorCode::kIoError, folder.string() + ": " + ec.message());
  return SyncPath(folder, true);
}

// rename(2) would replace an empty directory at `to`; an import must never replace anything.
Status RenameNoReplace(const fs::path& from, const fs::path& to) {
  if (::syscall(SYS_renameat2, AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) !=
      0) {
    int e = errno;
    return MakeError(e == EEXIST ? ErrorCode::kInvalidArgument : ErrorCode::kIoError,
                     to.string() + ": cannot move into place: " + std::strerror(e));
  }
  return Ok{};
}

Error NoDataset(const std::string& id) {
  return MakeError(ErrorCode::kNotFound, "no dataset '" + id + "'");
}

// The render settings file config.meta names, when it is a plain file name; else the default.
std::string SettingsFileName(const fs::path& folder) {
  Expected<std::string> meta = ReadWholeFile(folder / "config.meta", kMaxConfigMetaBytes);
  if (meta.ok()) {
    try {
      auto json = nlohmann::json::parse(*meta);
      if (json.contains("settings") && json["settings"].is_string()) {
        std::string name = json["settings"].get<std::string>();
        if (ValidateDatasetId(name).ok()) return name;  // same character rules as ids
      }
    } catch (const nlohmann::json::exception&) {
      // ReadClaraDataset reports a broken config.meta; here the default is as good as any.
    }
  }
  return "config_render.json";
}

}  // namespace

Status ValidateDatasetId(const std::string& id) {
  auto bad = [&](const std::string& why) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid dataset id '" + id + "': " + why);
  };
  if (id.empty() || id.size() > kMaxIdLength) return bad("must be 1..64 characters");
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return bad("only letters, digits, '.', '_' and '-' are allowed");
  }
  if (id.front() == '.') return bad("must not start with '.'");
  return Ok{};
}

DatasetCatalog::DatasetCatalog(fs::path data_dir, std::unique_ptr<DatasetStore> store)
    : data_dir_(std::move(data_dir)), store_(std::move(store)) {}

fs::path DatasetCatalog::HiddenDir(const char* leaf) const {
  return data_dir_ / kHiddenDir / leaf;
}

Expected<fs::path> DatasetCatalog::CacheDirOf(const std::string& id) const {
  VISCERA_RETURN_IF_ERROR(ValidateDatasetId(id));
  return HiddenDir("cache") / id;
}

void DatasetCatalog::RemoveCache(const std::string& id) const {
  std::error_code ec;
  const fs::path dir = HiddenDir("cache") / id;
  fs::remove_all(dir, ec);
  if (ec) LogWarning(dir.string() + ": cannot remove: " + ec.message());
}

Expected<std::unique_ptr<DatasetCatalog>> DatasetCatalog::Open(const fs::path& data_dir) {
  std::error_code ec;
  fs::path dir = fs::canonical(data_dir, ec);
  if (ec || !fs::is_directory(dir, ec)) {
    return MakeError(ErrorCode::kNotFound, data_dir.string() + ": no such data folder");
  }
  const fs::path hidden = dir / kHiddenDir;
  fs::create_directories(hidden, ec);
  // Leftovers of a killed import (staging) or delete (trash): never part of any dataset.
  for (const char* leaf : {"staging", "trash"}) {
    fs::remove_all(hidden / leaf, ec);
    if (ec) LogWarning((hidden / leaf).string() + ": cannot remove leftovers: " + ec.message());
    fs::create_directories(hidden / leaf, ec);
    if (ec) return MakeError(ErrorCode::kIoError, (hidden / leaf).string() + ": " + ec.message());
  }
  VISCERA_ASSIGN_OR_RETURN(std::unique_ptr<DatasetStore> store,
                           DatasetStore::Open(hidden / "catalog.sqlite"));
  std::unique_ptr<DatasetCatalog> catalog(new DatasetCatalog(dir, std::move(store)));
  VISCERA_ASSIGN_OR_RETURN(int changes, catalog->Rescan());
  if (changes > 0) LogInfo(dir.string() + ": " + std::to_string(changes) + " catalog changes");
  return catalog;
}

Expected<fs::path> DatasetCatalog::FolderOf(const std::string& id) {
  return FolderOfLocked(id);  // reads only the file system: no lock needed
}

Expected<fs::path> DatasetCatalog::FolderOfLocked(const std::string& id) {
  VISCERA_RETURN_IF_ERROR(ValidateDatasetId(id));
  const fs::path path = data_dir_ / id;
  std::error_code ec;
  fs::file_status status = fs::symlink_status(path, ec);
  if (ec || !fs::exists(status)) return NoDataset(id);
  if (fs::is_symlink(status)) {
    fs::path target = fs::canonical(path, ec);
    if (ec) return NoDataset(id);
    if (target.parent_path() != data_dir_) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "dataset '" + id + "' is a link leading out of the data folder");
    }
  }
  if (!fs::is_directory(path, ec)) return NoDataset(id);
  return path;
}

Expected<int> DatasetCatalog::Rescan() {
  std::lock_guard lock(mutex_);
  return RescanLocked();
}

Expected<int> DatasetCatalog::RescanLocked() {
  int changes = 0;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(data_dir_, ec)) {
    const std::string id = e.path().filename().string();
    if (id.front() == '.' || !ValidateDatasetId(id).ok() || busy_.count(id) != 0) continue;
    Expected<fs::path> folder = FolderOfLocked(id);
    if (!folder.ok()) {
      LogWarning(e.path().string() + ": skipped: " + folder.error().message);
      continue;
    }
    if (!IsClaraDatasetFolder(*folder)) continue;
    VISCERA_ASSIGN_OR_RETURN(std::optional<DatasetRecord> known, store_->GetDataset(id));
    if (known.has_value()) continue;
    Expected<DatasetRecord> record = DescribeDatasetFolder(*folder, id);
    if (!record.ok()) {
      LogWarning(e.path().string() + ": not indexed: " + record.error().ToString());
      continue;
    }
    RemoveCache(id);
    VISCERA_RETURN_IF_ERROR(store_->PutDataset(*record));
    ++changes;
  }
  if (ec) return MakeError(ErrorCode::kIoError, data_dir_.string() + ": " + ec.message());
  VISCERA_ASSIGN_OR_RETURN(std::vector<DatasetRecord> records, store_->ListDatasets());
  for (const DatasetRecord& r : records) {
    Expected<fs::path> folder = FolderOfLocked(r.id);
    if (folder.ok() && IsClaraDatasetFolder(*folder)) continue;
    VISCERA_RETURN_IF_ERROR(store_->RemoveDataset(r.id));
    RemoveCache(r.id);
    ++changes;
  }
  return changes;
}

std::vector<DatasetRecord> DatasetCatalog::List() {
  Expected<std::vector<DatasetRecord>> records = store_->ListDatasets();
  if (!records.ok()) {
    LogError(records.error().ToString());
    return {};
  }
  return std::move(records).value();
}

Expected<DatasetRecord> DatasetCatalog::Get(const std::string& id) {
  VISCERA_RETURN_IF_ERROR(ValidateDatasetId(id));
  VISCERA_ASSIGN_OR_RETURN(std::optional<DatasetRecord> record, store_->GetDataset(id));
  if (!record.has_value()) return NoDataset(id);
  return std::move(*record);
}

Expected<DatasetRecord> DatasetCatalog::Import(const ImportRequest& request) {
  const std::string& id = request.id;
  VISCERA_RETURN_IF_ERROR(ValidateDatasetId(id));
  auto exists = [&](const std::string& why) {
    return MakeError(ErrorCode::kInvalidArgument, "dataset '" + id + "' already exists" + why);
  };
  {
    std::lock_guard lock(mutex_);
    std::error_code ec;
    if (busy_.count(id) != 0) return exists(" (being imported)");
    if (fs::exists(fs::symlink_status(data_dir_ / id, ec))) return exists("");
    VISCERA_ASSIGN_OR_RETURN(std::optional<DatasetRecord> known, store_->GetDataset(id));
    if (known.has_value()) return exists("");
    busy_.insert(id);
  }
  const fs::path work = HiddenDir("staging") / (id + "-" + RandomHexTag(12));
  struct Cleanup {  // releases the id and the scratch folder however the import ends
    DatasetCatalog* catalog;
    std::string id;
    fs::path work;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(work, ec);
      std::lock_guard lock(catalog->mutex_);
      catalog->busy_.erase(id);
    }
  } cleanup{this, id, work};
  std::error_code ec;
  fs::create_directories(work, ec);
  if (ec) return MakeError(ErrorCode::kIoError, work.string() + ": " + ec.message());

  const fs::path staged = work / "dataset";
  VISCERA_RETURN_IF_ERROR(BuildImportedDataset(request, work, staged));
  if (request.progress) request.progress("index", 0);
  // Read back what was built: only a folder the catalog can serve is published.
  VISCERA_ASSIGN_OR_RETURN(DatasetRecord record, DescribeDatasetFolder(staged, id));
  VISCERA_RETURN_IF_ERROR(SyncTree(staged));
  CrashPoint("import-before-publish");
  {
    std::lock_guard lock(mutex_);
    const fs::path destination = data_dir_ / id;
    Status moved = RenameNoReplace(staged, destination);
    if (!moved.ok()) {
      if (moved.error().code == ErrorCode::kInvalidArgument) return exists("");
      return moved.error();
    }
    VISCERA_RETURN_IF_ERROR(SyncPath(data_dir_, true));
    CrashPoint("import-after-publish");
    RemoveCache(id);
    Status put = store_->PutDataset(record);
    if (!put.ok()) {
      // Not recorded: take the folder back out so the import fails as a whole.
      const fs::path trash = HiddenDir("trash") / (id + "-" + RandomHexTag(12));
      fs::rename(destination, trash, ec);
      if (!ec) fs::remove_all(trash, ec);
      return put.error();
    }
  }
  if (request.progress) request.progress("done", 1);
  LogInfo("imported dataset '" + id + "' (" + std::to_string(record.size_bytes) + " bytes)");
  return record;
}

Status DatasetCatalog::Delete(const std::string& id) {
  VISCERA_RETURN_IF_ERROR(ValidateDatasetId(id));
  std::lock_guard lock(mutex_);
  if (busy_.count(id) != 0) return NoDataset(id);
  VISCERA_ASSIGN_OR_RETURN(std::optional<DatasetRecord> known, store_->GetDataset(id));
  std::error_code ec;
  const fs::path path = data_dir_ / id;
  const bool on_disk = fs::exists(fs::symlink_status(path, ec));
  if (!on_disk && !known.has_value()) return NoDataset(id);
  fs::path trash;
  if (on_disk) {
    // One rename takes the whole folder (or the link) out of the data folder at once.
    trash = HiddenDir("trash") / (id + "-" + RandomHexTag(12));
    fs::rename(path, trash, ec);
    if (ec)
      return MakeError(ErrorCode::kIoError, path.string() + ": cannot remove: " + ec.message());
    VISCERA_RETURN_IF_ERROR(SyncPath(data_dir_, true));
    CrashPoint("delete-after-trash");
  }
  VISCERA_RETURN_IF_ERROR(store_->RemoveDataset(id));
  RemoveCache(id);
  if (!trash.empty()) {
    fs::remove_all(trash, ec);  // a leftover is removed by the next Open
    if (ec) LogWarning(trash.string() + ": " + ec.message());
  }
  LogInfo("deleted dataset '" + id + "'");
  return Ok{};
}

Expected<int64_t> DatasetCatalog::SaveSettings(const std::string& id,
                                               const std::string& settings_json,
                                               const std::string& clara_json,
                                               const std::string& note) {
  VISCERA_RETURN_IF_ERROR(ValidateDatasetId(id));
  if (!clara_json.empty() && !nlohmann::json::accept(clara_json)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "dataset '" + id + "': Clara render settings are not JSON");
  }
  std::lock_guard lock(mutex_);  // the folder cannot be deleted while its file is rewritten
  VISCERA_ASSIGN_OR_RETURN(fs::path folder, FolderOfLocked(id));
  VISCERA_ASSIGN_OR_RETURN(int64_t version, store_->AddSettingsVersion(id, settings_json, note));
  CrashPoint("settings-after-commit");
  if (!clara_json.empty()) {
    const fs::path file = folder / SettingsFileName(folder);
    Status written = WriteFileAtomically(file, clara_json);
    if (!written.ok()) {
      return MakeError(written.error().code, "dataset '" + id + "': settings version " +
                                                 std::to_string(version) + " saved, but " +
                                                 written.error().message);
    }
  }
  return version;
}

Expected<std::vector<SettingsVersion>> DatasetCatalog::ListSettings(const std::string& id) {
  VISCERA_RETURN_IF_ERROR(Get(id));
  return store_->ListSettingsVersions(id);
}

Expected<SettingsVersion> DatasetCatalog::GetSettings(const std::string& id, int64_t version) {
  VISCERA_RETURN_IF_ERROR(ValidateDatasetId(id));
  if (version < 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "settings version must be >= 0, got " + std::to_string(version));
  }
  VISCERA_ASSIGN_OR_RETURN(std::optional<SettingsVersion> found,
                           store_->GetSettingsVersion(id, version));
  if (!found.has_value()) {
    return MakeError(ErrorCode::kNotFound, version == 0
                                               ? "dataset '" + id + "' has no saved settings"
                                               : "dataset '" + id + "' has no settings version " +
                                                     std::to_string(version));
  }
  return std::move(*found);
}

Status DatasetCatalog::ExportZip(const std::string& id, const fs::path& zip_file) {
  std::lock_guard lock(mutex_);  // not deleted while being read
  VISCERA_ASSIGN_OR_RETURN(fs::path folder, FolderOfLocked(id));
  return WriteZip(folder, zip_file);
}

}  // namespace viscera
