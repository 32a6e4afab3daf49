#include "rpc/presence.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace iothub::rpc {
namespace {

// A device is online between connected and disconnected.
TEST(PresenceTest, ConnectDisconnect) {
  Presence presence;
  EXPECT_FALSE(presence.IsOnline("d1"));
  presence.OnConnected("d1", 10);
  EXPECT_TRUE(presence.IsOnline("d1"));
  EXPECT_EQ(presence.online_count(), 1u);
  presence.OnDisconnected("d1", 20);
  EXPECT_FALSE(presence.IsOnline("d1"));
  EXPECT_EQ(presence.online_count(), 0u);
}

// A takeover (new connection before the old one's disconnect) keeps the device online.
TEST(PresenceTest, TakeoverKeepsOnline) {
  Presence presence;
  presence.OnConnected("d1", 10);
  presence.OnConnected("d1", 20);     // the new session
  presence.OnDisconnected("d1", 21);  // the old one closes late
  EXPECT_TRUE(presence.IsOnline("d1"));
  presence.OnDisconnected("d1", 30);
  EXPECT_FALSE(presence.IsOnline("d1"));
  presence.OnDisconnected("d1", 31);  // extra disconnects do not go below zero
  presence.OnConnected("d1", 40);
  EXPECT_TRUE(presence.IsOnline("d1"));
}

// Duplicate connects are capped, so enough disconnects always take a device offline.
TEST(PresenceTest, ConnectionCountIsCapped) {
  Presence presence;
  for (int i = 0; i < 100; ++i) presence.OnConnected("d1", i);
  for (std::uint32_t i = 0; i < Presence::kMaxConnections; ++i) presence.OnDisconnected("d1", 200);
  EXPECT_FALSE(presence.IsOnline("d1"));
}

// Last-seen updates coalesce per device, keep the newest time and drain once.
TEST(PresenceTest, DrainLastSeen) {
  Presence presence(4);
  presence.OnConnected("d1", 10);
  presence.Touch("d1", 50);
  presence.Touch("d1", 40);  // older: ignored
  presence.OnConnected("d2", 20);
  auto seen = presence.DrainLastSeen();
  std::sort(seen.begin(), seen.end());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], (std::pair<std::string, UnixMillis>{"d1", 50}));
  EXPECT_EQ(seen[1], (std::pair<std::string, UnixMillis>{"d2", 20}));
  EXPECT_TRUE(presence.DrainLastSeen().empty());
  EXPECT_TRUE(presence.IsOnline("d1"));  // draining does not change presence
}

}  // namespace
}  // namespace iothub::rpc
