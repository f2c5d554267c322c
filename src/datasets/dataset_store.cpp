#include "datasets/dataset_store.h"

#include <sqlite3.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "datasets/crash_point.h"

namespace viscera {
namespace {

// Arrays (dimensions, spacing, labels) are JSON text columns: read and written only as a whole.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS datasets (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  modality TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  dimensions TEXT NOT NULL,
  spacing_mm TEXT NOT NULL,
  labels TEXT NOT NULL,
  created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (
  dataset_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  created TEXT NOT NULL,
  note TEXT NOT NULL,
  settings_json TEXT NOT NULL,
  PRIMARY KEY (dataset_id, version)
);
)sql";

constexpr const char* kRecordColumns =
    "d.id, d.name, d.modality, d.size_bytes, d.dimensions, d.spacing_mm, d.labels, d.created, "
    "(SELECT COALESCE(MAX(s.version), 0) FROM settings s WHERE s.dataset_id = d.id)";

// One prepared statement; finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return rc_ == SQLITE_OK && stmt_ != nullptr; }
  sqlite3_stmt* get() { return stmt_; }
  void Bind(int i, const std::string& text) {
    sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void Bind(int i, int64_t value) { sqlite3_bind_int64(stmt_, i, value); }
  int Step() { return sqlite3_step(stmt_); }
  std::string Text(int column) {
    const unsigned char* p = sqlite3_column_text(stmt_, column);
    int n = sqlite3_column_bytes(stmt_, column);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), n);
  }
  int64_t Int(int column) { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

// The record's arrays from their JSON columns; a damaged column reads as zeros / no labels.
void ParseArrays(const std::string& dims, const std::string& spacing, const std::string& labels,
                 DatasetRecord& record) {
  try {
    auto d = nlohmann::json::parse(dims);
    auto s = nlohmann::json::parse(spacing);
    for (size_t i = 0; i < 3 && i < d.size() && i < s.size(); ++i) {
      record.dimensions[i] = d[i].get<int64_t>();
      record.spacing_mm[i] = s[i].get<double>();
    }
    for (const auto& item : nlohmann::json::parse(labels)) {
      record.labels.emplace_back(item.at(0).get<uint16_t>(), item.at(1).get<std::string>());
    }
  } catch (const nlohmann::json::exception&) {
    // Only this store writes these columns; tolerate a hand-edited database.
  }
}

}  // namespace

std::string UtcNowIso8601() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

struct DatasetStore::Db {
  sqlite3* handle = nullptr;
  std::string file;
  ~Db() { sqlite3_close_v2(handle); }

  Error Fail(const std::string& what) const {
    return MakeError(ErrorCode::kIoError,
                     file + ": " + what + ": " + std::string(sqlite3_errmsg(handle)));
  }
  Status Exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(handle, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message != nullptr ? message : "unknown error";
      sqlite3_free(message);
      return MakeError(ErrorCode::kIoError, file + ": " + text);
    }
    return Ok{};
  }
  // Runs body inside BEGIN IMMEDIATE .. COMMIT, rolling back when it fails.
  template <typename F>
  Status Transaction(F&& body) {
    VISCERA_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    Status status = body();
    if (status.ok()) status = Exec("COMMIT");
    if (!status.ok()) (void)Exec("ROLLBACK");
    return status;
  }
  DatasetRecord ReadRecord(Statement& st) {
    DatasetRecord r;
    r.id = st.Text(0);
    r.name = st.Text(1);
    r.modality = st.Text(2);
    r.size_bytes = st.Int(3);
    ParseArrays(st.Text(4), st.Text(5), st.Text(6), r);
    r.created = st.Text(7);
    r.settings_version = st.Int(8);
    return r;
  }
};

DatasetStore::DatasetStore(std::unique_ptr<Db> db) : db_(std::move(db)) {}
DatasetStore::~DatasetStore() = default;

Expected<std::unique_ptr<DatasetStore>> DatasetStore::Open(const std::filesystem::path& db_file) {
  auto db = std::make_unique<Db>();
  db->file = db_file.string();
  int rc =
      sqlite3_open_v2(db->file.c_str(), &db->handle,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) return db->Fail("cannot open database");
  sqlite3_busy_timeout(db->handle, 5000);  // another process (a second server) may hold a write
  // FULL: a committed settings version survives power loss, not just a killed process.
  Status setup = db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
  if (setup.ok()) setup = db->Exec(kSchema);
  if (!setup.ok()) {
    return MakeError(ErrorCode::kCorruptData,
                     "not a usable dataset database: " + setup.error().message);
  }
  return std::unique_ptr<DatasetStore>(new DatasetStore(std::move(db)));
}

Status DatasetStore::PutDataset(const DatasetRecord& record) {
  std::lock_guard lock(mutex_);
  nlohmann::json labels = nlohmann::json::array();
  for (const auto& [id, name] : record.labels) labels.push_back({id, name});
  Statement st(db_->handle,
               "INSERT OR REPLACE INTO datasets (id, name, modality, size_bytes, dimensions, "
               "spacing_mm, labels, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st.ok()) return db_->Fail("cannot prepare insert");
  st.Bind(1, record.id);
  st.Bind(2, record.name);
  st.Bind(3, record.modality);
  st.Bind(4, record.size_bytes);
  st.Bind(5, nlohmann::json(record.dimensions).dump());
  st.Bind(6, nlohmann::json(record.spacing_mm).dump());
  // Names may be any bytes (from an uploaded labels.json): keep invalid UTF-8 rather than throw.
  st.Bind(7, labels.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  st.Bind(8, record.created);
  if (st.Step() != SQLITE_DONE) return db_->Fail("cannot store dataset '" + record.id + "'");
  return Ok{};
}

Status DatasetStore::RemoveDataset(const std::string& id) {
  std::lock_guard lock(mutex_);
  return db_->Transaction([&]() -> Status {
    for (const char* sql :
         {"DELETE FROM settings WHERE dataset_id = ?", "DELETE FROM datasets WHERE id = ?"}) {
      Statement st(db_->handle, sql);
      if (!st.ok()) return db_->Fail("cannot prepare delete");
      st.Bind(1, id);
      if (st.Step() != SQLITE_DONE) return db_->Fail("cannot remove dataset '" + id + "'");
    }
    return Ok{};
  });
}

Expected<std::vector<DatasetRecord>> DatasetStore::ListDatasets() {
  std::lock_guard lock(mutex_);
  std::string sql = std::string("SELECT ") + kRecordColumns + " FROM datasets d ORDER BY d.id";
  Statement st(db_->handle, sql.c_str());
  if (!st.ok()) return db_->Fail("cannot prepare list");
  std::vector<DatasetRecord> out;
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) out.push_back(db_->ReadRecord(st));
  if (rc != SQLITE_DONE) return db_->Fail("cannot list datasets");
  return out;
}

Expected<std::optional<DatasetRecord>> DatasetStore::GetDataset(const std::string& id) {
  std::lock_guard lock(mutex_);
  std::string sql = std::string("SELECT ") + kRecordColumns + " FROM datasets d WHERE d.id = ?";
  Statement st(db_->handle, sql.c_str());
  if (!st.ok()) return db_->Fail("cannot prepare query");
  st.Bind(1, id);
  int rc = st.Step();
  if (rc == SQLITE_ROW) return std::optional<DatasetRecord>(db_->ReadRecord(st));
  if (rc != SQLITE_DONE) return db_->Fail("cannot read dataset '" + id + "'");
  return std::optional<DatasetRecord>();
}

Expected<int64_t> DatasetStore::AddSettingsVersion(const std::string& id,
                                                   const std::string& settings_json,
                                                   const std::string& note) {
  std::lock_guard lock(mutex_);
  int64_t version = 0;
  Status status = db_->Transaction([&]() -> Status {
    // Inside BEGIN IMMEDIATE: no other writer (thread or process) can take the same number.
    Statement exists(db_->handle, "SELECT 1 FROM datasets WHERE id = ?");
    if (!exists.ok()) return db_->Fail("cannot prepare query");
    exists.Bind(1, id);
    int rc = exists.Step();
    if (rc == SQLITE_DONE) return MakeError(ErrorCode::kNotFound, "no dataset '" + id + "'");
    if (rc != SQLITE_ROW) return db_->Fail("cannot read dataset '" + id + "'");
    Statement latest(db_->handle,
                     "SELECT COALESCE(MAX(version), 0) FROM settings WHERE dataset_id = ?");
    if (!latest.ok()) return db_->Fail("cannot prepare query");
    latest.Bind(1, id);
    if (latest.Step() != SQLITE_ROW) return db_->Fail("cannot read settings of '" + id + "'");
    version = latest.Int(0) + 1;
    Statement insert(db_->handle,
                     "INSERT INTO settings (dataset_id, version, created, note, settings_json) "
                     "VALUES (?, ?, ?, ?, ?)");
    if (!insert.ok()) return db_->Fail("cannot prepare insert");
    insert.Bind(1, id);
    insert.Bind(2, version);
    insert.Bind(3, UtcNowIso8601());
    insert.Bind(4, note);
    insert.Bind(5, settings_json);
    if (insert.Step() != SQLITE_DONE) return db_->Fail("cannot save settings of '" + id + "'");
    CrashPoint("settings-in-transaction");
    return Ok{};
  });
  if (!status.ok()) return status.error();
  return version;
}

Expected<std::vector<SettingsVersion>> DatasetStore::ListSettingsVersions(const std::string& id) {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle,
               "SELECT version, created, note FROM settings WHERE dataset_id = ? "
               "ORDER BY version DESC");
  if (!st.ok()) return db_->Fail("cannot prepare query");
  st.Bind(1, id);
  std::vector<SettingsVersion> out;
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) {
    out.push_back(SettingsVersion{st.Int(0), st.Text(1), st.Text(2), {}});
  }
  if (rc != SQLITE_DONE) return db_->Fail("cannot list settings of '" + id + "'");
  return out;
}

Expected<std::optional<SettingsVersion>> DatasetStore::GetSettingsVersion(const std::string& id,
                                                                          int64_t version) {
  std::lock_guard lock(mutex_);
  Statement st(db_->handle, version > 0
                                ? "SELECT version, created, note, settings_json FROM settings "
                                  "WHERE dataset_id = ? AND version = ?"
                                : "SELECT version, created, note, settings_json FROM settings "
                                  "WHERE dataset_id = ? ORDER BY version DESC LIMIT 1");
  if (!st.ok()) return db_->Fail("cannot prepare query");
  st.Bind(1, id);
  if (version > 0) st.Bind(2, version);
  int rc = st.Step();
  if (rc == SQLITE_ROW) {
    return std::optional<SettingsVersion>(
        SettingsVersion{st.Int(0), st.Text(1), st.Text(2), st.Text(3)});
  }
  if (rc != SQLITE_DONE) return db_->Fail("cannot read settings of '" + id + "'");
  return std::optional<SettingsVersion>();
}

}  // namespace viscera
