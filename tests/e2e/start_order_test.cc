// The broker started before the hub (issue #15, in its Mosquitto form): while the
// plugin cannot reach the hub nobody is admitted, neither with a certificate nor with a
// token; and the hub's own MQTT link, whose subscription the broker refuses at first,
// subscribes again by itself, so the command endpoint recovers without a restart.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <regex>
#include <string>

#include "e2e_world.h"

namespace iothub::e2e {
namespace {

using nlohmann::json;

long long MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

class StartOrderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!World::BrokerInstalled()) GTEST_SKIP() << "mosquitto is not installed";
  }
  void TearDown() override {
    if (HasFailure() && world_ != nullptr) std::printf("%s\n", world_->Diagnostics().c_str());
  }

  // The value of an unlabelled counter in the hub's /metrics (-1 when absent).
  long long Metric(const std::string& name) {
    const HttpReply metrics = world_->Http("GET", "/metrics", nullptr, std::chrono::seconds(2));
    std::smatch match;
    const std::regex line("\n" + name + " ([0-9]+)");
    const std::string text = "\n" + metrics.text;
    return std::regex_search(text, match, line) ? std::stoll(match[1]) : -1;
  }

  std::unique_ptr<World> world_;
};

// The plugin fails closed while the hub is not there at broker start: a registered,
// bound device with its certificate and a user with a valid token are both refused
// (never admitted anonymously), and both get in once the hub is up.
TEST_F(StartOrderTest, BrokerStartedBeforeTheHubAdmitsNobodyUntilTheHubAnswers) {
  world_ = std::make_unique<World>(WorldOptions{.broker_link = false});
  ASSERT_TRUE(world_->Prepare());
  const std::string alice = world_->CreateUser("alice");
  const Device device = world_->CreateDevice("dev-a");
  world_->Bind(device.id, alice);
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(world_->StartBroker());

  const std::string token = World::Token("alice");
  for (int attempt = 0; attempt < 3; ++attempt) {  // the plugin keeps retrying its hub
    MqttTestClient as_device(world_->DeviceOptions(device));
    const ConnectOutcome device_outcome = as_device.Connect();
    EXPECT_EQ(device_outcome.stage, ConnectStage::kRefused) << device_outcome;
    MqttTestClient as_user(world_->UserOptions("alice-app", token));
    const ConnectOutcome user_outcome = as_user.Connect();
    EXPECT_EQ(user_outcome.stage, ConnectStage::kRefused) << user_outcome;
    MqttTestClient forged(world_->UserOptions("forged-app", "not-a-token"));
    EXPECT_FALSE(forged.Connect().ok());
  }
  EXPECT_TRUE(world_->broker().Running());

  ASSERT_TRUE(world_->StartHub());
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(Eventually(
      [&] { return MqttTestClient(world_->DeviceOptions(device)).Connect().ok(); }, 10s));
  std::printf("[ e2e ] device admitted %lld ms after the hub started serving\n",
              MillisSince(started));
  EXPECT_TRUE(MqttTestClient(world_->UserOptions("alice-app", token)).Connect().ok());
  EXPECT_FALSE(MqttTestClient(world_->UserOptions("forged-app", "not-a-token")).Connect().ok());
}

// The hub's link connects, but the broker refuses its SUBSCRIBE to the response topics
// (here: the link logs in as a plain user, whom the hub does not let read every
// device's replies). It is reported down (/metrics, /api/health) and commands answer
// 503; once the account is fixed at runtime (made an admin), the link subscribes again
// by itself within seconds and commands get their replies. The link used to stay
// unsubscribed until something else made it reconnect.
TEST_F(StartOrderTest, RefusedLinkSubscriptionIsRetriedAndCommandsRecover) {
  world_ = std::make_unique<World>(WorldOptions{.link_token = World::Token("ops")});
  ASSERT_TRUE(world_->Prepare());
  const std::string ops = world_->CreateUser("ops");
  const std::string alice = world_->CreateUser("alice");
  const Device device = world_->CreateDevice("dev-a");
  world_->Bind(device.id, alice);
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(world_->StartBroker());
  ASSERT_TRUE(world_->StartHub());
  const json command = {{"userId", alice}, {"deviceId", device.id}, {"method", "getDeviceState"}};

  // Refused twice: the link keeps trying, and is reported down meanwhile.
  ASSERT_TRUE(
      Eventually([&] { return Metric("iothub_mqtt_link_subscribe_failures_total") >= 2; }, 15s));
  EXPECT_EQ(Metric("iothub_mqtt_link_up"), 0);
  const HttpReply health = world_->Http("GET", "/api/health");
  EXPECT_EQ(health.status, 200) << health.text;
  EXPECT_EQ(health.body["status"], "degraded") << health.text;
  EXPECT_EQ(health.body["mqtt"], "unavailable") << health.text;
  EXPECT_EQ(world_->Command(command).status, 503);

  const HttpReply promoted = world_->Http("PATCH", "/api/users/" + ops, {{"role", "admin"}});
  ASSERT_EQ(promoted.status, 200) << promoted.text;
  const auto fixed = std::chrono::steady_clock::now();
  ASSERT_TRUE(world_->WaitLink(true, 20s));
  std::printf("[ e2e ] link subscribed %lld ms after the account was fixed\n", MillisSince(fixed));
  auto sim = world_->StartDeviceSim(device, alice);
  ASSERT_NE(sim, nullptr);
  const HttpReply healthy = world_->Http("GET", "/api/health");
  EXPECT_EQ(healthy.body["status"], "ok") << healthy.text;
  EXPECT_EQ(healthy.body["mqtt"], "ok") << healthy.text;
  const HttpReply reply = world_->Command(command);
  ASSERT_EQ(reply.status, 200) << reply.text;
  EXPECT_TRUE(reply.body["result"].is_object()) << reply.text;
}

}  // namespace
}  // namespace iothub::e2e
