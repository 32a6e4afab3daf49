// CA rotation end to end (issue #12 item 3): after `iot-hub ca rotate`, a device signed
// by the new CA connects through a real Mosquitto whose cafile is `ca show --bundle`,
// while a device of the old CA still connects; after `ca retire --force` the old-CA
// device is refused by the running hub (its certificate was revoked), and once the
// broker's cafile is the new bundle, at TLS too. A restarted hub moves its own link
// certificate to the new CA, so the link survives the old CA leaving the bundle.
#include <gtest/gtest.h>

#include "e2e_fixture.h"

namespace iothub::e2e {
namespace {

using iothub::testing::WriteFile;

class CaRotationTest : public E2eTest {
 protected:
  // `ca show --bundle` written to a new file; its path.
  std::string WriteBundle(const std::string& name) {
    const iothub::testing::ProcessResult bundle = world_->Cli({"ca", "show", "--bundle"});
    EXPECT_EQ(bundle.status, 0) << bundle.err;
    const std::string path = world_->dir().File(name);
    WriteFile(path, bundle.out);
    return path;
  }

  // Restarts Mosquitto with `cafile`, and waits for the hub's link.
  void RestartBroker(const std::string& cafile) {
    world_->broker().Stop();
    world_->broker().set_cafile(cafile);
    ASSERT_TRUE(world_->StartBroker());
    ASSERT_TRUE(world_->WaitLink(true, 20s)) << world_->Diagnostics();
  }

  ConnectOutcome Connect(const Device& device) {
    MqttTestClient client(world_->DeviceOptions(device));
    return client.Connect();
  }
};

TEST_F(CaRotationTest, RotateThenRetire) {
  const nlohmann::json before =
      nlohmann::json::parse(world_->Cli({"ca", "status", "--json"}).out, nullptr, false);
  ASSERT_TRUE(before.is_object() && before["cas"].size() == 1u) << before;
  const std::string old_id = before["cas"][0]["id"];

  const iothub::testing::ProcessResult rotated = world_->Cli({"ca", "rotate", "--json"});
  ASSERT_EQ(rotated.status, 0) << rotated.err;
  const nlohmann::json created = nlohmann::json::parse(rotated.out, nullptr, false);
  ASSERT_TRUE(created.is_object()) << rotated.out;
  const std::string new_id = created["id"];
  // The running hub reloads the CA files by itself (its housekeeper) and watches the
  // new CA's expiry.
  EXPECT_TRUE(world_->WaitHubLog("CAs reloaded", 5s)) << world_->Diagnostics();
  EXPECT_TRUE(Eventually(
      [&] {
        return world_->Http("GET", "/metrics").text.find("id=\"" + new_id + "\"") !=
               std::string::npos;
      },
      5s));
  RestartBroker(WriteBundle("bundle-2.pem"));
  const Device fresh = world_->CreateDevice("dev-new");
  world_->Bind(fresh.id, alice_);

  // Both CAs are trusted: the new device (once the hub has read the CLI's change of
  // the store, about a second) and an old one connect.
  EXPECT_TRUE(Eventually([&] { return Connect(fresh).stage == ConnectStage::kConnected; }, 5s))
      << world_->Diagnostics();
  EXPECT_EQ(Connect(dev_a_).stage, ConnectStage::kConnected);

  // The running hub sees the retirement (its certificates revoked) and refuses dev-a.
  const iothub::testing::ProcessResult refused = world_->Cli({"ca", "retire", old_id});
  EXPECT_NE(refused.status, 0);
  const iothub::testing::ProcessResult retired = world_->Cli({"ca", "retire", old_id, "--force"});
  ASSERT_EQ(retired.status, 0) << retired.err;
  ConnectOutcome outcome;
  EXPECT_TRUE(Eventually(
      [&] {
        outcome = Connect(dev_a_);
        return outcome.stage == ConnectStage::kRefused;
      },
      5s))
      << outcome;
  EXPECT_EQ(Connect(fresh).stage, ConnectStage::kConnected);

  // A restarted hub re-issues its link certificate with the new CA; the broker then
  // trusts the new CA only, and dev-a fails at TLS.
  world_->StopHub();
  ASSERT_TRUE(world_->StartHub());
  EXPECT_TRUE(world_->WaitHubLog("issued the hub's own MQTT client certificate", 10s));
  RestartBroker(WriteBundle("bundle-1.pem"));
  EXPECT_EQ(Connect(fresh).stage, ConnectStage::kConnected) << world_->Diagnostics();
  outcome = Connect(dev_a_);
  EXPECT_NE(outcome.stage, ConnectStage::kConnected) << outcome;
  EXPECT_NE(outcome.stage, ConnectStage::kRefused) << outcome;  // refused at TLS, not CONNACK
}

}  // namespace
}  // namespace iothub::e2e
