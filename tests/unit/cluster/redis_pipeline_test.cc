// The RPC pipeline on RedisRpcState with a real redis-server that goes away and comes
// back: it fails closed while Redis is down (no request passes unrecorded, no reply
// passes unmatched) and does not remember those answers, so the same message decided
// again after Redis returns gets the real decision.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "cluster/redis_client.h"
#include "cluster/redis_rpc_state.h"
#include "common/clock.h"
#include "rpc/rpc_pipeline.h"
#include "support/redis_server.h"

namespace iothub::cluster {
namespace {

using namespace std::chrono_literals;
using rpc::PublishDecision;
using rpc::PublishReason;
using Kind = PublishDecision::Kind;

constexpr char kRequestTopic[] = "users/u1/devices/d1/rpc/request";
constexpr char kResponseTopic[] = "users/u1/devices/d1/rpc/response";

Principal MakePrincipal(PrincipalKind kind, std::string id, std::string clientid) {
  Principal p;
  p.kind = kind;
  p.id = std::move(id);
  p.clientid = std::move(clientid);
  return p;
}

class RedisPipelineTest : public ::testing::Test {
 protected:
  RedisPipelineTest() {
    UserRecord user;
    user.id = "u1";
    user.plan = "free";
    fleet_.AddUser(user);
    DeviceRecord device;
    device.id = "d1";
    device.owner_id = "u1";
    device.status = DeviceStatus::kBound;
    fleet_.AddDevice(device);
    presence_.OnConnected("d1", 0);
  }

  void SetUp() override {
    ASSERT_TRUE(redis_.ok()) << redis_.error();
    auto options = ParseRedisUrl(redis_.Url());
    ASSERT_TRUE(options.ok());
    client_ = std::make_unique<RedisClient>(*options, metrics_);
    state_ = std::make_unique<RedisRpcState>(*client_, "hub-a", rpc::PendingLimits{});
    rpc::RpcConfig config;
    config.plans = {{.name = "free", .max_devices = 5, .rpc_per_minute = 100}};
    pipeline_ = std::make_unique<rpc::RpcPipeline>(config, presence_, *state_, metrics_);
  }

  PublishDecision Publish(const std::string& message_id, std::string_view topic,
                          std::string_view payload, const Principal& publisher) {
    return pipeline_->OnPublish({.message_id = message_id,
                                 .topic = topic,
                                 .payload = payload,
                                 .qos = 1,
                                 .from = publisher.clientid,
                                 .publisher = &publisher,
                                 .fleet = fleet_,
                                 .now = clock_.SteadyNow(),
                                 .now_ms = clock_.NowUnixMillis()});
  }

  testing::RedisServer redis_;
  Metrics metrics_;
  ManualClock clock_;
  FleetSnapshot fleet_;
  rpc::Presence presence_;
  std::unique_ptr<RedisClient> client_;
  std::unique_ptr<RedisRpcState> state_;
  std::unique_ptr<rpc::RpcPipeline> pipeline_;
  const Principal user_ = MakePrincipal(PrincipalKind::kUser, "u1", "app-1");
  const Principal device_ = MakePrincipal(PrincipalKind::kDevice, "d1", "d1");
};

// Redis down: a request and a reply are dropped (state_unavailable); a request without
// an id is still answered -32600 (decided without Redis); the same Message.ids after
// Redis returns are decided afresh: the request passes, its reply is matched.
TEST_F(RedisPipelineTest, FailsClosedWhileRedisIsDownAndForgetsThoseAnswers) {
  ASSERT_TRUE(redis_.Stop());
  const std::string request = R"({"id":"r1","method":"reboot"})";
  const std::string reply = R"({"id":"r1","result":{}})";
  const PublishDecision refused = Publish("m-1", kRequestTopic, request, user_);
  EXPECT_EQ(refused.kind, Kind::kDrop);
  EXPECT_EQ(refused.reason, PublishReason::kStateUnavailable);
  const PublishDecision unmatched = Publish("m-2", kResponseTopic, reply, device_);
  EXPECT_EQ(unmatched.kind, Kind::kDrop);
  EXPECT_EQ(unmatched.reason, PublishReason::kStateUnavailable);
  const PublishDecision no_id = Publish("m-3", kRequestTopic, R"({"method":"reboot"})", user_);
  ASSERT_EQ(no_id.kind, Kind::kRewrite);
  EXPECT_EQ(nlohmann::json::parse(no_id.new_payload)["error"]["code"], -32600) << no_id.new_payload;
  EXPECT_EQ(no_id.new_topic, kResponseTopic);
  const auto swept = pipeline_->SweepTimeouts(clock_.SteadyNow(), clock_.NowUnixMillis());
  EXPECT_FALSE(swept.ok());

  ASSERT_TRUE(redis_.Start()) << redis_.error();
  std::this_thread::sleep_for(1100ms);  // past the client's reconnect back-off
  const PublishDecision passed = Publish("m-1", kRequestTopic, request, user_);
  EXPECT_EQ(passed.kind, Kind::kPass);
  EXPECT_EQ(passed.reason, PublishReason::kRequestAccepted);
  const PublishDecision matched = Publish("m-2", kResponseTopic, reply, device_);
  EXPECT_EQ(matched.kind, Kind::kPass);
  EXPECT_EQ(matched.reason, PublishReason::kResponseAccepted);
}

}  // namespace
}  // namespace iothub::cluster
