#include "store/migrations.h"

#include "absl/strings/str_cat.h"
#include "store/status_macros.h"
#include "store/transaction.h"

namespace iothub::store {
namespace {

constexpr std::string_view kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY NOT NULL,"
    " description TEXT NOT NULL,"
    " applied_at INTEGER NOT NULL)";

// Reads the version; the table may be missing on a fresh file.
absl::StatusOr<int> ReadVersionIfTableExists(Database& db) {
  absl::StatusOr<Statement> exists = db.GetCachedStatement(
      "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'");
  if (!exists.ok()) return exists.status();
  absl::StatusOr<bool> found = exists->Step();
  if (!found.ok()) return found.status();
  if (!*found) return 0;
  absl::StatusOr<Statement> max =
      db.GetCachedStatement("SELECT COALESCE(MAX(version), 0) FROM schema_version");
  if (!max.ok()) return max.status();
  absl::StatusOr<bool> row = max->Step();
  if (!row.ok()) return row.status();
  return static_cast<int>(max->ColumnInt64(0));
}

}  // namespace

absl::StatusOr<int> ReadSchemaVersion(Database& db) { return ReadVersionIfTableExists(db); }

absl::Status CheckMigrationNumbering(std::span<const Migration> migrations) {
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration #", i, " has version ", migrations[i].version, ", want ", i + 1));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> Migrate(Database& db, std::span<const Migration> migrations) {
  if (absl::Status s = CheckMigrationNumbering(migrations); !s.ok()) return s;
  const int latest = static_cast<int>(migrations.size());
  // One transaction per migration: a failure keeps the earlier ones, and each step
  // re-reads the version under the write lock, so a concurrent migrator is harmless.
  while (true) {
    Transaction txn(db);
    if (absl::Status s = txn.Begin(); !s.ok()) return s;
    if (absl::Status s = db.Execute(kCreateVersionTable); !s.ok()) return s;
    absl::StatusOr<int> current = ReadVersionIfTableExists(db);
    if (!current.ok()) return current.status();
    if (*current > latest) {
      return absl::FailedPreconditionError(absl::StrCat("database schema version ", *current,
                                                        " is newer than this build knows (", latest,
                                                        "); upgrade iot-hub"));
    }
    if (*current == latest) {
      if (absl::Status s = txn.Commit(); !s.ok()) return s;  // keeps the created table
      return latest;
    }
    const Migration& next = migrations[*current];
    if (absl::Status s = db.Execute(next.sql); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("migration ", next.version, " (",
                                                 Sv(next.description), "): ", s.message()));
    }
    absl::StatusOr<Statement> record = db.GetCachedStatement(
        "INSERT INTO schema_version (version, description, applied_at)"
        " VALUES (?1, ?2, CAST(strftime('%s', 'now') AS INTEGER) * 1000)");
    if (!record.ok()) return record.status();
    record->BindInt64(1, next.version);
    record->BindText(2, next.description);
    if (absl::Status s = record->Run(); !s.ok()) return s;
    if (absl::Status s = txn.Commit(); !s.ok()) return s;
  }
}

}  // namespace iothub::store
