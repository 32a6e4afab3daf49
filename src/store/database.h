// Database: an owned SQLite connection (sqlite3*) with a cache of prepared statements.
//
// Thread-compatible, not thread-safe: one thread at a time. SqliteStore guards each
// connection with a mutex; nothing else should share a Database between threads.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/statement.h"

namespace iothub::store {

class Database {
 public:
  // Opens (creating if missing) the database file at `path` with extended result codes
  // and the given busy timeout. Does not set any other pragma.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path,
                                                        int busy_timeout_ms);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs constant SQL that carries no values (pragmas, DDL, BEGIN/COMMIT); may hold
  // several statements. Values must go through Prepare/GetCachedStatement and binds.
  absl::Status Execute(std::string_view sql);

  // A freshly prepared statement, finalized when it dies.
  absl::StatusOr<Statement> Prepare(std::string_view sql);

  // A statement from this connection's cache, prepared on first use and reset when the
  // returned handle dies; meant for the fixed SQL the store runs again and again. If the
  // cached one is still in use (nested use of the same SQL), a fresh one is returned.
  absl::StatusOr<Statement> GetCachedStatement(std::string_view sql);

  // Rows changed by the most recent INSERT/UPDATE/DELETE on this connection.
  std::int64_t Changes() const;

  sqlite3* raw() const { return db_; }

 private:
  explicit Database(sqlite3* db) : db_(db) {}

  struct CachedStatement {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };

  sqlite3* db_;
  // Node-based map: element addresses (and so `in_use` pointers) stay stable.
  std::unordered_map<std::string, CachedStatement> cache_;
};

}  // namespace iothub::store
