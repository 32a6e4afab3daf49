#include "store/sqlite_error.h"

#include <sqlite3.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "store/status_macros.h"

namespace iothub::store {

absl::Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  // sqlite3_errmsg describes the most recent failure on `db`, which is ours because the
  // caller holds the connection; without a connection fall back to the generic text.
  const std::string message =
      absl::StrCat(Sv(what), ": ", db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc),
                   " (sqlite code ", rc, ")");
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return absl::AlreadyExistsError(message);
    case SQLITE_CONSTRAINT_FOREIGNKEY:
    case SQLITE_CONSTRAINT_TRIGGER:  // our triggers guard invariants (append-only audit)
      return absl::FailedPreconditionError(message);
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
    case SQLITE_TOOBIG:
      return absl::InvalidArgumentError(message);
    default:
      break;
  }
  switch (rc & 0xff) {  // primary code
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace iothub::store
