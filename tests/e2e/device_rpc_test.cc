// Device RPC over MQTT through the real broker: a user publishes requests, device-sim
// (or a device driven by the test) answers. The hub, in message.publish, answers invalid
// requests at once with a JSON-RPC error, and lets through only the first in-time reply
// to a pending request from the right device: late, duplicate, wrong-id and unsolicited
// replies never reach the user.
#include <gtest/gtest.h>

#include "e2e_fixture.h"

namespace iothub::e2e {
namespace {

using iothub::testing::Subprocess;

class DeviceRpcTest : public E2eTest {
 protected:
  // The RPC deadline in the hub (for late replies and -32000 timeouts).
  static constexpr int kRpcTimeoutMs = 1000;
  WorldOptions Options() const override {
    WorldOptions options;
    options.rpc_timeout_ms = kRpcTimeoutMs;
    return options;
  }

  // alice, connected and subscribed to dev-a's responses.
  std::unique_ptr<MqttTestClient> Alice() {
    auto alice = world_->ConnectUser("alice-app", World::Token("alice"));
    if (alice == nullptr) return nullptr;
    EXPECT_EQ(alice->Subscribe(ResponseTopic()), 1);
    return alice;
  }
  std::string RequestTopic() const { return Topic(alice_, "dev-a", "rpc/request"); }
  std::string ResponseTopic() const { return Topic(alice_, "dev-a", "rpc/response"); }

  // Every reply alice gets within `window`.
  static std::vector<nlohmann::json> Replies(MqttTestClient& user,
                                             std::chrono::milliseconds window) {
    std::vector<nlohmann::json> replies;
    const auto end = std::chrono::steady_clock::now() + window;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left <= 0ms) break;
      auto message = user.WaitMessage(left);
      if (!message) break;
      replies.push_back(Json(message->payload));
    }
    return replies;
  }
};

TEST_F(DeviceRpcTest, RequestRoundTripsThroughTheBrokerToTheSimulatedDevice) {
  auto sim = world_->StartDeviceSim(dev_a_, alice_);
  auto alice = Alice();
  ASSERT_TRUE(sim && alice);
  ASSERT_EQ(alice->Publish(RequestTopic(), Request("rt-1", "getSensors")), 0);
  auto reply = alice->WaitMessageOn(ResponseTopic(), 5s);
  ASSERT_TRUE(reply.has_value()) << world_->Diagnostics();
  const nlohmann::json body = Json(reply->payload);
  EXPECT_EQ(body["id"], "rt-1");
  EXPECT_TRUE(body["result"].contains("temperature")) << body;

  ASSERT_EQ(alice->Publish(RequestTopic(), Request("rt-2", "updateDiscreteTimer",
                                                   {{"id", "timer-1"}, {"startTime", 300}})),
            0);
  reply = alice->WaitMessageOn(ResponseTopic(), 5s);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(Json(reply->payload)["id"], "rt-2");
  EXPECT_EQ(Json(reply->payload)["result"]["startTime"], 300) << reply->payload;
}

TEST_F(DeviceRpcTest, InvalidRequestGetsItsErrorReplyAtOnceAndNeverReachesTheDevice) {
  auto device = world_->ConnectDevice(dev_a_);
  auto alice = Alice();
  ASSERT_TRUE(device && alice);
  ASSERT_EQ(device->Subscribe(Topic("+", "dev-a", "rpc/request")), 1);

  struct Case {
    std::string payload;
    nlohmann::json id;  // of the error reply
    int code;
  };
  const std::vector<Case> cases = {
      {Request("bad-1", "selfDestruct"), "bad-1", -32601},
      {Request("bad-2", "updateDiscreteTimer", {{"startTime", 10}}), "bad-2", -32602},  // no id
      {Request("bad-3", "updateDiscreteTimer", {{"id", "timer-1"}, {"startTime", 5000}}), "bad-3",
       -32602},
      {Request("bad-4", "updateIrrigator", {{"id", "irrigator-1"}, {"colour", "red"}}), "bad-4",
       -32602},
      {Request("bad-5", "getSensors", {{"verbose", true}}), "bad-5", -32602},
      {R"({"id":"bad-6","method":"getSensors","param":{}})", "bad-6", -32600},
      {"this is not JSON", nullptr, -32600},
  };
  for (const Case& c : cases) {
    const auto start = std::chrono::steady_clock::now();
    ASSERT_EQ(alice->Publish(RequestTopic(), c.payload), 0) << c.payload;
    auto reply = alice->WaitMessageOn(ResponseTopic(), 3s);
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    ASSERT_TRUE(reply.has_value()) << c.payload << "\n" << world_->Diagnostics();
    const nlohmann::json body = Json(reply->payload);
    EXPECT_EQ(body["id"], c.id) << c.payload << " -> " << reply->payload;
    EXPECT_EQ(body["error"]["code"], c.code) << c.payload << " -> " << reply->payload;
    EXPECT_FALSE(body.contains("result"));
    EXPECT_LT(elapsed, 800ms) << c.payload;  // answered by the hub, not after a deadline
  }
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(device->TakeAll().empty()) << "an invalid request reached the device";
  EXPECT_TRUE(alice->TakeAll().empty());

  // A valid request still reaches it.
  ASSERT_EQ(alice->Publish(RequestTopic(), Request("good-1", "reboot")), 0);
  auto request = device->WaitMessage(3s);
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(Json(request->payload)["id"], "good-1");
}

TEST_F(DeviceRpcTest, RequestToAnOfflineDeviceIsAnsweredByTheHub) {
  auto alice = Alice();
  ASSERT_NE(alice, nullptr);
  ASSERT_EQ(alice->Publish(RequestTopic(), Request("off-1", "getDeviceState")), 0);
  auto reply = alice->WaitMessageOn(ResponseTopic(), 2s);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(Json(reply->payload)["id"], "off-1");
  EXPECT_EQ(Json(reply->payload)["error"]["code"], -32001) << reply->payload;
}

TEST_F(DeviceRpcTest, LateReplyNeverReachesTheUser) {
  // The device answers 1 s after the hub's deadline.
  auto sim = world_->StartDeviceSim(dev_a_, alice_,
                                    {"--reply-delay-ms", std::to_string(kRpcTimeoutMs + 1000)});
  auto alice = Alice();
  ASSERT_TRUE(sim && alice);
  ASSERT_EQ(alice->Publish(RequestTopic(), Request("late-1", "getSensors")), 0);
  // The hub's -32000 comes at the deadline...
  auto timeout = alice->WaitMessageOn(ResponseTopic(), 3s);
  ASSERT_TRUE(timeout.has_value()) << world_->Diagnostics();
  EXPECT_EQ(Json(timeout->payload)["id"], "late-1");
  EXPECT_EQ(Json(timeout->payload)["error"]["code"], -32000) << timeout->payload;
  // ...the device's reply a second later is dropped by the hub.
  EXPECT_TRUE(world_->WaitHubLog("reason=response_late", 4s)) << world_->Diagnostics();
  EXPECT_NE(world_->DeviceSimLog(dev_a_).find("late-1"), std::string::npos);
  const auto more = Replies(*alice, 500ms);
  EXPECT_TRUE(more.empty()) << more.front();
}

TEST_F(DeviceRpcTest, DuplicateReplyReachesTheUserOnce) {
  auto sim = world_->StartDeviceSim(dev_a_, alice_, {"--reply-twice"});
  auto alice = Alice();
  ASSERT_TRUE(sim && alice);
  ASSERT_EQ(alice->Publish(RequestTopic(), Request("dup-1", "getSensors")), 0);
  const auto replies = Replies(*alice, 1500ms);
  ASSERT_EQ(replies.size(), 1u) << world_->Diagnostics();
  EXPECT_EQ(replies[0]["id"], "dup-1");
  EXPECT_TRUE(replies[0].contains("result"));
  EXPECT_TRUE(world_->WaitHubLog("reason=response_duplicate", 2s)) << world_->Diagnostics();
}

TEST_F(DeviceRpcTest, WrongIdReplyNeverReachesTheUser) {
  auto sim = world_->StartDeviceSim(dev_a_, alice_, {"--wrong-id"});
  auto alice = Alice();
  ASSERT_TRUE(sim && alice);
  ASSERT_EQ(alice->Publish(RequestTopic(), Request("wid-1", "getSensors")), 0);
  // Only the hub's timeout reply, for alice's id.
  const auto replies = Replies(*alice, std::chrono::milliseconds(kRpcTimeoutMs + 1000));
  ASSERT_EQ(replies.size(), 1u) << world_->Diagnostics();
  EXPECT_EQ(replies[0]["id"], "wid-1");
  EXPECT_EQ(replies[0]["error"]["code"], -32000);
  EXPECT_TRUE(world_->WaitHubLog("reason=response_unknown_id", 2s)) << world_->Diagnostics();
}

TEST_F(DeviceRpcTest, UnsolicitedRepliesNeverReachTheUser) {
  auto device = world_->ConnectDevice(dev_a_);
  auto alice = Alice();
  ASSERT_TRUE(device && alice);
  // A reply nobody asked for, on the device's own response topic.
  device->Publish(ResponseTopic(), R"({"id":"never-asked","result":{"pwned":true}})");
  // A reply in another device's name: the ACL stops it.
  EXPECT_EQ(device->Publish(Topic(bob_, "dev-b", "rpc/response"), R"({"id":"x","result":{}})"),
            kNotAuthorized);
  EXPECT_TRUE(world_->WaitHubLog("reason=response_unknown_id", 2s)) << world_->Diagnostics();

  // Answering a real request twice, and once more after it was answered.
  ASSERT_EQ(device->Subscribe(Topic("+", "dev-a", "rpc/request")), 1);
  ASSERT_EQ(alice->Publish(RequestTopic(), Request("real-1", "getSensors")), 0);
  ASSERT_TRUE(device->WaitMessage(3s).has_value());
  device->Publish(ResponseTopic(), R"({"id":"real-1","result":{"n":1}})");
  device->Publish(ResponseTopic(), R"({"id":"real-1","result":{"n":2}})");
  const auto replies = Replies(*alice, 1000ms);
  ASSERT_EQ(replies.size(), 1u) << world_->Diagnostics();
  EXPECT_EQ(replies[0]["result"]["n"], 1);
}

}  // namespace
}  // namespace iothub::e2e
