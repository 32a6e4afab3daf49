// Certificate renewal over MQTT through real Mosquitto with the plugin (docs/certificates.md):
//  - device-sim with a one-day certificate renews by itself, writes the new key and
//    certificate, reconnects with them, and its old certificate is refused from then on;
//  - a device that renews but stays on its old certificate keeps its session, may log
//    in with the old one during the grace, and is refused with it once the grace ended;
//  - bad requests, a reused key and a too-early second request get their error codes;
//  - nobody but the device reaches its renewal topics.
#include <gtest/gtest.h>

#include "e2e_fixture.h"
#include "support/temp_dir.h"
#include "test_pki.h"

namespace iothub::e2e {
namespace {

using iothub::testing::ReadFile;
using iothub::testing::WriteFile;

class CertificateRenewalTest : public E2eTest {
 protected:
  WorldOptions Options() const override {
    WorldOptions options;
    options.extra_toml = "[ca]\nrenewal_grace_s = 4\nrenewal_min_interval_s = 2\n";
    return options;
  }

  // A device registered with a certificate valid for one day.
  Device ShortLivedDevice(const std::string& id) {
    Device device;
    device.id = id;
    device.key_path = world_->dir().File(id + ".key");
    device.cert_path = world_->dir().File(id + ".crt");
    EXPECT_EQ(world_->Cli({"device", "create", id}).status, 0);
    const std::string key = NewKeyPem();
    WriteFile(device.key_path, key);
    WriteFile(world_->dir().File(id + ".csr"), MakeCsrPem(key, id));
    const auto signed_cert =
        world_->Cli({"device", "sign-csr", id, world_->dir().File(id + ".csr"), "--days", "1"});
    EXPECT_EQ(signed_cert.status, 0) << signed_cert.out << signed_cert.err;
    const std::string end = "-----END CERTIFICATE-----";
    const size_t from = signed_cert.out.find("-----BEGIN CERTIFICATE-----");
    const size_t to = signed_cert.out.find(end, from);
    if (from == std::string::npos || to == std::string::npos) return device;
    device.cert_pem = signed_cert.out.substr(from, to + end.size() - from) + "\n";
    WriteFile(device.cert_path, device.cert_pem);
    device.fingerprint = FingerprintOf(device.cert_pem);
    return device;
  }

  // Connects once as the device with the given files; the outcome.
  ConnectOutcome ConnectWith(const std::string& id, const std::string& cert,
                             const std::string& key) {
    MqttTestClient client(world_->DeviceOptions(id, cert, key));
    return client.Connect();
  }

  // Publishes a renewal request and returns the parsed reply (null on timeout). The hub
  // consumes the request (it reaches no subscriber), so MQTT 5's PUBACK says 0x87.
  static nlohmann::json Renew(MqttTestClient& device, const std::string& payload) {
    const std::string reply_topic = "devices/" + device.client_id() + "/cert/renew/reply";
    EXPECT_EQ(device.Publish("devices/" + device.client_id() + "/cert/renew", payload),
              kNotAuthorized);
    auto reply = device.WaitMessageOn(reply_topic, 10s);
    return reply ? Json(reply->payload) : nlohmann::json();
  }
  static std::string RenewRequest(const std::string& id, const std::string& csr) {
    return nlohmann::json{{"id", id}, {"csr", csr}}.dump();
  }
};

TEST_F(CertificateRenewalTest, DeviceSimRenewsAndTheOldCertificateIsRefused) {
  const Device device = ShortLivedDevice("dev-r");
  ASSERT_FALSE(device.fingerprint.empty());
  const std::string old_cert = world_->dir().File("dev-r-old.crt");
  const std::string old_key = world_->dir().File("dev-r-old.key");
  WriteFile(old_cert, ReadFile(device.cert_path));
  WriteFile(old_key, ReadFile(device.key_path));

  // The running hub learns of the new device within about a second.
  ASSERT_TRUE(Eventually(
      [&] { return ConnectWith(device.id, device.cert_path, device.key_path).ok(); }, 10s));
  const HttpReply before = world_->Http("GET", "/api/devices?expiringWithinDays=2");
  ASSERT_EQ(before.status, 200) << before.text;
  ASSERT_EQ(before.body["total"], 1) << before.text;
  EXPECT_EQ(before.body["devices"][0]["id"], "dev-r");
  const std::string seven_days = "iothub_certificates_expiring{within_days=\"7\"} ";
  EXPECT_TRUE(Eventually(
      [&] {
        return world_->Http("GET", "/metrics").text.find(seven_days + "1\n") != std::string::npos;
      },
      3s));

  auto sim = world_->StartDeviceSim(device, "", {"--renew-within-days", "2"});
  ASSERT_NE(sim, nullptr);
  // Renewed, written, and logged in with the new certificate (which ends the grace).
  ASSERT_TRUE(Eventually(
      [&] { return world_->DeviceSimLog(device).find("renewed:") != std::string::npos; }, 10s))
      << world_->DeviceSimLog(device);
  ASSERT_TRUE(world_->WaitHubLog("device dev-r connected with its renewed certificate", 10s));
  const std::string new_cert = ReadFile(device.cert_path);
  EXPECT_NE(new_cert, device.cert_pem);
  EXPECT_NE(ReadFile(device.key_path), ReadFile(old_key));
  sim.reset();  // frees the clientid

  // Refused at once (well before the 4 s grace): the new certificate's login ended it.
  EXPECT_TRUE(Eventually(
      [&] { return ConnectWith(device.id, old_cert, old_key).stage == ConnectStage::kRefused; },
      1500ms));
  const ConnectOutcome new_login = ConnectWith(device.id, device.cert_path, device.key_path);
  EXPECT_TRUE(new_login.ok()) << new_login;

  const HttpReply old_state =
      world_->Http("GET", "/api/devices/certificates/" + device.fingerprint);
  EXPECT_EQ(old_state.body.value("revocationReason", ""), "superseded") << old_state.text;
  EXPECT_TRUE(Eventually(
      [&] {
        return world_->Http("GET", "/metrics").text.find(seven_days + "0\n") != std::string::npos;
      },
      3s));
  const HttpReply expiring = world_->Http("GET", "/api/devices?expiringWithinDays=30");
  ASSERT_EQ(expiring.status, 200) << expiring.text;
  for (const auto& listed : expiring.body["devices"]) EXPECT_NE(listed["id"], "dev-r");
}

TEST_F(CertificateRenewalTest, OldCertificateWorksForTheGraceOnly) {
  auto device = world_->ConnectDevice(dev_a_);
  ASSERT_NE(device, nullptr);
  ASSERT_EQ(device->Subscribe("devices/dev-a/cert/renew/reply"), 1);
  const std::string key = NewKeyPem();
  const nlohmann::json reply = Renew(*device, RenewRequest("r1", MakeCsrPem(key, "dev-a")));
  ASSERT_TRUE(reply.contains("result")) << reply.dump();
  EXPECT_EQ(reply["id"], "r1");
  const std::string new_cert = world_->dir().File("dev-a-new.crt");
  const std::string new_key = world_->dir().File("dev-a-new.key");
  WriteFile(new_cert, reply["result"]["certificate"].get<std::string>());
  WriteFile(new_key, key);
  EXPECT_EQ(FingerprintOf(ReadFile(new_cert)), reply["result"]["fingerprint"]);

  // Not kicked: the session on the old certificate goes on.
  EXPECT_FALSE(device->WaitConnectionLost(1s));
  EXPECT_EQ(device->Publish(Topic(alice_, "dev-a", "telemetry"), R"({"t":1})"), 0);
  device.reset();
  // During the grace the old certificate still logs in; after it, it is refused.
  const ConnectOutcome in_grace = ConnectWith("dev-a", dev_a_.cert_path, dev_a_.key_path);
  EXPECT_TRUE(in_grace.ok()) << in_grace;
  ASSERT_TRUE(Eventually(
      [&] {
        return ConnectWith("dev-a", dev_a_.cert_path, dev_a_.key_path).stage ==
               ConnectStage::kRefused;
      },
      10s));
  EXPECT_TRUE(ConnectWith("dev-a", new_cert, new_key).ok());
}

TEST_F(CertificateRenewalTest, ErrorsHaveCodes) {
  auto device = world_->ConnectDevice(dev_b_);
  ASSERT_NE(device, nullptr);
  ASSERT_EQ(device->Subscribe("devices/dev-b/cert/renew/reply"), 1);
  nlohmann::json reply = Renew(*device, "not json");
  EXPECT_EQ(reply["error"]["code"], "bad_request") << reply.dump();
  EXPECT_TRUE(reply["id"].is_null());
  std::this_thread::sleep_for(2100ms);  // renewal_min_interval_s
  reply = Renew(*device, RenewRequest("r2", MakeCsrPem(ReadFile(dev_b_.key_path), "dev-b")));
  EXPECT_EQ(reply["error"]["code"], "key_reused") << reply.dump();
  EXPECT_EQ(reply["id"], "r2");
  reply = Renew(*device, RenewRequest("r3", MakeCsrPem(NewKeyPem(), "dev-b")));
  EXPECT_EQ(reply["error"]["code"], "rate_limited") << reply.dump();
  std::this_thread::sleep_for(2100ms);
  reply = Renew(*device, RenewRequest("r4", "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"));
  EXPECT_EQ(reply["error"]["code"], "csr_invalid") << reply.dump();
}

TEST_F(CertificateRenewalTest, NobodyElseReachesTheRenewalTopics) {
  auto owner = world_->ConnectDevice(dev_a_);
  ASSERT_NE(owner, nullptr);
  ASSERT_EQ(owner->Subscribe("devices/dev-a/cert/renew/reply"), 1);
  auto other = world_->ConnectDevice(dev_b_);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->Subscribe("devices/dev-a/cert/renew/reply"), kNotAuthorized);
  EXPECT_EQ(other->Subscribe("devices/+/cert/renew/reply"), kNotAuthorized);
  EXPECT_EQ(other->Publish("devices/dev-a/cert/renew", RenewRequest("x", "y")), kNotAuthorized);
  auto user = world_->ConnectUser("app-alice", World::Token("alice"));
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(user->Subscribe("devices/dev-a/cert/renew/reply"), kNotAuthorized);
  EXPECT_EQ(user->Subscribe("devices/#"), kNotAuthorized);
  EXPECT_EQ(user->Publish("devices/dev-a/cert/renew", RenewRequest("x", "y")), kNotAuthorized);
  // Refused by the ACL, not answered: dev-a hears nothing, the hub renewed nothing.
  EXPECT_FALSE(owner->WaitMessage(1s));
  EXPECT_EQ(world_->HubLog().find("certificate renewal"), std::string::npos);
}

}  // namespace
}  // namespace iothub::e2e
