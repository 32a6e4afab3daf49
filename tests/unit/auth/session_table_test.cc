#include "auth/session_table.h"

#include <gtest/gtest.h>

namespace iothub::auth {
namespace {

using Outcome = SessionTable::AdmitOutcome;

constexpr UnixMillis kT = 1'000'000;

std::shared_ptr<const Principal> Make(PrincipalKind kind, std::string id) {
  auto p = std::make_shared<Principal>();
  p->kind = kind;
  p->id = std::move(id);
  return p;
}
std::shared_ptr<const Principal> Device(std::string id) {
  return Make(PrincipalKind::kDevice, std::move(id));
}
std::shared_ptr<const Principal> User(std::string id) {
  return Make(PrincipalKind::kUser, std::move(id));
}

// A principal admitted for a clientid is found until its connection disconnects.
TEST(SessionTableTest, AdmitConnectDisconnect) {
  SessionTable sessions;
  EXPECT_EQ(sessions.Find("c1"), nullptr);
  EXPECT_EQ(sessions.Admit("c1", Device("d1"), kT), Outcome::kAdmitted);
  sessions.Connected("c1", kT);
  ASSERT_NE(sessions.Find("c1"), nullptr);
  EXPECT_EQ(sessions.Find("c1")->id, "d1");
  sessions.Disconnected("c1", kT);
  EXPECT_EQ(sessions.Find("c1"), nullptr);
  EXPECT_EQ(sessions.size(), 0u);
}

// Mosquitto's reconnect order (authenticate, connected of the new connection, then the
// old one's disconnected) keeps the new session.
TEST(SessionTableTest, MosquittoReconnectOrderKeepsTheNewSession) {
  SessionTable sessions;
  sessions.Admit("c1", Device("d1"), kT);
  sessions.Connected("c1", kT);
  EXPECT_EQ(sessions.Admit("c1", Device("d1"), kT + 1), Outcome::kAdmitted);
  sessions.Connected("c1", kT);
  sessions.Disconnected("c1", kT + 2);  // the old connection goes
  ASSERT_NE(sessions.Find("c1"), nullptr);
  sessions.Disconnected("c1", kT + 3);
  EXPECT_EQ(sessions.Find("c1"), nullptr);
}

// EMQX 5.3's reconnect order (authenticate new, disconnected old, connected new): the
// stale disconnect does not end the new session.
TEST(SessionTableTest, EmqxReconnectOrderKeepsTheNewSession) {
  SessionTable sessions;
  sessions.Admit("c1", Device("d1"), kT);
  sessions.Connected("c1", kT);
  EXPECT_EQ(sessions.Admit("c1", Device("d1"), kT + 1), Outcome::kAdmitted);
  sessions.Disconnected("c1", kT + 2);  // the old connection
  ASSERT_NE(sessions.Find("c1"), nullptr);
  sessions.Connected("c1", kT);
  ASSERT_NE(sessions.Find("c1"), nullptr);
  EXPECT_EQ(sessions.Find("c1")->id, "d1");
  sessions.Disconnected("c1", kT + 3);  // the new connection
  EXPECT_EQ(sessions.Find("c1"), nullptr);
}

// A live clientid is refused to any other principal and kept by its holder; the same
// person may come back with another role.
TEST(SessionTableTest, LiveClientIdStaysWithItsPrincipal) {
  SessionTable sessions;
  sessions.Admit("app", User("alice"), kT);
  sessions.Connected("app", kT);
  EXPECT_EQ(sessions.Admit("app", User("bob"), kT + 1), Outcome::kHeldByAnother);
  EXPECT_EQ(sessions.Admit("app", Device("alice"), kT + 1), Outcome::kHeldByAnother);
  EXPECT_EQ(sessions.Admit("app", Make(PrincipalKind::kService, "alice"), kT + 1),
            Outcome::kHeldByAnother);
  auto hub = std::make_shared<Principal>(*Make(PrincipalKind::kService, "alice"));
  hub->hub_link = true;
  EXPECT_EQ(sessions.Admit("app", hub, kT + 1), Outcome::kHeldByAnother);
  EXPECT_EQ(sessions.Find("app")->id, "alice");
  EXPECT_EQ(sessions.Admit("app", Make(PrincipalKind::kAdmin, "alice"), kT + 1),
            Outcome::kAdmitted);
  sessions.Connected("app", kT);
  sessions.Disconnected("app", kT + 2);
  sessions.Disconnected("app", kT + 2);
  // Free again: anyone may take it.
  EXPECT_EQ(sessions.Admit("app", User("bob"), kT + 3), Outcome::kAdmitted);
}

// An admission that never connects holds the clientid only for the connect window.
TEST(SessionTableTest, UnconnectedAdmissionExpires) {
  SessionTable sessions;
  sessions.Admit("app", User("alice"), kT);
  EXPECT_EQ(sessions.Admit("app", User("bob"), kT + SessionTable::kConnectWindow),
            Outcome::kHeldByAnother);
  EXPECT_EQ(sessions.Admit("app", User("bob"), kT + SessionTable::kConnectWindow + 1),
            Outcome::kAdmitted);
  EXPECT_EQ(sessions.Find("app")->id, "bob");
}

// A disconnect for an unknown clientid is harmless; an admitted client whose connect
// never completed is forgotten by its disconnect.
TEST(SessionTableTest, UnknownAndUnconnected) {
  SessionTable sessions;
  sessions.Disconnected("nobody", kT);
  sessions.Admit("c1", Device("d1"), kT);
  sessions.Disconnected("c1", kT);
  EXPECT_EQ(sessions.Find("c1"), nullptr);
  EXPECT_EQ(sessions.size(), 0u);
}

}  // namespace
}  // namespace iothub::auth
