// SessionTable's restart survival: change tracking for the state journal, and sessions
// put back at start-up as one carried-over connection each.
#include <gtest/gtest.h>

#include <algorithm>

#include "auth/session_table.h"

namespace iothub::auth {
namespace {

constexpr UnixMillis kT = 5'000'000;

std::shared_ptr<const Principal> Device(std::string id) {
  auto p = std::make_shared<Principal>();
  p->kind = PrincipalKind::kDevice;
  p->id = std::move(id);
  return p;
}

std::shared_ptr<const Principal> User(std::string id) {
  auto p = std::make_shared<Principal>();
  p->kind = PrincipalKind::kUser;
  p->id = std::move(id);
  return p;
}

void Restore(SessionTable& table, const std::string& clientid,
             std::shared_ptr<const Principal> principal) {
  table.Restore(clientid, SessionState{std::move(principal), 1, 0, kT - 1000});
}

// Each changed clientid is reported once per drain with its state now; an ended
// session is reported as gone.
TEST(SessionTableRestoreTest, DrainReportsChangedSessionsOnce) {
  SessionTable table(/*track_changes=*/true);
  ASSERT_EQ(table.Admit("d1", Device("d1"), kT), SessionTable::AdmitOutcome::kAdmitted);
  table.Connected("d1", kT);
  ASSERT_EQ(table.Admit("app", User("u1"), kT), SessionTable::AdmitOutcome::kAdmitted);
  auto changes = table.DrainChanges();
  ASSERT_EQ(changes.size(), 2u);
  std::sort(changes.begin(), changes.end(),
            [](const auto& a, const auto& b) { return a.clientid < b.clientid; });
  EXPECT_EQ(changes[0].clientid, "app");
  ASSERT_TRUE(changes[0].state.has_value());
  EXPECT_EQ(changes[0].state->pending, 1);
  EXPECT_EQ(changes[0].state->connections, 0);
  ASSERT_TRUE(changes[1].state.has_value());
  EXPECT_EQ(changes[1].state->connections, 1);
  EXPECT_EQ(changes[1].state->principal->id, "d1");
  EXPECT_TRUE(table.DrainChanges().empty());

  EXPECT_EQ(table.Disconnected("d1", kT + 1), 1);
  changes = table.DrainChanges();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_FALSE(changes[0].state.has_value());
}

// Without tracking nothing is remembered.
TEST(SessionTableRestoreTest, UntrackedTableReportsNothing) {
  SessionTable table;
  table.Admit("d1", Device("d1"), kT);
  EXPECT_TRUE(table.DrainChanges().empty());
}

// A restored session answers at once and keeps its clientid from other principals; its
// own disconnect ends it.
TEST(SessionTableRestoreTest, RestoredSessionServesUntilItsDisconnect) {
  SessionTable table;
  Restore(table, "app", User("alice"));
  ASSERT_NE(table.Find("app"), nullptr);
  EXPECT_EQ(table.Find("app")->id, "alice");
  EXPECT_EQ(table.Admit("app", User("bob"), kT), SessionTable::AdmitOutcome::kHeldByAnother);
  EXPECT_EQ(table.Disconnected("app", kT), 1);
  EXPECT_EQ(table.Find("app"), nullptr);
}

// EMQX's reconnect order after a restart: authenticate(new), disconnected(old),
// connected(new): the old disconnect ends the carried-over connection, not the new one.
TEST(SessionTableRestoreTest, EmqxReconnectOrderEndsTheCarriedConnection) {
  SessionTable table;
  Restore(table, "d1", Device("d1"));
  ASSERT_EQ(table.Admit("d1", Device("d1"), kT), SessionTable::AdmitOutcome::kAdmitted);
  EXPECT_EQ(table.Disconnected("d1", kT + 1), 1);
  table.Connected("d1", kT + 2);
  ASSERT_NE(table.Find("d1"), nullptr);
  EXPECT_EQ(table.Disconnected("d1", kT + 60'000), 1);
  EXPECT_EQ(table.Find("d1"), nullptr);
}

// Mosquitto's order: authenticate(new), connected(new), disconnected(old).
TEST(SessionTableRestoreTest, MosquittoReconnectOrderEndsTheCarriedConnection) {
  SessionTable table;
  Restore(table, "d1", Device("d1"));
  table.Admit("d1", Device("d1"), kT);
  table.Connected("d1", kT + 1);
  EXPECT_EQ(table.Disconnected("d1", kT + 2), 1);
  ASSERT_NE(table.Find("d1"), nullptr);
  EXPECT_EQ(table.Disconnected("d1", kT + 60'000), 1);
  EXPECT_EQ(table.Find("d1"), nullptr);
}

// A client that left while the hub was away never sends its disconnect: once its new
// connection has outlived any takeover, the carried one is dropped with it, so the
// session ends with the new connection instead of lingering for ever.
TEST(SessionTableRestoreTest, SilentCarriedConnectionIsDroppedAfterTheTakeoverWindow) {
  SessionTable table;
  Restore(table, "d1", Device("d1"));
  table.Admit("d1", Device("d1"), kT);
  table.Connected("d1", kT + 1);
  EXPECT_EQ(table.Disconnected("d1", kT + 1 + SessionTable::kTakeoverWindow + 1), 2);
  EXPECT_EQ(table.Find("d1"), nullptr);
}

// Restore never replaces a session the running hub already has.
TEST(SessionTableRestoreTest, RestoreLeavesALiveSessionAlone) {
  SessionTable table;
  table.Admit("app", User("alice"), kT);
  table.Restore("app", SessionState{User("mallory"), 1, 0, kT});
  EXPECT_EQ(table.Find("app")->id, "alice");
}

}  // namespace
}  // namespace iothub::auth
