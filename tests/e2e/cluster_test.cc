// Two Mosquitto brokers joined by Mosquitto's own bridge, each with the plugin calling
// its own hub, both hubs on one PostgreSQL and one Redis (all real processes): an RPC
// round trip that crosses brokers and hubs, a duplicate reply through the other hub,
// a revoke through hub A seen by hub B, and hub A killed and back while broker B
// serves on and A's connected clients keep working.
//
// The bridge runs from broker A to broker B's user listener and logs in there with a
// token carrying the "broker-bridge" role (hub B admits it as a broker bridge: its
// messages were decided by hub A); broker A's plugin lets what its bridge brings in
// from B pass (plugin_opt_bridge_clientids), hub B having decided it.
#include <gtest/gtest.h>

#include <cstdio>

#include "e2e_world.h"
#include "support/shared_backends.h"

namespace iothub::e2e {
namespace {

using nlohmann::json;

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!World::BrokerInstalled()) GTEST_SKIP() << "mosquitto is not installed";
    ASSERT_TRUE(backends_.Prepare());
    WorldOptions options;
    options.extra_toml = backends_.Toml();
    a_ = std::make_unique<World>(options);
    ASSERT_TRUE(a_->Prepare());
    options.ca_from = a_->data_dir();  // hubs sharing a database share one CA
    b_ = std::make_unique<World>(options);
    ASSERT_TRUE(b_->Prepare());
    const json bridge_roles = {{"realm_access", {{"roles", {"service", "broker-bridge"}}}}};
    a_->broker().SetBridge({.name = "bridge-a",
                            .remote_port = b_->broker().user_port(),
                            .remote_cafile = b_->ca_file(),
                            .token = World::Token("bridge-a", 3600, bridge_roles)});
    alice_ = a_->CreateUser("alice");
    for (auto [device, id] : {std::pair{&dev_d_, "dev-d"}, std::pair{&dev_e_, "dev-e"}}) {
      *device = a_->CreateDevice(id);
      a_->Bind(device->id, alice_);
    }
    ASSERT_FALSE(HasFailure());
    ASSERT_TRUE(b_->Start());
    ASSERT_TRUE(a_->Start());
    // The bridge is up once B granted its subscription.
    ASSERT_TRUE(b_->WaitBrokerLogCount("Sending SUBACK to bridge-a", 1, 10s))
        << a_->Diagnostics() << b_->Diagnostics();
  }

  void TearDown() override {
    if (HasFailure() && a_ != nullptr && b_ != nullptr) {
      std::printf("=== A ===\n%s\n=== B ===\n%s\n", a_->Diagnostics().c_str(),
                  b_->Diagnostics().c_str());
    }
  }

  std::string Topic(const Device& device, const std::string& leaf) const {
    return "users/" + alice_ + "/devices/" + device.id + "/rpc/" + leaf;
  }
  // `device` connected to `world`'s broker and subscribed to its requests.
  std::unique_ptr<MqttTestClient> DeviceOn(World& world, const Device& device) {
    auto client = std::make_unique<MqttTestClient>(
        world.DeviceOptions(device.id, device.cert_path, device.key_path));
    const ConnectOutcome outcome = client->Connect();
    EXPECT_TRUE(outcome.ok()) << device.id << ": " << outcome;
    if (!outcome.ok()) return nullptr;
    EXPECT_EQ(client->Subscribe(Topic(device, "request")), 1);
    return client;
  }
  // A user client on `world`'s broker, subscribed to the replies of both devices.
  std::unique_ptr<MqttTestClient> UserOn(World& world, const std::string& clientid) {
    auto client = world.ConnectUser(clientid, World::Token("alice"));
    if (client == nullptr) return nullptr;
    EXPECT_EQ(client->Subscribe("users/" + alice_ + "/devices/+/rpc/response"), 1);
    return client;
  }
  static json Json(const std::string& text) {
    json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
    return parsed.is_object() ? parsed : json::object();
  }
  // `user` asks `device` for a reboot with `id`; the device answers once. True when the
  // answer reached the user (false at once when the request is refused).
  bool RoundTrip(MqttTestClient& user, MqttTestClient& device, const Device& which,
                 const std::string& id) {
    const std::string request = json{{"id", id}, {"method", "reboot"}}.dump();
    if (user.Publish(Topic(which, "request"), request) != 0) return false;
    const auto with_id = [&](const std::string& leaf) {
      return [&, leaf](const MqttMessage& m) {
        return m.topic == Topic(which, leaf) && Json(m.payload).value("id", "") == id;
      };
    };
    if (!device.WaitMessage(5s, with_id("request"))) return false;
    const std::string reply = json{{"id", id}, {"result", {{"ok", true}}}}.dump();
    if (device.Publish(Topic(which, "response"), reply) != 0) return false;
    return user.WaitMessage(5s, with_id("response")).has_value();
  }

  iothub::testing::SharedBackends backends_;
  std::unique_ptr<World> a_;
  std::unique_ptr<World> b_;
  std::string alice_;
  Device dev_d_, dev_e_;
};

TEST_F(ClusterTest, BridgedBrokersWithTheirOwnHubsServeAsOneCluster) {
  auto alice = UserOn(*a_, "alice-app");
  ASSERT_NE(alice, nullptr);
  auto dev_d = DeviceOn(*b_, dev_d_);
  ASSERT_NE(dev_d, nullptr);
  std::this_thread::sleep_for(600ms);  // hub B publishes d's presence on its next tick

  // The user on broker A, the device on broker B: the request passes hub A, the reply
  // hub B, each crossing the bridge.
  ASSERT_TRUE(RoundTrip(*alice, *dev_d, dev_d_, "r1"));

  // The same reply again, from d's connection on broker A: hub A drops it as a
  // duplicate (the request was answered through hub B).
  {
    auto dev_d_on_a = a_->ConnectDevice(dev_d_);
    ASSERT_NE(dev_d_on_a, nullptr);
    const std::string reply = json{{"id", "r1"}, {"result", {{"ok", true}}}}.dump();
    dev_d_on_a->Publish(Topic(dev_d_, "response"), reply);
    EXPECT_TRUE(a_->WaitHubLog("reason=response_duplicate")) << a_->HubLog();
    EXPECT_FALSE(alice->WaitMessageOn(Topic(dev_d_, "response"), 500ms));
  }

  // Revoked through hub A's HTTP API: broker B refuses d's next connect within 1 s.
  const HttpReply revoked = a_->Http("DELETE", "/api/devices/certificates/" + dev_d_.fingerprint);
  ASSERT_EQ(revoked.status, 200) << revoked.text;
  const auto since_revoke = std::chrono::steady_clock::now();
  EXPECT_TRUE(Eventually(
      [&] {
        MqttTestClient again(b_->DeviceOptions(dev_d_.id, dev_d_.cert_path, dev_d_.key_path));
        return again.Connect().stage == ConnectStage::kRefused;
      },
      1s));
  std::printf("[ e2e ] broker B refuses the revoked device %lld ms after hub A's revoke\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - since_revoke)
                                         .count()));

  // Hub A killed: broker A refuses new clients; broker B serves on (a new user there
  // reaches device e, also there).
  auto dev_e = DeviceOn(*b_, dev_e_);
  ASSERT_NE(dev_e, nullptr);
  a_->KillHub();
  {
    MqttTestClient late(a_->UserOptions("alice-late", World::Token("alice")));
    EXPECT_EQ(late.Connect().stage, ConnectStage::kRefused);
  }
  auto alice_b = UserOn(*b_, "alice-b");
  ASSERT_NE(alice_b, nullptr);
  std::this_thread::sleep_for(600ms);
  EXPECT_TRUE(RoundTrip(*alice_b, *dev_e, dev_e_, "r2"));

  // Hub A back: alice's connection on broker A, which stayed up, works again as soon as
  // the plugin reaches the hub (its session is in Redis), across the bridge to device e.
  ASSERT_TRUE(a_->StartHub());
  const auto back = std::chrono::steady_clock::now();
  EXPECT_TRUE(alice->connected());
  int attempt = 0;
  EXPECT_TRUE(Eventually(
      [&] { return RoundTrip(*alice, *dev_e, dev_e_, "r3-" + std::to_string(++attempt)); }, 5s));
  std::printf("[ e2e ] alice's connection on broker A works %lld ms after hub A came back\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - back)
                                         .count()));
}

}  // namespace
}  // namespace iothub::e2e
