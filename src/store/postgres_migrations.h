// Schema migrations on PostgreSQL: the same numbered history as SQLite's (schema.h),
// recorded in the same `schema_version` table. Each migration runs in its own
// transaction holding an advisory lock, so hubs starting together against one database
// migrate one after the other: the second finds the work done. PostgreSQL's DDL is
// transactional, so a failed migration leaves nothing behind.
//
// Thread-compatible: the caller holds the connection.
#pragma once

#include <span>

#include "absl/status/statusor.h"
#include "store/migrations.h"
#include "store/postgres_connection.h"

namespace iothub::store {

// The longest one migration (or the wait for another hub's) may take.
inline constexpr std::chrono::milliseconds kPgMigrationTimeout{300000};

// Brings the database up to the last of `migrations` and returns that version.
// FailedPrecondition when the database is at a newer version than `migrations` knows;
// InvalidArgument when they are not numbered 1, 2, 3...; otherwise the failing
// migration's error (earlier ones stay applied).
absl::StatusOr<int> MigratePostgres(PgConnection& conn, std::span<const Migration> migrations);

}  // namespace iothub::store
