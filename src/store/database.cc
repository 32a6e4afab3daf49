#include "store/database.h"

#include "absl/strings/str_cat.h"
#include "store/sqlite_error.h"
#include "store/status_macros.h"

namespace iothub::store {

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path,
                                                         int busy_timeout_ms) {
  sqlite3* db = nullptr;
  // NOMUTEX: our callers serialize access per connection, so SQLite's own mutex
  // would only add cost.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status = SqliteError(db, rc, absl::StrCat("open ", path));
    sqlite3_close_v2(db);  // a handle is returned even on failure (or null: harmless)
    return status;
  }
  auto database = std::unique_ptr<Database>(new Database(db));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return database;
}

Database::~Database() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close_v2(db_);
}

absl::Status Database::Execute(std::string_view sql) {
  const std::string text(sql);  // sqlite3_exec wants a NUL-terminated string
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, text);
  return absl::OkStatus();
}

absl::StatusOr<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, absl::StrCat("prepare `", Sv(sql), "`"));
  if (stmt == nullptr) return absl::InternalError(absl::StrCat("empty SQL: `", Sv(sql), "`"));
  return Statement(db_, stmt, nullptr);
}

absl::StatusOr<Statement> Database::GetCachedStatement(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc =
        sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, absl::StrCat("prepare `", Sv(sql), "`"));
    if (stmt == nullptr) return absl::InternalError(absl::StrCat("empty SQL: `", Sv(sql), "`"));
    it = cache_.emplace(std::string(sql), CachedStatement{stmt, false}).first;
  }
  CachedStatement& cached = it->second;
  if (cached.in_use) return Prepare(sql);
  cached.in_use = true;
  return Statement(db_, cached.stmt, &cached.in_use);
}

std::int64_t Database::Changes() const { return sqlite3_changes64(db_); }

}  // namespace iothub::store
