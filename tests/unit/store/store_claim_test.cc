// Claim codes and failed claim attempts in every Store backend (schema v3).
#include <gtest/gtest.h>

#include "store_fixture.h"

namespace iothub::store {
namespace {

using ClaimTest = StoreContractTest;

// A stored code reads back as written; setting again replaces it; clearing removes it.
TEST_P(ClaimTest, SetGetReplaceClear) {
  ASSERT_OK(store_->CreateDevice(MakeDevice("dev-1")));
  EXPECT_CODE(store_->GetClaimCode("dev-1"), kNotFound);
  ASSERT_OK(store_->SetClaimCode("dev-1", {.salt = "aa", .hash = "bb", .issued_at = 10}));
  ASSERT_OK_AND_ASSIGN(StoredClaimCode got, store_->GetClaimCode("dev-1"));
  EXPECT_EQ(got.salt, "aa");
  EXPECT_EQ(got.hash, "bb");
  EXPECT_EQ(got.issued_at, 10);
  ASSERT_OK(store_->SetClaimCode("dev-1", {.salt = "cc", .hash = "dd", .issued_at = 20}));
  ASSERT_OK_AND_ASSIGN(StoredClaimCode replaced, store_->GetClaimCode("dev-1"));
  EXPECT_EQ(replaced.hash, "dd");
  EXPECT_EQ(replaced.issued_at, 20);
  ASSERT_OK(store_->ClearClaimCode("dev-1"));
  EXPECT_CODE(store_->GetClaimCode("dev-1"), kNotFound);
  EXPECT_OK(store_->ClearClaimCode("dev-1"));  // clearing twice is a no-op
}

// A code for a device that does not exist is refused, and nothing is written.
TEST_P(ClaimTest, CodeForUnknownDeviceIsRefused) {
  EXPECT_CODE(store_->SetClaimCode("ghost", {.salt = "aa", .hash = "bb", .issued_at = 1}),
              kFailedPrecondition);
  EXPECT_CODE(store_->GetClaimCode("ghost"), kNotFound);
}

// Failures are listed per key, oldest first, only those at or after `since`.
TEST_P(ClaimTest, FailuresPerKeyAndWindow) {
  ASSERT_OK(store_->RecordClaimFailure("device:d1", 300));
  ASSERT_OK(store_->RecordClaimFailure("device:d1", 100));
  ASSERT_OK(store_->RecordClaimFailure("device:d1", 200));
  ASSERT_OK(store_->RecordClaimFailure("user:u1", 250));
  ASSERT_OK_AND_ASSIGN(std::vector<UnixMillis> all, store_->ListClaimFailures("device:d1", 0));
  EXPECT_EQ(all, (std::vector<UnixMillis>{100, 200, 300}));
  ASSERT_OK_AND_ASSIGN(std::vector<UnixMillis> recent, store_->ListClaimFailures("device:d1", 200));
  EXPECT_EQ(recent, (std::vector<UnixMillis>{200, 300}));
  ASSERT_OK_AND_ASSIGN(std::vector<UnixMillis> user, store_->ListClaimFailures("user:u1", 0));
  EXPECT_EQ(user, (std::vector<UnixMillis>{250}));
  ASSERT_OK_AND_ASSIGN(std::vector<UnixMillis> none, store_->ListClaimFailures("user:u2", 0));
  EXPECT_TRUE(none.empty());
}

// Pruning deletes the failures before a time, of every key, and counts them.
TEST_P(ClaimTest, PruneOldFailures) {
  ASSERT_OK(store_->RecordClaimFailure("device:d1", 100));
  ASSERT_OK(store_->RecordClaimFailure("user:u1", 150));
  ASSERT_OK(store_->RecordClaimFailure("device:d1", 200));
  ASSERT_OK_AND_ASSIGN(std::int64_t pruned, store_->PruneClaimFailures(200));
  EXPECT_EQ(pruned, 2);
  ASSERT_OK_AND_ASSIGN(std::vector<UnixMillis> left, store_->ListClaimFailures("device:d1", 0));
  EXPECT_EQ(left, (std::vector<UnixMillis>{200}));
  ASSERT_OK_AND_ASSIGN(std::vector<UnixMillis> user, store_->ListClaimFailures("user:u1", 0));
  EXPECT_TRUE(user.empty());
}

// Hostile keys (SQL, wildcards, slashes) are data: they match only themselves.
TEST_P(ClaimTest, HostileKeysAreData) {
  ASSERT_OK(store_->RecordClaimFailure("device:x' OR '1'='1", 1));
  ASSERT_OK(store_->RecordClaimFailure("device:%", 2));
  ASSERT_OK(store_->RecordClaimFailure("device:a/b", 3));
  ASSERT_OK_AND_ASSIGN(std::vector<UnixMillis> pct, store_->ListClaimFailures("device:%", 0));
  EXPECT_EQ(pct, (std::vector<UnixMillis>{2}));
  ASSERT_OK_AND_ASSIGN(std::vector<UnixMillis> other, store_->ListClaimFailures("device:a", 0));
  EXPECT_TRUE(other.empty());
}

// A failed transaction leaves no failure row and no code change behind.
TEST_P(ClaimTest, RolledBackWithTheTransaction) {
  ASSERT_OK(store_->CreateDevice(MakeDevice("dev-1")));
  absl::Status status = store_->RunInTransaction([](Store& tx) {
    EXPECT_OK(tx.RecordClaimFailure("device:dev-1", 5));
    EXPECT_OK(tx.SetClaimCode("dev-1", {.salt = "aa", .hash = "bb", .issued_at = 5}));
    return absl::AbortedError("undo");
  });
  EXPECT_CODE(status, kAborted);
  ASSERT_OK_AND_ASSIGN(std::vector<UnixMillis> failures,
                       store_->ListClaimFailures("device:dev-1", 0));
  EXPECT_TRUE(failures.empty());
  EXPECT_CODE(store_->GetClaimCode("dev-1"), kNotFound);
}

INSTANTIATE_STORE_CONTRACT(ClaimTest);

}  // namespace
}  // namespace iothub::store
