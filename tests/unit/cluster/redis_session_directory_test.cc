// RedisSessionDirectory against a real redis-server, two directories standing for two
// hubs behind a load balancer: the events of one client reach either hub, the clientid
// stays with its principal across hubs, caches follow owner changes, and a Redis
// outage fails closed.
#include "cluster/redis_session_directory.h"

#include <gtest/gtest.h>

#include "auth/session_table.h"
#include "unit/cluster/redis_session_hub.h"

namespace iothub::cluster {
namespace {

using namespace std::chrono_literals;
using namespace sessions_test;

// Authenticate at A; authorize, connected and disconnected at B: B reads the session
// once and serves it from its cache after that; the disconnect ends it for both.
TEST_F(RedisSessionDirectoryTest, AnyHubServesAnyEventOfAClient) {
  Hub a(server_, "hub-a"), b(server_, "hub-b");
  ASSERT_EQ(*a.sessions->Admit("app", User("u1"), kT), Outcome::kAdmitted);
  EXPECT_EQ(a.Find("app"), "user:u1");
  EXPECT_EQ(a.RedisLookups(), 0u);  // admitted here: cached
  // Once A's admission message reached B, B reads the session once, then caches it.
  EXPECT_TRUE(Eventually([&] { return b.Invalidations() == 1; }));
  EXPECT_EQ(b.Find("app"), "user:u1");
  EXPECT_EQ(b.Find("app"), "user:u1");
  EXPECT_EQ(b.RedisLookups(), 1u);
  ASSERT_TRUE(b.sessions->Connected("app", kT + 1).ok());
  EXPECT_EQ(*a.sessions->Disconnected("app", kT + 2), 0);  // B counted the connection
  EXPECT_EQ(a.Find("app"), "none");
  EXPECT_TRUE(Eventually([&] { return b.Find("app") == "none"; }));  // B's copy dropped
  EXPECT_EQ(b.Find("nobody"), "none");
}

// A live clientid stays with its principal whichever hub is asked; once its session
// ended, another principal may take it, and the hub that had cached the first one
// answers with the new one.
TEST_F(RedisSessionDirectoryTest, ClientIdStaysWithItsPrincipalAcrossHubs) {
  Hub a(server_, "hub-a"), b(server_, "hub-b");
  ASSERT_EQ(*a.sessions->Admit("app", User("alice"), kT), Outcome::kAdmitted);
  ASSERT_TRUE(a.sessions->Connected("app", kT).ok());
  EXPECT_EQ(b.Find("app"), "user:alice");
  EXPECT_EQ(*b.sessions->Admit("app", User("bob"), kT + 1), Outcome::kHeldByAnother);
  EXPECT_EQ(*b.sessions->Admit("app", User("alice", PrincipalKind::kService), kT + 1),
            Outcome::kHeldByAnother);  // another kind of identity with the same id
  // Same person as an admin now (a role change keeps the holder): B's copy follows.
  ASSERT_EQ(*a.sessions->Admit("app", User("alice", PrincipalKind::kAdmin), kT + 2),
            Outcome::kAdmitted);
  EXPECT_TRUE(Eventually([&] { return b.Find("app") == "admin:alice"; }));
  ASSERT_TRUE(a.sessions->Connected("app", kT + 3).ok());
  EXPECT_EQ(*a.sessions->Disconnected("app", kT + 4), 1);
  EXPECT_EQ(a.Find("app"), "admin:alice");  // the newer connection lives on
  EXPECT_EQ(*b.sessions->Disconnected("app", kT + 5), 0);
  ASSERT_EQ(*b.sessions->Admit("app", User("bob"), kT + 6), Outcome::kAdmitted);
  EXPECT_TRUE(Eventually([&] { return a.Find("app") == "user:bob"; }));
}

// Reconnects whose events are split between hubs, in both brokers' orders, never end
// the newer session.
TEST_F(RedisSessionDirectoryTest, GenerationsCountAcrossHubs) {
  Hub a(server_, "hub-a"), b(server_, "hub-b");
  // Mosquitto: authenticate(new), connected(new), disconnected(old).
  ASSERT_EQ(*a.sessions->Admit("d1", Device("d1"), kT), Outcome::kAdmitted);
  ASSERT_TRUE(a.sessions->Connected("d1", kT).ok());
  ASSERT_EQ(*b.sessions->Admit("d1", Device("d1"), kT + 1), Outcome::kAdmitted);
  ASSERT_TRUE(b.sessions->Connected("d1", kT + 1).ok());
  EXPECT_EQ(*b.sessions->Disconnected("d1", kT + 2), 0);  // the old one, counted by A
  EXPECT_EQ(a.Find("d1"), "device:d1");
  EXPECT_EQ(b.Find("d1"), "device:d1");
  // EMQX: authenticate(new), disconnected(old), connected(new).
  ASSERT_EQ(*a.sessions->Admit("d1", Device("d1"), kT + 3), Outcome::kAdmitted);
  EXPECT_EQ(*a.sessions->Disconnected("d1", kT + 4), 0);  // B's connection
  ASSERT_TRUE(b.sessions->Connected("d1", kT + 5).ok());
  EXPECT_EQ(b.Find("d1"), "device:d1");
  EXPECT_EQ(*b.sessions->Disconnected("d1", kT + 6), 1);
  EXPECT_EQ(b.Find("d1"), "none");
  // An admission that never connects stops holding the clientid after the window.
  ASSERT_EQ(*a.sessions->Admit("d2", Device("d2"), kT), Outcome::kAdmitted);
  EXPECT_EQ(*b.sessions->Admit("d2", User("d2"), kT + 1), Outcome::kHeldByAnother);
  EXPECT_EQ(*b.sessions->Admit("d2", User("d2"), kT + auth::SessionTable::kConnectWindow + 1),
            Outcome::kAdmitted);
}

// A device connection counted by hub A that ends through hub B is counted down at A.
TEST_F(RedisSessionDirectoryTest, PresenceFollowsADisconnectThroughAnotherHub) {
  Hub a(server_, "hub-a"), b(server_, "hub-b");
  ASSERT_EQ(*a.sessions->Admit("d1", Device("d1"), kT), Outcome::kAdmitted);
  ASSERT_TRUE(a.sessions->Connected("d1", kT).ok());
  a.presence.OnConnected("d1", kT);  // as HubHandler does
  EXPECT_EQ(*b.sessions->Disconnected("d1", kT + 1), 0);
  EXPECT_TRUE(Eventually([&] { return !a.presence.IsOnline("d1"); }));
}

// Redis down: what this hub admitted itself still answers from memory; a session
// learned from Redis, an unknown one and a login fail (the caller denies); connects
// and disconnects wait in order. Back: the channel follows again, the cache starts
// afresh, and the waiting events are recorded in their order, behind which a newer
// event of the same client waits too.
TEST_F(RedisSessionDirectoryTest, OutageFailsClosedAndRecovers) {
  Hub a(server_, "hub-a"), b(server_, "hub-b");
  ASSERT_EQ(*a.sessions->Admit("mine", User("u1"), kT), Outcome::kAdmitted);
  ASSERT_EQ(*b.sessions->Admit("theirs", User("u2"), kT), Outcome::kAdmitted);
  EXPECT_EQ(a.Find("theirs"), "user:u2");

  ASSERT_TRUE(server_.Stop());
  EXPECT_TRUE(Eventually([&] { return !a.sessions->following(); }));
  EXPECT_EQ(a.Find("mine"), "user:u1");
  EXPECT_EQ(a.Find("theirs"), "error");
  EXPECT_EQ(a.Find("unknown"), "error");
  EXPECT_FALSE(a.sessions->Admit("new", User("u3"), kT).ok());
  EXPECT_TRUE(a.sessions->Connected("mine", kT).ok());
  EXPECT_EQ(*a.sessions->Disconnected("mine", kT), 0);  // counted when recorded
  EXPECT_EQ(a.Deferred(), 2);
  EXPECT_FALSE(a.sessions->ReplayUnrecorded().ok());

  ASSERT_TRUE(server_.Start()) << server_.error();  // empty: it kept nothing
  EXPECT_TRUE(Eventually([&] { return a.sessions->following(); }, 5s));
  ASSERT_TRUE(a.Reconnected());
  // The cache started afresh: A's own entry is read from Redis, which lost it.
  EXPECT_TRUE(Eventually([&] { return a.Find("mine") == "none"; }, 5s));
  // Redis kept nothing: two admissions on their way, then the waiting connect and
  // disconnect, then a newer connect that waits behind them.
  EXPECT_EQ(*a.sessions->Admit("mine", User("u1"), kT + 1), Outcome::kAdmitted);
  EXPECT_EQ(*a.sessions->Admit("mine", User("u1"), kT + 2), Outcome::kAdmitted);
  EXPECT_TRUE(a.sessions->Connected("mine", kT + 3).ok());
  EXPECT_EQ(a.Deferred(), 3);
  ASSERT_TRUE(a.sessions->ReplayUnrecorded().ok());
  EXPECT_EQ(a.Deferred(), 0);
  // In order: connected, disconnected, connected: one live connection, no admission
  // left; its disconnect ends the session.
  EXPECT_EQ(b.Find("mine"), "user:u1");
  EXPECT_EQ(*a.sessions->Disconnected("mine", kT + 4), 1);
  EXPECT_TRUE(Eventually([&] { return b.Find("mine") == "none"; }));
}

// Text in Redis that this build did not write is an error, never a principal.
TEST_F(RedisSessionDirectoryTest, ForeignSessionTextIsAnError) {
  Hub a(server_, "hub-a");
  ASSERT_TRUE(a.redis->Command({"HSET", "iothub:s:x", "p", "{not json"}).ok());
  EXPECT_EQ(a.Find("x"), "error");
  ASSERT_TRUE(a.redis->Command({"HSET", "iothub:s:y", "p", R"({"kind":"root","id":"r"})"}).ok());
  EXPECT_EQ(a.Find("y"), "error");
}

}  // namespace
}  // namespace iothub::cluster
