#include "auth/session_table.h"

#include <gtest/gtest.h>

namespace iothub::auth {
namespace {

std::shared_ptr<const Principal> Device(std::string id) {
  auto p = std::make_shared<Principal>();
  p->kind = PrincipalKind::kDevice;
  p->id = std::move(id);
  return p;
}

// A principal admitted for a clientid is found until its connection disconnects.
TEST(SessionTableTest, AdmitConnectDisconnect) {
  SessionTable sessions;
  EXPECT_EQ(sessions.Find("c1"), nullptr);
  sessions.Admit("c1", Device("d1"));
  sessions.Connected("c1");
  ASSERT_NE(sessions.Find("c1"), nullptr);
  EXPECT_EQ(sessions.Find("c1")->id, "d1");
  sessions.Disconnected("c1");
  EXPECT_EQ(sessions.Find("c1"), nullptr);
  EXPECT_EQ(sessions.size(), 0u);
}

// A takeover (new authenticate + connect before the old disconnect) keeps the new
// principal when the old connection's disconnect arrives.
TEST(SessionTableTest, TakeoverKeepsTheNewPrincipal) {
  SessionTable sessions;
  sessions.Admit("c1", Device("old"));
  sessions.Connected("c1");
  sessions.Admit("c1", Device("new"));
  sessions.Connected("c1");
  sessions.Disconnected("c1");  // the old connection goes
  ASSERT_NE(sessions.Find("c1"), nullptr);
  EXPECT_EQ(sessions.Find("c1")->id, "new");
  sessions.Disconnected("c1");
  EXPECT_EQ(sessions.Find("c1"), nullptr);
}

// A disconnect for an unknown clientid is harmless; an admitted client whose connect
// never completed is forgotten by its disconnect.
TEST(SessionTableTest, UnknownAndUnconnected) {
  SessionTable sessions;
  sessions.Disconnected("nobody");
  sessions.Admit("c1", Device("d1"));
  sessions.Disconnected("c1");
  EXPECT_EQ(sessions.Find("c1"), nullptr);
}

}  // namespace
}  // namespace iothub::auth
