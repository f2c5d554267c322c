// The datasets under one data directory: Clara dataset folders (one per dataset, named by its id),
// indexed in a SQLite store with every saved version of their render settings. Imports, deletes
// and settings saves are crash-consistent: after a kill at any point, Open() recovers a state in
// which each operation either happened completely or not at all (see crash_point.h for the test
// hooks and dataset_catalog.cpp for the recovery rules).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/expected.h"
#include "datasets/dataset_import.h"
#include "datasets/dataset_store.h"

namespace viscera {

// A dataset id/name given by a client: 1..64 characters of [A-Za-z0-9._-], not starting with
// '.'. kInvalidArgument naming the value otherwise.
Status ValidateDatasetId(const std::string& id);

// Thread-safe. Long imports run without holding the catalog's lock (their id is reserved).
class DatasetCatalog {
 public:
  // data_dir must exist. The store is data_dir/.viscera/catalog.sqlite, staging and trash live
  // under data_dir/.viscera/ (hidden: never listed). Removes leftovers of interrupted imports and
  // deletes, then Rescan()s.
  static Expected<std::unique_ptr<DatasetCatalog>> Open(const std::filesystem::path& data_dir);

  // Indexes every Clara dataset folder directly under data_dir that the store lacks, and drops
  // store entries whose folder vanished. Folders that fail to read are skipped with a warning.
  // Returns the number of entries added or dropped.
  Expected<int> Rescan();
  std::vector<DatasetRecord> List();  // sorted by id; empty when the store cannot be read
  Expected<DatasetRecord> Get(const std::string& id);  // kNotFound naming the id
  // data_dir/<id> for a valid id naming a directory directly inside data_dir (a symbolic link is
  // accepted only when it resolves to one). kNotFound when absent.
  Expected<std::filesystem::path> FolderOf(const std::string& id);

  // Builds the dataset in data_dir/.viscera/staging, renames it to data_dir/<id> when complete,
  // then records it. kInvalidArgument for a bad or taken id; the upload's errors otherwise, each
  // leaving data_dir as it was.
  Expected<DatasetRecord> Import(const ImportRequest& request);
  // Moves the folder into .viscera/trash, drops its store entries, then deletes it. kNotFound
  // when neither folder nor entry exists.
  Status Delete(const std::string& id);

  // Adds a settings version (one transaction) and, when clara_json is not empty, rewrites the
  // folder's Clara render settings file (config.meta's "settings", else config_render.json)
  // atomically, so an exported folder carries the latest settings. The store is the truth: if the
  // file cannot be written the version is still saved and the error says so.
  Expected<int64_t> SaveSettings(const std::string& id, const std::string& settings_json,
                                 const std::string& clara_json, const std::string& note);
  Expected<std::vector<SettingsVersion>> ListSettings(const std::string& id);  // newest first
  // version 0 = latest; kNotFound when none is saved or the version does not exist.
  Expected<SettingsVersion> GetSettings(const std::string& id, int64_t version);

  // The dataset folder as a zip (its files at the zip's root), written atomically.
  Status ExportZip(const std::string& id, const std::filesystem::path& zip_file);

  const std::filesystem::path& data_dir() const { return data_dir_; }
  // data_dir/.viscera/cache/<id>: files services derive from a dataset (thumbnails), created by
  // them as needed. The catalog removes it whenever the id's entry is dropped (Delete, Rescan of
  // a vanished folder) or made (Import, Rescan of a new folder), so a dataset never sees another
  // one's files. kInvalidArgument for a bad id.
  Expected<std::filesystem::path> CacheDirOf(const std::string& id) const;

 private:
  DatasetCatalog(std::filesystem::path data_dir, std::unique_ptr<DatasetStore> store);
  Expected<std::filesystem::path> FolderOfLocked(const std::string& id);
  Expected<int> RescanLocked();
  std::filesystem::path HiddenDir(const char* leaf) const;
  void RemoveCache(const std::string& id) const;

  const std::filesystem::path data_dir_;
  std::unique_ptr<DatasetStore> store_;
  std::mutex mutex_;            // folder renames and the store updates that go with them
  std::set<std::string> busy_;  // ids being imported
};

}  // namespace viscera
