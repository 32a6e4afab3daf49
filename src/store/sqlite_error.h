// SqliteError: turns an SQLite result code into an absl::Status, so that every layer of
// the store reports failures as values. Pure function; thread-safe as long as the
// connection it reads the message from is not used concurrently (our callers hold the
// connection's mutex).
#pragma once

#include <string_view>

#include "absl/status/status.h"

struct sqlite3;

namespace iothub::store {

// Maps `rc` (an extended result code) to a status code and adds SQLite's message:
//   UNIQUE / PRIMARY KEY constraint      -> AlreadyExists
//   FOREIGN KEY constraint, RAISE(ABORT) -> FailedPrecondition
//   CHECK / NOT NULL constraint, TOOBIG  -> InvalidArgument
//   BUSY / LOCKED (after busy_timeout)   -> Unavailable (another writer held the lock)
//   anything else                        -> Internal
// `what` says what was being done ("insert device"); `db` may be null.
absl::Status SqliteError(sqlite3* db, int rc, std::string_view what);

}  // namespace iothub::store
