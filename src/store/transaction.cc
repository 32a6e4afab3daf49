#include "store/transaction.h"

namespace iothub::store {

Transaction::~Transaction() { Rollback(); }

absl::Status Transaction::Begin() {
  if (active_) return absl::FailedPreconditionError("transaction already begun");
  absl::Status status = db_.Execute("BEGIN IMMEDIATE");
  active_ = status.ok();
  return status;
}

absl::Status Transaction::Commit() {
  if (!active_) return absl::FailedPreconditionError("commit without an active transaction");
  absl::Status status = db_.Execute("COMMIT");
  if (!status.ok()) {
    Rollback();
    return status;
  }
  active_ = false;
  return absl::OkStatus();
}

void Transaction::Rollback() {
  if (!active_) return;
  active_ = false;
  // SQLite may already have rolled back by itself (e.g. after SQLITE_FULL); then
  // ROLLBACK fails with "no transaction is active", which is fine.
  if (!sqlite3_get_autocommit(db_.raw())) db_.Execute("ROLLBACK").IgnoreError();
}

}  // namespace iothub::store
