#include "rpc/pending_table.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace iothub::rpc {
namespace {

using std::chrono::milliseconds;

const SteadyTime kT0 = SteadyTime(milliseconds(1'000'000));

PendingRequest Req(std::string device, std::string id, std::string user = "u1",
                   milliseconds timeout = milliseconds(5000)) {
  return {std::move(device), std::move(id), std::move(user), "client-1",
          Method::kReboot,   kT0,           kT0 + timeout};
}

// A request is taken once; the second reply is told apart from an unknown one.
TEST(PendingTableTest, TakeOnceThenAlreadyAnswered) {
  PendingTable table;
  EXPECT_EQ(table.Insert(Req("d1", "r1")), InsertResult::kOk);
  EXPECT_EQ(table.pending(), 1u);
  const TakeResult first = table.Take("d1", "r1", "u1", kT0 + milliseconds(10));
  EXPECT_EQ(first.status, TakeStatus::kTaken);
  EXPECT_EQ(first.method, Method::kReboot);
  EXPECT_EQ(first.sent_at, kT0);
  EXPECT_EQ(table.pending(), 0u);
  EXPECT_EQ(table.Take("d1", "r1", "u1", kT0).status, TakeStatus::kAlreadyAnswered);
  EXPECT_EQ(table.Take("d1", "r2", "u1", kT0).status, TakeStatus::kUnknown);
  EXPECT_EQ(table.Take("d2", "r1", "u1", kT0).status, TakeStatus::kUnknown);
}

// The same (device, id) cannot be inserted twice; the same id on another device can.
TEST(PendingTableTest, DuplicateKey) {
  PendingTable table;
  EXPECT_EQ(table.Insert(Req("d1", "r1")), InsertResult::kOk);
  EXPECT_EQ(table.Insert(Req("d1", "r1")), InsertResult::kDuplicate);
  EXPECT_EQ(table.Insert(Req("d2", "r1")), InsertResult::kOk);
}

// An id is owned by the clientid that sent it, pending and as a tombstone after the reply.
TEST(PendingTableTest, LookupTellsTheRequester) {
  PendingTable table;
  ASSERT_EQ(table.Insert(Req("d1", "r1")), InsertResult::kOk);
  EXPECT_EQ(table.Lookup("d1", "r1", "client-1"), IdUse::kSameRequester);
  EXPECT_EQ(table.Lookup("d1", "r1", "client-2"), IdUse::kOtherRequester);
  EXPECT_EQ(table.Lookup("d1", "r1", ""), IdUse::kOtherRequester);
  EXPECT_EQ(table.Lookup("d1", "r9", "client-1"), IdUse::kFree);
  EXPECT_EQ(table.Lookup("d2", "r1", "client-2"), IdUse::kFree);
  EXPECT_EQ(table.Lookup("d1", std::string(65, 'r'), "client-1"), IdUse::kFree);
  ASSERT_EQ(table.Take("d1", "r1", "u1", kT0).status, TakeStatus::kTaken);
  EXPECT_EQ(table.Lookup("d1", "r1", "client-2"), IdUse::kOtherRequester);
  EXPECT_EQ(table.Lookup("d1", "r1", "client-1"), IdUse::kSameRequester);
}

// A reply on another user's topic leaves the entry pending.
TEST(PendingTableTest, UserMismatchLeavesEntry) {
  PendingTable table;
  ASSERT_EQ(table.Insert(Req("d1", "r1", "u1")), InsertResult::kOk);
  EXPECT_EQ(table.Take("d1", "r1", "u2", kT0).status, TakeStatus::kUserMismatch);
  EXPECT_EQ(table.Take("d1", "r1", "u1", kT0).status, TakeStatus::kTaken);
}

// Each bound refuses with its own result and frees up when a request completes.
TEST(PendingTableTest, Bounds) {
  PendingTable per_device({.max_per_device = 2, .max_per_user = 10, .max_total = 10});
  EXPECT_EQ(per_device.Insert(Req("d1", "a")), InsertResult::kOk);
  EXPECT_EQ(per_device.Insert(Req("d1", "b")), InsertResult::kOk);
  EXPECT_EQ(per_device.Insert(Req("d1", "c")), InsertResult::kDeviceFull);
  EXPECT_EQ(per_device.Insert(Req("d2", "c")), InsertResult::kOk);
  EXPECT_EQ(per_device.Take("d1", "a", "u1", kT0).status, TakeStatus::kTaken);
  EXPECT_EQ(per_device.Insert(Req("d1", "c")), InsertResult::kOk);

  PendingTable per_user({.max_per_device = 10, .max_per_user = 2, .max_total = 10});
  EXPECT_EQ(per_user.Insert(Req("d1", "a", "u1")), InsertResult::kOk);
  EXPECT_EQ(per_user.Insert(Req("d2", "a", "u1")), InsertResult::kOk);
  EXPECT_EQ(per_user.Insert(Req("d3", "a", "u1")), InsertResult::kUserFull);
  EXPECT_EQ(per_user.Insert(Req("d3", "a", "u2")), InsertResult::kOk);
  EXPECT_EQ(per_user.pending(), 3u);

  PendingTable total({.max_per_device = 10, .max_per_user = 10, .max_total = 2});
  EXPECT_EQ(total.Insert(Req("d1", "a", "u1")), InsertResult::kOk);
  EXPECT_EQ(total.Insert(Req("d2", "a", "u2")), InsertResult::kOk);
  EXPECT_EQ(total.Insert(Req("d3", "a", "u3")), InsertResult::kTableFull);
  EXPECT_EQ(total.pending(), 2u);
}

// Over-long ids are refused without touching the table.
TEST(PendingTableTest, InvalidIds) {
  PendingTable table;
  EXPECT_EQ(table.Insert(Req(std::string(65, 'd'), "r")), InsertResult::kInvalid);
  EXPECT_EQ(table.Take(std::string(65, 'd'), "r", "u1", kT0).status, TakeStatus::kUnknown);
}

// Expired entries are reported once by the sweep, then a late reply is "expired", and
// after the linger time the id is forgotten.
TEST(PendingTableTest, SweepReturnsExpired) {
  PendingTable table({.tombstone_linger = milliseconds(1000)});
  ASSERT_EQ(table.Insert(Req("d1", "r1", "u1", milliseconds(100))), InsertResult::kOk);
  ASSERT_EQ(table.Insert(Req("d1", "r2", "u1", milliseconds(500))), InsertResult::kOk);
  EXPECT_TRUE(table.SweepExpired(kT0 + milliseconds(99)).empty());
  // Before the sweep, a late reply is already refused and the entry stays.
  EXPECT_EQ(table.Take("d1", "r1", "u1", kT0 + milliseconds(100)).status, TakeStatus::kExpired);

  const auto expired = table.SweepExpired(kT0 + milliseconds(100));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].device_id, "d1");
  EXPECT_EQ(expired[0].request_id, "r1");
  EXPECT_EQ(expired[0].user_id, "u1");
  EXPECT_EQ(expired[0].requester_clientid, "client-1");
  EXPECT_EQ(expired[0].method, Method::kReboot);
  EXPECT_EQ(table.pending(), 1u);
  EXPECT_TRUE(table.SweepExpired(kT0 + milliseconds(200)).empty());
  EXPECT_EQ(table.Take("d1", "r1", "u1", kT0 + milliseconds(200)).status, TakeStatus::kExpired);

  EXPECT_EQ(table.tombstones(), 1u);
  table.SweepExpired(kT0 + milliseconds(1100));  // r1's tombstone goes; r2 times out
  EXPECT_EQ(table.Take("d1", "r1", "u1", kT0 + milliseconds(1100)).status, TakeStatus::kUnknown);
  EXPECT_EQ(table.pending(), 0u);
}

// With no room for tombstones, answered entries are simply removed.
TEST(PendingTableTest, TombstoneBound) {
  PendingTable table({.max_tombstones = 0});
  ASSERT_EQ(table.Insert(Req("d1", "r1")), InsertResult::kOk);
  EXPECT_EQ(table.Take("d1", "r1", "u1", kT0).status, TakeStatus::kTaken);
  EXPECT_EQ(table.tombstones(), 0u);
  EXPECT_EQ(table.Take("d1", "r1", "u1", kT0).status, TakeStatus::kUnknown);
}

}  // namespace
}  // namespace iothub::rpc
