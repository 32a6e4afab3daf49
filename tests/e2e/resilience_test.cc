// The broker when the hub is down or slow, and odd inputs: clients are refused while
// the hub cannot answer, Mosquitto stays up, and service resumes within about a second
// of the hub's return; a 256 KB publish and certificates with odd subjects go through
// the plugin without harm.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>

#include "e2e_fixture.h"
#include "support/temp_dir.h"
#include "test_pki.h"

namespace iothub::e2e {
namespace {

using iothub::testing::ReadFile;
using iothub::testing::WriteFile;

class ResilienceTest : public E2eTest {
 protected:
  ConnectOutcome ConnectDeviceOnce(const Device& device) {
    MqttTestClient client(world_->DeviceOptions(device));
    return client.Connect();
  }

  // Milliseconds from now until `device` is admitted (polling every 50 ms); -1 when it is
  // not within `timeout`.
  long long MillisUntilAdmitted(const Device& device, std::chrono::milliseconds timeout) {
    const auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < timeout) {
      if (ConnectDeviceOnce(device).ok()) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start)
            .count();
      }
      std::this_thread::sleep_for(50ms);
    }
    return -1;
  }
};

TEST_F(ResilienceTest, HubDownRefusesClientsAndServiceResumesWithinASecondOfItsReturn) {
  ASSERT_TRUE(ConnectDeviceOnce(dev_a_).ok());
  EXPECT_EQ(world_->StopHub(), 0);

  // Fail closed, fast, and the broker stays up.
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const ConnectOutcome device = ConnectDeviceOnce(dev_a_);
    EXPECT_EQ(device.stage, ConnectStage::kRefused) << device;
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    MqttTestClient user(world_->UserOptions("alice-app", World::Token("alice")));
    EXPECT_EQ(user.Connect().stage, ConnectStage::kRefused);
  }
  EXPECT_TRUE(world_->broker().Running()) << world_->BrokerLog();

  ASSERT_TRUE(world_->StartHub());
  const long long resumed = MillisUntilAdmitted(dev_a_, 10s);
  std::printf("[ e2e ] device admitted %lld ms after the hub was back\n", resumed);
  ASSERT_GE(resumed, 0) << world_->Diagnostics();
  EXPECT_LT(resumed, 1500);  // the issue asks for a second; loosely
  EXPECT_NE(world_->ConnectUser("alice-app", World::Token("alice")), nullptr);
  EXPECT_TRUE(world_->broker().Running());
}

// Clients that stayed connected through the hub's restart keep working once it is back:
// the device still answers commands, the user still publishes and receives. The hub
// journals its sessions and device presence (state.db) and puts them back at start.
TEST_F(ResilienceTest, ConnectedClientsKeepWorkingAfterTheHubRestarts) {
  auto sim = world_->StartDeviceSim(dev_a_, alice_);
  auto alice = world_->ConnectUser("alice-app", World::Token("alice"));
  ASSERT_TRUE(sim && alice);
  ASSERT_EQ(alice->Subscribe(Topic(alice_, "dev-a", "rpc/response")), 1);
  ASSERT_EQ(
      world_->Command({{"userId", alice_}, {"deviceId", "dev-a"}, {"method", "getSensors"}}).status,
      200);

  EXPECT_EQ(world_->StopHub(), 0);
  ASSERT_TRUE(world_->StartHub());
  ASSERT_TRUE(world_->WaitLink(true, 10s)) << world_->Diagnostics();

  HttpReply reply;
  const auto back = std::chrono::steady_clock::now();
  const bool answered = Eventually(
      [&] {
        reply = world_->Command({{"userId", alice_},
                                 {"deviceId", "dev-a"},
                                 {"method", "getSensors"},
                                 {"timeout", 1000}});
        return reply.status == 200 && reply.body.contains("result");
      },
      5s);
  std::printf("[ e2e ] command to the still-connected device after the hub restart: HTTP %d %s\n",
              reply.status, reply.text.c_str());
  EXPECT_TRUE(answered) << world_->Diagnostics();
  EXPECT_LT(std::chrono::steady_clock::now() - back, 1500ms);

  // alice's subscription also saw the replies to the HTTP commands (her topic): skip them.
  ASSERT_EQ(alice->Publish(Topic(alice_, "dev-a", "rpc/request"), Request("after-1", "getSensors")),
            0);
  nlohmann::json mqtt_reply;
  const bool replied = Eventually(
      [&] {
        for (const auto& message : alice->TakeAll()) {
          if (Json(message.payload)["id"] == "after-1") mqtt_reply = Json(message.payload);
        }
        return !mqtt_reply.is_null();
      },
      3s);
  ASSERT_TRUE(replied) << world_->Diagnostics();
  EXPECT_TRUE(mqtt_reply.contains("result")) << mqtt_reply;
}

// A device revoked through the CLI while the hub was down stays connected to the broker,
// but the hub that comes back does not put its session back: it reaches nothing, while
// the other device, connected across the restart too, keeps its access.
TEST_F(ResilienceTest, RevokeWhileTheHubIsDownIsEnforcedWhenItReturns) {
  auto device_a = world_->ConnectDevice(dev_a_);
  auto device_b = world_->ConnectDevice(dev_b_);
  ASSERT_TRUE(device_a && device_b);
  ASSERT_EQ(device_a->Subscribe(Topic(alice_, "dev-a", "rpc/request")), 1);

  EXPECT_EQ(world_->StopHub(), 0);
  world_->Revoke("dev-a");
  ASSERT_TRUE(world_->StartHub());
  ASSERT_TRUE(world_->WaitLink(true, 10s)) << world_->Diagnostics();  // the plugin is back too

  EXPECT_EQ(device_a->Subscribe(Topic(alice_, "dev-a", "rpc/request")), kNotAuthorized)
      << world_->Diagnostics();
  EXPECT_EQ(device_a->Publish(Topic(alice_, "dev-a", "telemetry"), "{}"), kNotAuthorized);
  EXPECT_EQ(device_b->Subscribe(Topic(bob_, "dev-b", "rpc/request")), 1) << world_->Diagnostics();
  EXPECT_EQ(device_b->Publish(Topic(bob_, "dev-b", "telemetry"), "{}"), 0);
}

// A request pending when the hub stops is still pending when it is back: the device's
// reply reaches the user, and a request nobody answers gets the hub's -32000 timeout.
TEST_F(ResilienceTest, RequestsPendingAcrossARestartAreAnsweredOrTimeOut) {
  auto alice = world_->ConnectUser("alice-app", World::Token("alice"));
  auto device = world_->ConnectDevice(dev_a_);
  ASSERT_TRUE(alice && device);
  ASSERT_EQ(alice->Subscribe(Topic(alice_, "dev-a", "rpc/response")), 1);
  ASSERT_EQ(device->Subscribe(Topic(alice_, "dev-a", "rpc/request")), 1);
  ASSERT_EQ(
      alice->Publish(Topic(alice_, "dev-a", "rpc/request"), Request("answered", "getSensors")), 0);
  ASSERT_EQ(alice->Publish(Topic(alice_, "dev-a", "rpc/request"), Request("ignored", "getSensors")),
            0);
  ASSERT_TRUE(device->WaitMessageOn(Topic(alice_, "dev-a", "rpc/request"), 3s).has_value());

  EXPECT_EQ(world_->StopHub(), 0);
  ASSERT_TRUE(world_->StartHub());
  ASSERT_TRUE(world_->WaitLink(true, 10s)) << world_->Diagnostics();

  ASSERT_EQ(device->Publish(Topic(alice_, "dev-a", "rpc/response"),
                            R"({"id":"answered","result":{"ok":true}})"),
            0);
  std::vector<nlohmann::json> replies;
  const bool both = Eventually(
      [&] {
        for (const auto& message : alice->TakeAll()) replies.push_back(Json(message.payload));
        return replies.size() >= 2;
      },
      15s);
  ASSERT_TRUE(both) << world_->Diagnostics();
  std::map<std::string, nlohmann::json> by_id;
  for (const auto& reply : replies) by_id[reply.value("id", "")] = reply;
  EXPECT_TRUE(by_id["answered"].contains("result")) << by_id["answered"];
  EXPECT_EQ(by_id["ignored"]["error"]["code"], -32000) << by_id["ignored"];
}

TEST_F(ResilienceTest, SlowHubRefusesClientsWithinThePluginTimeoutAndRecovers) {
  world_->PauseHub();  // the hub's sockets stay open; it just never answers
  const auto start = std::chrono::steady_clock::now();
  const ConnectOutcome outcome = ConnectDeviceOnce(dev_a_);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  std::printf("[ e2e ] connect while the hub hangs: %s after %lld ms\n",
              outcome.ok() ? "admitted" : "refused", static_cast<long long>(elapsed.count()));
  EXPECT_EQ(outcome.stage, ConnectStage::kRefused) << outcome;
  EXPECT_LT(elapsed, 3s);  // plugin_opt_timeout_ms 1000
  EXPECT_TRUE(world_->broker().Running());

  world_->ResumeHub();
  const long long resumed = MillisUntilAdmitted(dev_a_, 10s);
  std::printf("[ e2e ] device admitted %lld ms after the hub answered again\n", resumed);
  ASSERT_GE(resumed, 0) << world_->Diagnostics();
  EXPECT_LT(resumed, 1500);
}

TEST_F(ResilienceTest, LargePublishesAreDeliveredIntactOrRefusedByTheHub) {
  auto alice = world_->ConnectUser("alice-app", World::Token("alice"));
  auto device = world_->ConnectDevice(dev_a_);
  ASSERT_TRUE(alice && device);
  ASSERT_EQ(alice->Subscribe(Topic(alice_, "dev-a", "#")), 1);
  ASSERT_EQ(device->Subscribe(Topic("+", "dev-a", "rpc/request")), 1);

  // 256 KB of every byte value as telemetry: delivered byte for byte.
  std::string big(256 * 1024, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + i / 251);
  ASSERT_EQ(device->Publish(Topic(alice_, "dev-a", "telemetry"), big), 0);
  auto got = alice->WaitMessageOn(Topic(alice_, "dev-a", "telemetry"), 5s);
  ASSERT_TRUE(got.has_value()) << world_->Diagnostics();
  EXPECT_EQ(got->payload.size(), big.size());
  EXPECT_TRUE(got->payload == big);

  // 256 KB as an RPC request (the contract's limit is 10 KB): the hub answers with an
  // error at once, the device never sees it.
  const std::string huge_request = R"({"id":"big-1","method":"getSensors","params":{"pad":")" +
                                   std::string(256 * 1024, 'x') + R"("}})";
  ASSERT_EQ(alice->Publish(Topic(alice_, "dev-a", "rpc/request"), huge_request), 0);
  auto reply = alice->WaitMessageOn(Topic(alice_, "dev-a", "rpc/response"), 3s);
  ASSERT_TRUE(reply.has_value()) << world_->Diagnostics();
  EXPECT_EQ(Json(reply->payload)["error"]["code"], -32600) << reply->payload;
  // And a 256 KB reply from the device with no request behind it is dropped.
  device->Publish(Topic(alice_, "dev-a", "rpc/response"),
                  R"({"id":"big-2","result":{"pad":")" + std::string(256 * 1024, 'y') + R"("}})");
  std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(device->TakeAll().empty());
  EXPECT_TRUE(alice->TakeAll().empty());
  EXPECT_TRUE(world_->broker().Running());
  EXPECT_TRUE(world_->HubRunning());
}

TEST_F(ResilienceTest, OddCertificateSubjectsNeverCrashTheBroker) {
  const KeyAndCert hub_ca = {ReadFile(world_->ca_key_file()), ReadFile(world_->ca_file())};
  const std::vector<std::vector<NameEntry>> subjects = {
      // RFC 4514 specials, leading and trailing blanks, a leading '#'.
      {{"C", "US"},
       {"O", R"(Acme, Inc. + "Quotes" \ <angle> ;semi =eq)"},
       {"OU", " lead and trail "},
       {"OU", "#hash"},
       {"CN", "device-dev-a"}},
      // UTF-8: accents, CJK, an emoji, a snowman; a multi-valued RDN.
      {{"O", "Zürich Gerät 東京 ☃ 🚀"},
       {"OU", "a"},
       {"OU", "b", /*join_previous=*/true},
       {"CN", "device-dev-a"}},
      // Latin-1 bytes in a T61String: not UTF-8 at all.
      {{"O", "Caf\xe9 \xff\xfe", false, /*utf8=*/false}, {"CN", "device-dev-a"}},
      // Control characters and a NUL inside a value.
      {{"O", std::string("nul\0inside\x01\x1f\x7f", 13)}, {"CN", "device-dev-a"}},
      // No CN at all; two CNs, the first not UTF-8.
      {{"O", "no common name"}},
      {{"CN", "device-\xe9", false, false}, {"CN", "device-dev-a"}},
  };
  int index = 0;
  for (const auto& subject : subjects) {
    const KeyAndCert odd = IssueClientCert(hub_ca, subject);
    const std::string name = "odd-" + std::to_string(index++);
    WriteFile(world_->dir().File(name + ".crt"), odd.cert_pem);
    WriteFile(world_->dir().File(name + ".key"), odd.key_pem);
    MqttTestClient client(world_->DeviceOptions("dev-a", world_->dir().File(name + ".crt"),
                                                world_->dir().File(name + ".key")));
    const ConnectOutcome outcome = client.Connect();
    EXPECT_EQ(outcome.stage, ConnectStage::kRefused) << name << ": " << outcome;
    ASSERT_TRUE(world_->broker().Running()) << name << "\n" << world_->BrokerLog();
  }
  // Each reached the hub whole: refused as unregistered, never as undecodable.
  const std::string log = world_->HubLog();
  size_t refusals = 0;
  for (size_t pos = log.find("reason=certificate not registered"); pos != std::string::npos;
       pos = log.find("reason=certificate not registered", pos + 1)) {
    ++refusals;
  }
  EXPECT_EQ(refusals, subjects.size()) << world_->Diagnostics();
  EXPECT_EQ(log.find("not a certificate"), std::string::npos);

  // The real dev-a still connects.
  EXPECT_NE(world_->ConnectDevice(dev_a_), nullptr);
}

}  // namespace
}  // namespace iothub::e2e
