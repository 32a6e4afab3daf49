// RedisRpcState and RedisClient against a real redis-server: what only a shared store
// has (presence across hubs, outages), and the URL they are configured with.
#include "cluster/redis_rpc_state.h"

#include <gtest/gtest.h>

#include <thread>

#include "cluster/redis_client.h"
#include "support/redis_server.h"

namespace iothub::cluster {
namespace {

using namespace std::chrono_literals;
using testing::RedisServer;

std::unique_ptr<RedisClient> Client(const RedisServer& server, Metrics& metrics) {
  auto options = ParseRedisUrl(server.Url());
  EXPECT_TRUE(options.ok());
  options->timeout = 100ms;
  return std::make_unique<RedisClient>(*options, metrics);
}

rpc::StateNow Now() { return {std::chrono::steady_clock::now(), 1'900'000'000'000}; }

// Round trips to Redis so far (iothub_redis_command_seconds' count).
long RoundTrips(Metrics& metrics) {
  const std::string text = metrics.Render();
  const std::string_view name = "iothub_redis_command_seconds_count ";
  const auto at = text.find(name);
  return at == std::string::npos ? -1 : std::stol(text.substr(at + name.size()));
}

rpc::PendingRequest Request(std::string device, std::string id, std::string client = "app-1") {
  const auto now = std::chrono::steady_clock::now();
  return {.device_id = std::move(device),
          .request_id = std::move(id),
          .user_id = "u1",
          .requester_clientid = std::move(client),
          .method = rpc::Method::kReboot,
          .sent_at = now,
          .deadline = now + 5s};
}

// Hubs A and B sharing one redis-server; dev-1 is connected to A (not published yet).
class RedisTwoHubsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server.ok()) << server.error();
    client = Client(server, metrics);
    a = std::make_unique<RedisRpcState>(*client, "hub-a", rpc::PendingLimits{});
    b = std::make_unique<RedisRpcState>(*client, "hub-b", rpc::PendingLimits{});
    a_presence.OnConnected("dev-1", 1);
  }

  RedisServer server;
  Metrics metrics;
  std::unique_ptr<RedisClient> client;
  std::unique_ptr<RedisRpcState> a, b;
  rpc::Presence a_presence{4, /*track_changes=*/true};
};

// A device online on hub A counts as online elsewhere for hub B (not for A itself),
// until A reports it gone; after Redis lost everything, A's next tick publishes it again.
TEST_F(RedisTwoHubsTest, PresenceIsSharedAndRepublishedAfterRedisForgets) {
  EXPECT_FALSE(*b->IsOnlineElsewhere("dev-1"));  // not published yet
  ASSERT_TRUE(a->Maintain(a_presence).ok());
  EXPECT_TRUE(*b->IsOnlineElsewhere("dev-1"));
  EXPECT_FALSE(*a->IsOnlineElsewhere("dev-1"));
  EXPECT_FALSE(*b->IsOnlineElsewhere("dev-2"));

  ASSERT_TRUE(client->Command({"FLUSHALL"}).ok());
  EXPECT_FALSE(*b->IsOnlineElsewhere("dev-1"));
  ASSERT_TRUE(a->Maintain(a_presence).ok());
  EXPECT_TRUE(*b->IsOnlineElsewhere("dev-1"));

  a_presence.OnDisconnected("dev-1", 2);
  ASSERT_TRUE(a->Maintain(a_presence).ok());
  EXPECT_FALSE(*b->IsOnlineElsewhere("dev-1"));
}

// Admit is one round trip whatever it decides, and asks about the other hubs only for
// a device that is not connected to this one: online on hub A, a request through B is
// accepted; a device on no live hub (A's own, or A stopped) is offline for B.
TEST_F(RedisTwoHubsTest, AdmitIsOneRoundTripAndCountsOnlyOtherLiveHubs) {
  ASSERT_TRUE(a->Maintain(a_presence).ok());
  // The first call teaches Redis the script (EVALSHA refused, then EVAL).
  ASSERT_EQ(*b->Admit(Request("dev-0", "r0"), true, 10, Now()), rpc::AdmitResult::kAccepted);

  const auto admit_once = [&](RedisRpcState& state, rpc::PendingRequest request, bool online_here) {
    const long before = RoundTrips(metrics);
    const auto result = state.Admit(request, online_here, 10, Now());
    EXPECT_EQ(RoundTrips(metrics) - before, 1) << request.request_id;
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : rpc::AdmitResult::kInvalid;
  };
  EXPECT_EQ(admit_once(*b, Request("dev-1", "r1"), false), rpc::AdmitResult::kAccepted);
  EXPECT_EQ(admit_once(*b, Request("dev-1", "r1"), false), rpc::AdmitResult::kDuplicate);
  EXPECT_EQ(admit_once(*b, Request("dev-1", "r1", "app-2"), false), rpc::AdmitResult::kIdInUse);
  EXPECT_EQ(admit_once(*a, Request("dev-1", "r2"), false), rpc::AdmitResult::kOffline);
  EXPECT_EQ(admit_once(*b, Request("dev-2", "r2"), false), rpc::AdmitResult::kOffline);
  EXPECT_EQ(admit_once(*a, Request("dev-1", "r2"), true), rpc::AdmitResult::kAccepted);

  ASSERT_TRUE(client->Command({"DEL", "iothub:hub:hub-a"}).ok());  // as if it expired
  EXPECT_EQ(admit_once(*b, Request("dev-1", "r3"), false), rpc::AdmitResult::kOffline);
  EXPECT_EQ(*b->Lookup("dev-1", "r3", "app-1"), rpc::IdUse::kFree);
}

// A hub that stopped ticking (its liveness key gone) no longer makes its devices count.
TEST_F(RedisTwoHubsTest, DevicesOfAHubThatStoppedDoNotCount) {
  ASSERT_TRUE(a->Maintain(a_presence).ok());
  ASSERT_TRUE(client->Command({"DEL", "iothub:hub:hub-a"}).ok());  // as if it expired
  EXPECT_FALSE(*b->IsOnlineElsewhere("dev-1"));
  EXPECT_EQ(client->Command({"SCARD", "iothub:presence:dev-1"})->integer, 0);
}

// Redis down: every call fails at once or within the timeout (no hang), the client says
// it is down; back on the same port: calls succeed again within 5 s.
TEST(RedisRpcStateTest, OutageFailsFastAndRecoversWithinFiveSeconds) {
  RedisServer server;
  ASSERT_TRUE(server.ok()) << server.error();
  Metrics metrics;
  auto client = Client(server, metrics);
  RedisRpcState state(*client, "hub-a", {});
  ASSERT_TRUE(state.TryAcquire("u1", 10, Now()).ok());
  EXPECT_TRUE(client->up());

  ASSERT_TRUE(server.Stop());
  for (int i = 0; i < 20; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const auto result = state.Lookup("d1", "r1", "app");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 300ms);
    EXPECT_FALSE(result.ok());
    EXPECT_TRUE(absl::IsUnavailable(result.status())) << result.status();
  }
  EXPECT_FALSE(state.Take("d1", "r1", "u1", Now()).ok());
  EXPECT_FALSE(state.ClaimExpired(Now()).ok());
  const auto admitted = state.Admit(Request("d1", "r1"), false, 10, Now());
  EXPECT_TRUE(absl::IsUnavailable(admitted.status())) << admitted.status();
  EXPECT_FALSE(client->up());
  EXPECT_FALSE(client->last_error().empty());

  ASSERT_TRUE(server.Start()) << server.error();
  const auto back = std::chrono::steady_clock::now();
  bool recovered = false;
  while (!recovered && std::chrono::steady_clock::now() - back < 5s) {
    recovered = state.Lookup("d1", "r1", "app").ok();
    if (!recovered) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(recovered);
  EXPECT_TRUE(client->up());
}

// A password in the URL is used, and shown in no error and no redacted form.
TEST(RedisRpcStateTest, UrlIsParsedAndItsPasswordRedacted) {
  auto options = ParseRedisUrl("redis://:s3cret-pw@cache.internal:6380/3");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->host, "cache.internal");
  EXPECT_EQ(options->port, 6380);
  EXPECT_EQ(options->db, 3);
  EXPECT_EQ(options->password, "s3cret-pw");
  EXPECT_EQ(RedactRedisUrl("redis://:s3cret-pw@cache.internal:6380/3"),
            "redis://:****@cache.internal:6380/3");
  auto defaults = ParseRedisUrl("redis://localhost");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->port, 6379);
  EXPECT_EQ(defaults->db, 0);
  // Bad inputs.
  for (const char* bad :
       {"", "http://h:1", "redis://", "redis://h:0", "redis://h:70000", "redis://h:x",
        "redis://h/16", "redis://h/-1", "redis://user@h", "redis://:pw@:6379"}) {
    const auto parsed = ParseRedisUrl(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().message().find("pw"), std::string_view::npos) << bad;
  }
}

}  // namespace
}  // namespace iothub::cluster
