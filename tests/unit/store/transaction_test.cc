#include "store/transaction.h"

#include <gtest/gtest.h>

#include "store/database.h"
#include "store_fixture.h"

namespace iothub::store {
namespace {

class TransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(dir_.File("t.db"), 1000);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    ASSERT_OK(db_->Execute("CREATE TABLE t (v INTEGER)"));
  }

  std::int64_t Rows() {
    auto s = db_->Prepare("SELECT COUNT(*) FROM t");
    EXPECT_TRUE(s.ok());
    auto row = s->Step();
    EXPECT_TRUE(row.ok() && *row);
    return s->ColumnInt64(0);
  }

  iothub::testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

// Leaving the scope without Commit() rolls back.
TEST_F(TransactionTest, RollsBackUnlessCommitted) {
  {
    Transaction txn(*db_);
    ASSERT_OK(txn.Begin());
    EXPECT_TRUE(txn.is_active());
    ASSERT_OK(db_->Execute("INSERT INTO t VALUES (1)"));
    EXPECT_EQ(Rows(), 1);
  }
  EXPECT_EQ(Rows(), 0);
}

// Commit() makes the changes stick and ends the transaction.
TEST_F(TransactionTest, CommitPersists) {
  Transaction txn(*db_);
  ASSERT_OK(txn.Begin());
  ASSERT_OK(db_->Execute("INSERT INTO t VALUES (1)"));
  ASSERT_OK(txn.Commit());
  EXPECT_FALSE(txn.is_active());
  EXPECT_EQ(Rows(), 1);
  EXPECT_CODE(txn.Commit(), kFailedPrecondition);
}

// BEGIN IMMEDIATE takes the write lock: a second connection cannot begin until the
// first ends, and reports Unavailable after its busy timeout.
TEST_F(TransactionTest, ImmediateTakesTheWriteLock) {
  auto other = Database::Open(dir_.File("t.db"), 50);
  ASSERT_TRUE(other.ok());
  Transaction first(*db_);
  ASSERT_OK(first.Begin());
  Transaction second(**other);
  EXPECT_CODE(second.Begin(), kUnavailable);
  first.Rollback();
  EXPECT_OK(second.Begin());
}

}  // namespace
}  // namespace iothub::store
