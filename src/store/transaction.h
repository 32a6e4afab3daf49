// Transaction: a scoped SQLite write transaction that rolls back unless committed
// (after Chromium's sql/transaction.h).
//
// Thread-compatible: use it on the thread that holds the connection.
#pragma once

#include "absl/status/status.h"
#include "store/database.h"

namespace iothub::store {

class Transaction {
 public:
  // Does not begin; call Begin(). `db` must outlive this object.
  explicit Transaction(Database& db) : db_(db) {}
  // Rolls back when begun and not committed.
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // BEGIN IMMEDIATE: takes the write lock now, waiting up to the busy timeout, so that
  // a transaction never fails half-way because another connection wrote first
  // (a deferred transaction cannot wait when upgrading from read to write).
  absl::Status Begin();
  // COMMIT; on failure the transaction is rolled back.
  absl::Status Commit();
  // ROLLBACK now; a no-op unless active.
  void Rollback();

  bool is_active() const { return active_; }

 private:
  Database& db_;
  bool active_ = false;
};

}  // namespace iothub::store
