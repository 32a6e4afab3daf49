// Two or more hubs on one real redis-server, for the RedisSessionDirectory tests: each
// hub its own RedisClient, presence and directory following the invalidation channel.
// Header-only (each *_test.cc is its own translation unit of cluster_test).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "cluster/redis_session_directory.h"
#include "support/redis_server.h"

namespace iothub::cluster::sessions_test {

using namespace std::chrono_literals;
using auth::SessionDirectory;
using testing::RedisServer;
using Outcome = SessionDirectory::AdmitOutcome;

inline constexpr UnixMillis kT = 1'900'000'000'000;

inline std::shared_ptr<const Principal> User(const std::string& id,
                                             PrincipalKind kind = PrincipalKind::kUser) {
  auto p = std::make_shared<Principal>();
  p->kind = kind;
  p->id = id;
  p->clientid = "app";
  p->username = "jwt";
  return p;
}

inline std::shared_ptr<const Principal> Device(const std::string& id) {
  auto p = std::make_shared<Principal>();
  p->kind = PrincipalKind::kDevice;
  p->id = id;
  p->clientid = id;
  return p;
}

inline bool Eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = 3s) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// One hub: its Redis client, presence and directory.
struct Hub {
  Hub(const RedisServer& server, const std::string& id) {
    auto options = ParseRedisUrl(server.Url());
    EXPECT_TRUE(options.ok());
    options->timeout = 100ms;
    redis = std::make_unique<RedisClient>(*options, metrics);
    sessions = std::make_unique<RedisSessionDirectory>(RedisSessionParts{.redis = *redis,
                                                                         .subscriber = *options,
                                                                         .hub_id = id,
                                                                         .presence = presence,
                                                                         .clock = clock,
                                                                         .metrics = metrics});
    sessions->Start();
    EXPECT_TRUE(Eventually([&] { return sessions->following(); }));
  }
  // After Redis came back: true once every synchronous connection of the client is
  // past its own reconnect back-off (consecutive calls take them in turn), so that the
  // waiting calls that follow do not fail on one still waiting to reconnect.
  bool Reconnected() {
    return Eventually(
        [&] {
          for (std::size_t i = 0; i < RedisOptions{}.connections; ++i) {
            if (!redis->Command({"PING"}).ok()) return false;
          }
          return true;
        },
        5s);
  }
  std::string Find(const std::string& clientid) {
    auto p = sessions->Find(clientid);
    if (!p.ok()) return "error";
    return *p == nullptr ? "none" : std::string(ToString((*p)->kind)) + ":" + (*p)->id;
  }
  std::uint64_t Invalidations() {
    return metrics.GetCounter("iothub_session_invalidations_total", "").value();
  }
  std::int64_t Deferred() { return metrics.GetGauge("iothub_session_events_deferred", "").value(); }
  std::uint64_t RedisLookups() {
    return metrics.GetCounter("iothub_session_lookups_total", "", {{"source", "redis"}}).value();
  }

  Metrics metrics;
  SystemClock clock;
  rpc::Presence presence;
  std::unique_ptr<RedisClient> redis;
  std::unique_ptr<RedisSessionDirectory> sessions;
};

class RedisSessionDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.ok()) << server_.error(); }
  RedisServer server_;
};

}  // namespace iothub::cluster::sessions_test
