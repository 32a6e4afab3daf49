// Device identity over real mTLS: Mosquitto verifies the chain (require_certificate
// true, cafile = the hub's CA), the plugin hands the certificate to the hub as EMQX does
// with peer_cert_as_username = pem, and the hub checks it against its registry.
//  - a registered device connects and reaches its own topics only;
//  - expired, foreign and missing certificates fail the TLS handshake (no CONNACK);
//  - a certificate of the hub's CA that the registry does not know, a revoked one, and a
//    good one with another clientid get a refusing CONNACK from the hub;
//  - a device's certificate typed as the username on the listener without client
//    certificates is refused (no TLS proof of the key);
//  - a device reconnecting while its old connection is open (Mosquitto's takeover) keeps
//    its session and stays online.
#include <gtest/gtest.h>

#include <cctype>
#include <sstream>

#include "e2e_fixture.h"
#include "support/temp_dir.h"
#include "test_pki.h"

namespace iothub::e2e {
namespace {

using iothub::testing::ReadFile;
using iothub::testing::WriteFile;

class DeviceIdentityTest : public E2eTest {
 protected:
  // The hub's CA (its key from the data dir), to sign certificates the hub never would.
  KeyAndCert HubCa() const {
    return {ReadFile(world_->ca_key_file()), ReadFile(world_->ca_file())};
  }

  // Writes `issued` as <name>.crt/.key and connects with it as `client_id`.
  ConnectOutcome ConnectWith(const KeyAndCert& issued, const std::string& name,
                             const std::string& client_id, bool mqtt5 = true) {
    WriteFile(world_->dir().File(name + ".crt"), issued.cert_pem);
    WriteFile(world_->dir().File(name + ".key"), issued.key_pem);
    MqttClientOptions options = world_->DeviceOptions(client_id, world_->dir().File(name + ".crt"),
                                                      world_->dir().File(name + ".key"));
    options.mqtt5 = mqtt5;
    MqttTestClient client(options);
    return client.Connect();
  }
};

TEST_F(DeviceIdentityTest, RegisteredDeviceConnectsAndReachesOnlyItsOwnTopics) {
  auto device = world_->ConnectDevice(dev_a_);
  ASSERT_NE(device, nullptr);
  EXPECT_EQ(device->Subscribe(Topic("+", "dev-a", "rpc/request")), 1);
  EXPECT_EQ(device->Subscribe(Topic(alice_, "dev-a", "rpc/request")), 1);
  EXPECT_EQ(device->Subscribe(Topic(bob_, "dev-b", "rpc/request")), kNotAuthorized);
  EXPECT_EQ(device->Subscribe(Topic("+", "+", "rpc/request")), kNotAuthorized);
  EXPECT_EQ(device->Subscribe("#"), kNotAuthorized);

  EXPECT_EQ(device->Publish(Topic(alice_, "dev-a", "telemetry"), R"({"t":1})"), 0);
  EXPECT_EQ(device->Publish(Topic(bob_, "dev-b", "telemetry"), R"({"t":1})"), kNotAuthorized);
  EXPECT_EQ(device->Publish(Topic(alice_, "dev-b", "telemetry"), R"({"t":1})"), kNotAuthorized);
  // A device never commands devices.
  EXPECT_EQ(device->Publish(Topic(bob_, "dev-b", "rpc/request"), Request("x1", "reboot")),
            kNotAuthorized);

  // The same over MQTT 3.1.1 (what device-sim and most firmware speak): refusals are
  // SUBACK 0x80.
  device->Disconnect();
  MqttClientOptions options = world_->DeviceOptions(dev_a_);
  options.mqtt5 = false;
  MqttTestClient v311(options);
  ASSERT_TRUE(v311.Connect().ok());
  EXPECT_EQ(v311.Subscribe(Topic(alice_, "dev-a", "rpc/request")), 1);
  EXPECT_EQ(v311.Subscribe(Topic(bob_, "dev-b", "rpc/request")), 0x80);
}

TEST_F(DeviceIdentityTest, ExpiredCertificateIsRefusedAtTls) {
  // Signed by the hub's own CA for dev-a, but expired yesterday.
  const KeyAndCert expired = IssueClientCert(HubCa(), {{"CN", "device-dev-a"}}, -2 * 86400, -86400);
  const ConnectOutcome outcome = ConnectWith(expired, "expired", "dev-a");
  EXPECT_EQ(outcome.stage, ConnectStage::kFailedEarly) << outcome;
  EXPECT_TRUE(world_->broker().Running());
  // Not yet valid fails the same way.
  const KeyAndCert future = IssueClientCert(HubCa(), {{"CN", "device-dev-a"}}, 86400, 2 * 86400);
  EXPECT_EQ(ConnectWith(future, "future", "dev-a").stage, ConnectStage::kFailedEarly);
  // The hub was never asked: the broker stopped both at the handshake.
  EXPECT_EQ(world_->HubLog().find("clientid=dev-a "), std::string::npos) << world_->HubLog();
}

TEST_F(DeviceIdentityTest, ForeignCertificateIsRefusedAtTls) {
  const KeyAndCert foreign_ca = MakeCa("Foreign CA");
  const KeyAndCert foreign = IssueClientCert(foreign_ca, {{"CN", "device-dev-a"}});
  const ConnectOutcome outcome = ConnectWith(foreign, "foreign", "dev-a");
  EXPECT_EQ(outcome.stage, ConnectStage::kFailedEarly) << outcome;

  // No client certificate at all on the device listener.
  MqttClientOptions options = world_->DeviceOptions("dev-a", "", "");
  MqttTestClient anonymous(options);
  const ConnectOutcome none = anonymous.Connect();
  EXPECT_EQ(none.stage, ConnectStage::kFailedEarly) << none;

  EXPECT_TRUE(world_->broker().Running());
  EXPECT_EQ(world_->HubLog().find("clientid=dev-a "), std::string::npos) << world_->HubLog();
}

TEST_F(DeviceIdentityTest, UnregisteredCertificateOfTheHubCaIsRefusedAtConnack) {
  // The TLS handshake passes (the hub's CA signed it), the registry does not know it.
  const KeyAndCert forged = IssueClientCert(HubCa(), {{"CN", "device-dev-a"}});
  const ConnectOutcome outcome = ConnectWith(forged, "forged", "dev-a");
  EXPECT_EQ(outcome.stage, ConnectStage::kRefused) << outcome;
  EXPECT_EQ(outcome.connack_code, kNotAuthorized) << outcome;
  const ConnectOutcome v311 = ConnectWith(forged, "forged", "dev-a", /*mqtt5=*/false);
  EXPECT_EQ(v311.stage, ConnectStage::kRefused) << v311;
  EXPECT_EQ(v311.connack_code, 5) << v311;  // 3.1.1: not authorized
  EXPECT_TRUE(world_->WaitHubLog("reason=certificate not registered")) << world_->HubLog();
}

// A device's certificate is public: sent as the username (base64 DER, what pem mode
// would pass) from the users' listener, without the device's key, it is refused.
TEST_F(DeviceIdentityTest, CertificateAsUsernameWithoutTheKeyIsRefused) {
  std::string base64;
  std::istringstream pem(dev_a_.cert_pem);
  for (std::string line; std::getline(pem, line);) {
    if (!line.empty() && !line.starts_with("-----")) base64 += line;
  }
  ASSERT_FALSE(base64.empty());
  MqttClientOptions options = world_->UserOptions("dev-a", "");
  options.username = base64;
  options.password = "";
  MqttTestClient thief(options);
  const ConnectOutcome outcome = thief.Connect();
  EXPECT_EQ(outcome.stage, ConnectStage::kRefused) << outcome;
  EXPECT_TRUE(world_->WaitHubLog("reason=no verified TLS client certificate (dn empty)"))
      << world_->HubLog();
}

// Mosquitto's takeover order (the new connection authenticates and connects, then the
// old one is disconnected): the device keeps its session and stays online, so a user's
// request still reaches it.
TEST_F(DeviceIdentityTest, ReconnectWhileTheOldConnectionIsOpenKeepsTheDeviceOnline) {
  auto old_connection = world_->ConnectDevice(dev_a_);
  ASSERT_NE(old_connection, nullptr);
  auto device = world_->ConnectDevice(dev_a_);
  ASSERT_NE(device, nullptr);
  EXPECT_TRUE(old_connection->WaitConnectionLost(5s));
  EXPECT_EQ(device->Subscribe(Topic(alice_, "dev-a", "rpc/request")), 1);
  EXPECT_EQ(device->Publish(Topic(alice_, "dev-a", "telemetry"), R"({"t":1})"), 0);

  auto user = world_->ConnectUser("alice-app", World::Token("alice"));
  ASSERT_NE(user, nullptr);
  ASSERT_EQ(user->Subscribe(Topic(alice_, "dev-a", "rpc/response")), 1);
  ASSERT_EQ(user->Publish(Topic(alice_, "dev-a", "rpc/request"), Request("tk-1", "getDeviceState")),
            0);
  const auto request = device->WaitMessageOn(Topic(alice_, "dev-a", "rpc/request"), 5s);
  ASSERT_TRUE(request.has_value()) << "the hub answered for the device: it counts it offline";
  EXPECT_EQ(Json(request->payload)["id"], "tk-1");
}

TEST_F(DeviceIdentityTest, DeviceWithAnotherClientIdIsRefusedAtConnack) {
  MqttTestClient impostor(world_->DeviceOptions("dev-b", dev_a_.cert_path, dev_a_.key_path));
  const ConnectOutcome outcome = impostor.Connect();
  EXPECT_EQ(outcome.stage, ConnectStage::kRefused) << outcome;
}

TEST_F(DeviceIdentityTest, RevokedDeviceIsRefusedOnItsNextConnect) {
  {
    auto device = world_->ConnectDevice(dev_a_);
    ASSERT_NE(device, nullptr);
  }
  // Revoke its certificate through the HTTP API (fingerprint in any case, no colons).
  std::string compact;
  for (char c : dev_a_.fingerprint) {
    if (c != ':') compact += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const HttpReply revoked = world_->Http("DELETE", "/api/devices/certificates/" + compact);
  ASSERT_EQ(revoked.status, 200) << revoked.text;

  // The hub picks the change up at once (its own store); allow a moment for the reload.
  ConnectOutcome outcome;
  const bool refused = Eventually(
      [&] {
        MqttTestClient device(world_->DeviceOptions(dev_a_));
        outcome = device.Connect();
        return outcome.stage == ConnectStage::kRefused;
      },
      3s);
  EXPECT_TRUE(refused) << outcome;
  EXPECT_EQ(outcome.connack_code, kNotAuthorized);

  // A device revoked through the CLI (another process on the same store) as well.
  {
    auto device = world_->ConnectDevice(dev_b_);
    ASSERT_NE(device, nullptr);
  }
  world_->Revoke(dev_b_.id);
  EXPECT_TRUE(Eventually(
      [&] {
        MqttTestClient device(world_->DeviceOptions(dev_b_));
        outcome = device.Connect();
        return outcome.stage == ConnectStage::kRefused;
      },
      3s))
      << outcome;
  EXPECT_TRUE(world_->broker().Running());
}

}  // namespace
}  // namespace iothub::e2e
