#include "store/postgres_migrations.h"

#include "absl/strings/str_cat.h"
#include "store/postgres_locks.h"
#include "store/status_macros.h"

namespace iothub::store {

absl::StatusOr<int> MigratePostgres(PgConnection& conn, std::span<const Migration> migrations) {
  RETURN_IF_ERROR(CheckMigrationNumbering(migrations));
  const int latest = static_cast<int>(migrations.size());
  // Long limits for this transaction only: DDL on a big table, or waiting for another
  // hub's migration, may outlast the ordinary statement and lock timeouts.
  const std::string begin = absl::StrCat(
      "BEGIN; SET LOCAL statement_timeout = ", kPgMigrationTimeout.count(),
      "; SET LOCAL lock_timeout = ", kPgMigrationTimeout.count(), "; SELECT pg_advisory_xact_lock(",
      kPgLockNamespace, ", ", kPgMigrationLock,
      ");"
      " CREATE TABLE IF NOT EXISTS schema_version ("
      " version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)");
  const std::chrono::milliseconds timeout = kPgMigrationTimeout + std::chrono::seconds(5);
  while (true) {
    if (absl::Status s = conn.ExecScript(begin, timeout); !s.ok()) {
      conn.Drop();  // whatever state the transaction is in, start over next time
      return s;
    }
    const auto fail = [&](absl::Status status) {
      conn.Drop();  // the server rolls the transaction back
      return status;
    };
    absl::StatusOr<PgResult> current =
        conn.Exec("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    if (!current.ok()) return fail(current.status());
    absl::StatusOr<std::int64_t> version = current->Int64(0, 0);
    if (!version.ok()) return fail(version.status());
    if (*version > latest) {
      return fail(absl::FailedPreconditionError(absl::StrCat("database schema version ", *version,
                                                             " is newer than this build knows (",
                                                             latest, "); upgrade iot-hub")));
    }
    if (*version == latest) {
      if (absl::Status s = conn.ExecScript("COMMIT"); !s.ok()) return fail(s);
      return latest;
    }
    const Migration& next = migrations[static_cast<std::size_t>(*version)];
    if (absl::Status s = conn.ExecScript(next.sql, timeout); !s.ok()) {
      return fail(absl::Status(s.code(), absl::StrCat("migration ", next.version, " (",
                                                      Sv(next.description), "): ", s.message())));
    }
    absl::StatusOr<PgResult> recorded = conn.Exec(
        "INSERT INTO schema_version (version, description, applied_at)"
        " VALUES ($1, $2, (EXTRACT(EPOCH FROM now()) * 1000)::bigint)",
        PgParams().Int64(next.version).Text(next.description));
    if (!recorded.ok()) return fail(recorded.status());
    if (absl::Status s = conn.ExecScript("COMMIT", timeout); !s.ok()) return fail(s);
  }
}

}  // namespace iothub::store
