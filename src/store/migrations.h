// Schema migrations (after Chromium's sql/meta_table.h): a `schema_version` table holds
// one row per applied migration; Migrate() applies the missing ones in order, each in its
// own write transaction, and refuses a database written by a newer build.
//
// Thread-compatible: the caller holds the connection. Safe against other processes
// migrating the same file at the same time: the version is read inside BEGIN IMMEDIATE.
#pragma once

#include <span>
#include <string_view>

#include "absl/status/statusor.h"
#include "store/database.h"

namespace iothub::store {

struct Migration {
  int version;                   // 1, 2, 3... strictly increasing, never reused
  std::string_view description;  // recorded in schema_version
  std::string_view sql;          // constant DDL, may hold several statements
};

// InvalidArgument unless `migrations` is numbered 1, 2, 3... (shared by both backends).
absl::Status CheckMigrationNumbering(std::span<const Migration> migrations);

// The schema version recorded in `db`; 0 for a fresh file.
absl::StatusOr<int> ReadSchemaVersion(Database& db);

// Brings `db` up to the last of `migrations` and returns that version. Applying is
// idempotent: a database already at the latest version is left untouched.
// Errors: FailedPrecondition when `db` is at a version newer than any in `migrations`;
// InvalidArgument when `migrations` is not numbered 1, 2, 3...; otherwise whatever
// the failing migration returned (that migration is rolled back, earlier ones stay).
absl::StatusOr<int> Migrate(Database& db, std::span<const Migration> migrations);

}  // namespace iothub::store
