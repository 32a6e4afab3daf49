// PendingTable's change tracking, which feeds the state journal (restart survival).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "rpc/pending_table.h"

namespace iothub::rpc {
namespace {

using std::chrono::milliseconds;

const SteadyTime kT0 = SteadyTime(milliseconds(1'000'000));

PendingRequest Req(std::string device, std::string id) {
  return {std::move(device),       std::move(id), "u1", "client-1", Method::kReboot, kT0,
          kT0 + milliseconds(5000)};
}

PendingLimits Tracking() {
  PendingLimits limits;
  limits.track_changes = true;
  return limits;
}

const PendingChange* Find(const std::vector<PendingChange>& changes, std::string_view request) {
  auto it = std::find_if(changes.begin(), changes.end(),
                         [&](const PendingChange& c) { return c.request_id == request; });
  return it == changes.end() ? nullptr : &*it;
}

// An insert is reported once with the whole request; a second drain reports nothing.
TEST(PendingTableChangesTest, InsertIsReportedOnceWithTheRequest) {
  PendingTable table(Tracking());
  ASSERT_EQ(table.Insert(Req("d1", "r1")), InsertResult::kOk);
  const auto changes = table.DrainChanges();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].device_id, "d1");
  EXPECT_EQ(changes[0].request_id, "r1");
  ASSERT_TRUE(changes[0].pending.has_value());
  EXPECT_EQ(changes[0].pending->user_id, "u1");
  EXPECT_EQ(changes[0].pending->requester_clientid, "client-1");
  EXPECT_EQ(changes[0].pending->method, Method::kReboot);
  EXPECT_EQ(changes[0].pending->deadline, kT0 + milliseconds(5000));
  EXPECT_TRUE(table.DrainChanges().empty());
}

// An answered or timed-out request is reported as gone; several changes of one key
// between two drains are reported once, as the key stands now.
TEST(PendingTableChangesTest, AnsweredAndExpiredAreReportedGone) {
  PendingTable table(Tracking());
  ASSERT_EQ(table.Insert(Req("d1", "answered")), InsertResult::kOk);
  ASSERT_EQ(table.Insert(Req("d1", "expires")), InsertResult::kOk);
  table.DrainChanges();
  EXPECT_EQ(table.Take("d1", "answered", "u1", kT0).status, TakeStatus::kTaken);
  EXPECT_EQ(table.SweepExpired(kT0 + milliseconds(6000)).size(), 1u);
  const auto changes = table.DrainChanges();
  ASSERT_EQ(changes.size(), 2u);
  ASSERT_NE(Find(changes, "answered"), nullptr);
  EXPECT_FALSE(Find(changes, "answered")->pending.has_value());
  ASSERT_NE(Find(changes, "expires"), nullptr);
  EXPECT_FALSE(Find(changes, "expires")->pending.has_value());

  ASSERT_EQ(table.Insert(Req("d2", "quick")), InsertResult::kOk);
  EXPECT_EQ(table.Take("d2", "quick", "u1", kT0).status, TakeStatus::kTaken);
  const auto quick = table.DrainChanges();
  ASSERT_EQ(quick.size(), 1u);
  EXPECT_FALSE(quick[0].pending.has_value());
}

// Without tracking nothing is remembered (a table nobody drains never grows), and
// refused inserts are never changes.
TEST(PendingTableChangesTest, UntrackedTablesAndRefusalsReportNothing) {
  PendingTable untracked;
  ASSERT_EQ(untracked.Insert(Req("d1", "r1")), InsertResult::kOk);
  EXPECT_TRUE(untracked.DrainChanges().empty());

  PendingTable table(Tracking());
  ASSERT_EQ(table.Insert(Req("d1", "r1")), InsertResult::kOk);
  table.DrainChanges();
  EXPECT_EQ(table.Insert(Req("d1", "r1")), InsertResult::kDuplicate);
  EXPECT_EQ(table.Take("d1", "nope", "u1", kT0).status, TakeStatus::kUnknown);
  EXPECT_TRUE(table.DrainChanges().empty());
}

}  // namespace
}  // namespace iothub::rpc
