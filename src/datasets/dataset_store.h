// The dataset service's records: each dataset's metadata and every saved version of its render
// settings, in one SQLite file (WAL mode; every write is one transaction, so a crash leaves each
// write fully there or not at all). Only dataset_store.cpp includes sqlite3.h.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/expected.h"

namespace viscera {

struct DatasetRecord {
  std::string id;    // the dataset folder's name under the data dir
  std::string name;  // display name (config.meta "name")
  std::string modality = "CT";
  int64_t size_bytes = 0;  // bytes of the folder's files
  std::array<int64_t, 3> dimensions{0, 0, 0};
  std::array<double, 3> spacing_mm{0, 0, 0};
  std::vector<std::pair<uint16_t, std::string>> labels;  // ids present, names ("" when unknown)
  std::string created;                                   // ISO 8601 UTC, when indexed/imported
  int64_t settings_version = 0;  // latest saved settings version, 0 = none saved (derived)
};

struct SettingsVersion {
  int64_t version = 0;  // 1, 2, ... per dataset
  std::string created;  // ISO 8601 UTC
  std::string note;
  std::string settings_json;  // Viscera's settings JSON (opaque text to the store)
};

// The current time as ISO 8601 UTC, "2024-05-01T12:34:56Z".
std::string UtcNowIso8601();

// Thread-safe: one connection behind an internal mutex. Errors (kIoError, kCorruptData for a file
// that is not a usable database) name the database file.
class DatasetStore {
 public:
  static Expected<std::unique_ptr<DatasetStore>> Open(const std::filesystem::path& db_file);
  ~DatasetStore();
  DatasetStore(const DatasetStore&) = delete;
  DatasetStore& operator=(const DatasetStore&) = delete;

  // Inserts or replaces the metadata (record.settings_version is ignored: it is derived from the
  // saved versions, which are kept).
  Status PutDataset(const DatasetRecord& record);
  // Removes the metadata and every settings version; Ok when there was nothing.
  Status RemoveDataset(const std::string& id);
  Expected<std::vector<DatasetRecord>> ListDatasets();  // sorted by id
  Expected<std::optional<DatasetRecord>> GetDataset(const std::string& id);

  // Adds version latest + 1 in one transaction and returns it; kNotFound for an unknown dataset.
  // Holds the crash point "settings-in-transaction" just before COMMIT.
  Expected<int64_t> AddSettingsVersion(const std::string& id, const std::string& settings_json,
                                       const std::string& note);
  // Newest first, settings_json left empty (the list is for choosing; GetSettingsVersion loads).
  Expected<std::vector<SettingsVersion>> ListSettingsVersions(const std::string& id);
  // version 0 = the latest; nullopt when there is no such version.
  Expected<std::optional<SettingsVersion>> GetSettingsVersion(const std::string& id,
                                                              int64_t version);

 private:
  struct Db;
  explicit DatasetStore(std::unique_ptr<Db> db);
  std::mutex mutex_;
  std::unique_ptr<Db> db_;
};

}  // namespace viscera
