// RunInTransaction and the audit log in every Store backend: a change and its audit row commit
// together or not at all.
#include <gtest/gtest.h>

#include "store_fixture.h"

namespace iothub::store {
namespace {

using TransactionStoreTest = StoreContractTest;

AuditEntry Audit(std::string action, std::string target, UnixMillis at = 1) {
  return {.at = at,
          .actor = "admin-1",
          .action = std::move(action),
          .target = std::move(target),
          .details_json = R"({"k":"v"})"};
}

// A body returning OK commits the change and its audit row together.
TEST_P(TransactionStoreTest, CommitsChangeWithAudit) {
  ASSERT_OK(store_->RunInTransaction([](Store& tx) -> absl::Status {
    if (absl::Status s = tx.CreateDevice(MakeDevice("dev-1")); !s.ok()) return s;
    return tx.AppendAudit(Audit("device.create", "dev-1", 42));
  }));
  EXPECT_OK(store_->GetDevice("dev-1"));
  ASSERT_OK_AND_ASSIGN(auto audit, store_->ListAudit(10));
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_GT(audit[0].seq, 0);
  EXPECT_EQ(audit[0].at, 42);
  EXPECT_EQ(audit[0].actor, "admin-1");
  EXPECT_EQ(audit[0].action, "device.create");
  EXPECT_EQ(audit[0].target, "dev-1");
  EXPECT_EQ(audit[0].details_json, R"({"k":"v"})");
}

// A body returning an error leaves no partial rows and no audit row, and its error is
// what RunInTransaction returns.
TEST_P(TransactionStoreTest, ErrorRollsBackEverything) {
  absl::Status result = store_->RunInTransaction([](Store& tx) -> absl::Status {
    if (absl::Status s = tx.CreateUser(MakeUser("u1", "a@x.com")); !s.ok()) return s;
    if (absl::Status s = tx.CreateDevice(MakeDevice("dev-1", 1, "u1")); !s.ok()) return s;
    if (absl::Status s = tx.AppendAudit(Audit("device.create", "dev-1")); !s.ok()) return s;
    return absl::AbortedError("changed my mind");
  });
  EXPECT_EQ(result.code(), absl::StatusCode::kAborted);
  EXPECT_CODE(store_->GetUser("u1"), kNotFound);
  EXPECT_CODE(store_->GetDevice("dev-1"), kNotFound);
  EXPECT_TRUE(store_->ListAudit(10)->empty());
}

// A failing store call inside the body (unique violation) propagates and rolls back the
// calls before it.
TEST_P(TransactionStoreTest, FailedCallRollsBackEarlierCalls) {
  ASSERT_OK(store_->CreateDevice(MakeDevice("dev-1")));
  absl::Status result = store_->RunInTransaction([](Store& tx) -> absl::Status {
    if (absl::Status s = tx.AppendAudit(Audit("device.create", "dev-2")); !s.ok()) return s;
    if (absl::Status s = tx.CreateDevice(MakeDevice("dev-2")); !s.ok()) return s;
    return tx.CreateDevice(MakeDevice("dev-1"));  // taken
  });
  EXPECT_EQ(result.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_CODE(store_->GetDevice("dev-2"), kNotFound);
  EXPECT_TRUE(store_->ListAudit(10)->empty());
}

// A failed call that the body ignores leaves nothing behind, and the body's other
// calls, before and after it, still commit (PostgreSQL would abort the whole
// transaction on the error without a savepoint per call).
TEST_P(TransactionStoreTest, IgnoredFailedCallKeepsTheRest) {
  ASSERT_OK(store_->CreateDevice(MakeDevice("dev-1")));
  ASSERT_OK(store_->RunInTransaction([](Store& tx) -> absl::Status {
    EXPECT_OK(tx.CreateDevice(MakeDevice("dev-2")));
    EXPECT_CODE(tx.CreateDevice(MakeDevice("dev-1")), kAlreadyExists);  // ignored
    EXPECT_CODE(tx.CreateDevice(MakeDevice("dev-3", 1, "nobody")), kFailedPrecondition);
    return tx.AppendAudit(Audit("device.create", "dev-2"));
  }));
  EXPECT_OK(store_->GetDevice("dev-2"));
  EXPECT_CODE(store_->GetDevice("dev-3"), kNotFound);
  EXPECT_EQ(store_->ListAudit(10)->size(), 1u);
}

// Reads inside the body see the body's own uncommitted writes, LoadFleet included.
TEST_P(TransactionStoreTest, BodySeesItsOwnWrites) {
  ASSERT_OK(store_->RunInTransaction([](Store& tx) -> absl::Status {
    EXPECT_OK(tx.CreateDevice(MakeDevice("dev-1")));
    EXPECT_OK(tx.GetDevice("dev-1"));
    EXPECT_EQ(tx.CountDevices(std::nullopt).value(), 1);
    auto fleet = tx.LoadFleet();
    EXPECT_TRUE(fleet.ok() && (*fleet)->FindDevice("dev-1") != nullptr);
    return absl::OkStatus();
  }));
}

// Nested RunInTransaction joins the outer one; a failing nested body is undone on its
// own while the outer body may carry on and commit.
TEST_P(TransactionStoreTest, NestedTransactionsJoin) {
  ASSERT_OK(store_->RunInTransaction([](Store& tx) -> absl::Status {
    EXPECT_OK(tx.CreateDevice(MakeDevice("outer")));
    EXPECT_OK(tx.RunInTransaction(
        [](Store& inner) { return inner.CreateDevice(MakeDevice("inner-ok")); }));
    absl::Status failed = tx.RunInTransaction([](Store& inner) -> absl::Status {
      EXPECT_OK(inner.CreateDevice(MakeDevice("inner-undone")));
      return absl::InternalError("nested failure");
    });
    EXPECT_FALSE(failed.ok());
    return absl::OkStatus();
  }));
  EXPECT_OK(store_->GetDevice("outer"));
  EXPECT_OK(store_->GetDevice("inner-ok"));
  EXPECT_CODE(store_->GetDevice("inner-undone"), kNotFound);
}

// Calling the outer store from inside the body on the same thread joins instead of
// deadlocking, and is rolled back with the body.
TEST_P(TransactionStoreTest, ReentrantCallOnOuterStoreJoins) {
  Store* outer = store_.get();
  absl::Status result = store_->RunInTransaction([outer](Store&) -> absl::Status {
    EXPECT_OK(outer->CreateDevice(MakeDevice("dev-1")));
    EXPECT_OK(outer->GetDevice("dev-1"));
    return absl::CancelledError("roll back");
  });
  EXPECT_EQ(result.code(), absl::StatusCode::kCancelled);
  EXPECT_CODE(store_->GetDevice("dev-1"), kNotFound);
}

// The audit log lists newest first, honours the limit, and refuses edits.
TEST_P(TransactionStoreTest, AuditIsAppendOnlyNewestFirst) {
  for (int i = 0; i < 5; ++i) ASSERT_OK(store_->AppendAudit(Audit("a" + std::to_string(i), "t")));
  ASSERT_OK_AND_ASSIGN(auto audit, store_->ListAudit(3));
  ASSERT_EQ(audit.size(), 3u);
  EXPECT_EQ(audit[0].action, "a4");
  EXPECT_EQ(audit[2].action, "a2");
  EXPECT_GT(audit[0].seq, audit[1].seq);
  // The schema itself refuses to rewrite history.
  EXPECT_CODE(ExecuteSql("DELETE FROM audit_log"), kFailedPrecondition);
  EXPECT_CODE(ExecuteSql("UPDATE audit_log SET actor = 'x'"), kFailedPrecondition);
  EXPECT_EQ(store_->ListAudit(100)->size(), 5u);
}

INSTANTIATE_STORE_CONTRACT(TransactionStoreTest);

}  // namespace
}  // namespace iothub::store
