// How the hub opens its SQLite files: parent directory created, WAL journal,
// synchronous=NORMAL, foreign keys on. Shared by the registry store and the state
// journal so both files behave the same. Stateless; thread-safe.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "store/database.h"

namespace iothub::store {

// A path "dir/x.db": makes sure dir exists (FailedPrecondition when it cannot).
absl::Status CreateParentDirectory(const std::string& path);

// Pragmas every connection needs; journal_mode is persistent but cheap to re-assert.
// FailedPrecondition when WAL is refused (e.g. a network file system).
absl::Status ConfigureConnection(Database& db);

}  // namespace iothub::store
