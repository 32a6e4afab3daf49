// Smoke test of iot-hub-mosquitto.so inside a real Mosquitto 2.0 broker: the plugin calls
// a fake ExHook hub; mosquitto_pub / mosquitto_sub connect with passwords and with client
// certificates. Skipped when the mosquitto binaries are missing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "fake_hub.h"
#include "mosquitto_plugin/cert_identity.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "test_certs.h"

namespace iothub::mosquitto_plugin {
namespace {

using namespace std::chrono_literals;
using iothub::testing::Subprocess;
using testing::FakeHub;

class BrokerSmokeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mosquitto_ = iothub::testing::FindExecutable("mosquitto");
    pub_ = iothub::testing::FindExecutable("mosquitto_pub");
    sub_ = iothub::testing::FindExecutable("mosquitto_sub");
    if (mosquitto_.empty() || pub_.empty() || sub_.empty()) {
      GTEST_SKIP() << "mosquitto, mosquitto_pub or mosquitto_sub not installed";
    }
    ca_ = testing::MakeCa("Smoke CA");
    auto server = testing::Issue(ca_, {{"CN", "localhost"}}, /*server=*/true);
    device_ = testing::Issue(
        ca_, {{"C", "US"}, {"O", "ExhookTest"}, {"OU", "Devices"}, {"CN", "device-001"}}, false);
    auto stranger = testing::Issue(ca_, {{"CN", "device-999"}}, false);
    iothub::testing::WriteFile(dir_.File("ca.pem"), ca_.cert_pem);
    iothub::testing::WriteFile(dir_.File("server.pem"), server.cert_pem);
    iothub::testing::WriteFile(dir_.File("server.key"), server.key_pem);
    iothub::testing::WriteFile(dir_.File("device.pem"), device_.cert_pem);
    iothub::testing::WriteFile(dir_.File("device.key"), device_.key_pem);
    iothub::testing::WriteFile(dir_.File("stranger.pem"), stranger.cert_pem);
    iothub::testing::WriteFile(dir_.File("stranger.key"), stranger.key_pem);
  }

  // Starts mosquitto with the plugin pointed at `hub_url`; false when it did not listen.
  bool StartBroker(const std::string& hub_url) {
    plain_port_ = iothub::testing::FreeTcpPort();
    tls_port_ = iothub::testing::FreeTcpPort();
    std::string conf;
    if (geteuid() == 0) conf += "user root\n";
    conf += "per_listener_settings false\nallow_anonymous false\n";
    conf += "log_dest stderr\nlog_type all\nconnection_messages true\n";
    conf += "plugin " IOTHUB_MOSQUITTO_PLUGIN "\n";
    conf += "plugin_opt_url " + hub_url + "\n";
    conf += "plugin_opt_timeout_ms 1000\n";
    conf += "plugin_opt_sockport " + std::to_string(tls_port_) + "\n";
    conf += "listener " + std::to_string(plain_port_) + " 127.0.0.1\n";
    conf += "listener " + std::to_string(tls_port_) + " 127.0.0.1\n";
    conf += "cafile " + dir_.File("ca.pem") + "\n";
    conf += "certfile " + dir_.File("server.pem") + "\n";
    conf += "keyfile " + dir_.File("server.key") + "\n";
    conf += "require_certificate true\n";
    iothub::testing::WriteFile(dir_.File("mosquitto.conf"), conf);
    broker_ = std::make_unique<Subprocess>(
        std::vector<std::string>{mosquitto_, "-c", dir_.File("mosquitto.conf")},
        dir_.File("broker.out"), dir_.File("broker.log"));
    return iothub::testing::WaitForTcpPort(plain_port_, 5s) &&
           iothub::testing::WaitForTcpPort(tls_port_, 5s);
  }

  std::string BrokerLog() const { return iothub::testing::ReadFile(dir_.File("broker.log")); }

  // mosquitto_pub over plain TCP with a password; returns the exit code.
  int PublishWithPassword(const std::string& clientid, const std::string& user,
                          const std::string& topic, const std::string& message) {
    return iothub::testing::RunProcess(
               {pub_, "-h", "127.0.0.1", "-p", std::to_string(plain_port_), "-i", clientid, "-u",
                user, "-P", "pw1", "-q", "1", "-t", topic, "-m", message},
               5s)
        .status;
  }

  // A background mosquitto_sub printing "topic payload" lines into `out_file`.
  std::unique_ptr<Subprocess> Subscribe(const std::string& clientid, const std::string& filter,
                                        int count, const std::string& out_file) {
    return std::make_unique<Subprocess>(std::vector<std::string>{sub_,
                                                                 "-h",
                                                                 "127.0.0.1",
                                                                 "-p",
                                                                 std::to_string(plain_port_),
                                                                 "-i",
                                                                 clientid,
                                                                 "-u",
                                                                 "good",
                                                                 "-P",
                                                                 "pw1",
                                                                 "-q",
                                                                 "1",
                                                                 "-t",
                                                                 filter,
                                                                 "-v",
                                                                 "-C",
                                                                 std::to_string(count),
                                                                 "-W",
                                                                 "8"},
                                        dir_.File(out_file), dir_.File(out_file + ".err"));
  }

  // True once the hub saw a SUBSCRIBE authorization of `filter`.
  bool HubSawSubscribe(FakeHub& hub, const std::string& filter) {
    return hub.WaitUntil([&] {
      for (const auto& request : hub.authorizes()) {
        if (request.type() == emqx::exhook::v2::ClientAuthorizeRequest::SUBSCRIBE &&
            request.topic() == filter) {
          return true;
        }
      }
      return false;
    });
  }

  iothub::testing::TempDir dir_;
  std::string mosquitto_, pub_, sub_;
  testing::Issued ca_, device_;
  int plain_port_ = 0, tls_port_ = 0;
  std::unique_ptr<Subprocess> broker_;
};

TEST_F(BrokerSmokeTest, AuthenticatesThroughTheHub) {
  FakeHub hub;
  ASSERT_TRUE(StartBroker(hub.url())) << BrokerLog();
  EXPECT_EQ(hub.loaded_count(), 1);

  EXPECT_EQ(PublishWithPassword("pub-good", "good", "t/1", "x"), 0) << BrokerLog();
  EXPECT_NE(PublishWithPassword("pub-bad", "bad", "t/1", "x"), 0) << BrokerLog();

  auto auths = hub.authenticates();
  ASSERT_EQ(auths.size(), 2u);
  const auto& info = auths[0].clientinfo();
  EXPECT_EQ(info.clientid(), "pub-good");
  EXPECT_EQ(info.username(), "good");
  EXPECT_EQ(info.password(), "pw1");
  EXPECT_EQ(info.peerhost(), "127.0.0.1");
  EXPECT_EQ(info.protocol(), "mqtt");
  EXPECT_EQ(info.sockport(), static_cast<uint32_t>(tls_port_));
  EXPECT_EQ(info.node().rfind("mosquitto@", 0), 0u);
  EXPECT_TRUE(info.anonymous());
  EXPECT_FALSE(info.is_superuser());
  EXPECT_EQ(info.cn(), "");
  EXPECT_FALSE(auths[0].result());
  EXPECT_EQ(auths[1].clientinfo().username(), "bad");

  // connected and disconnected only for the admitted client.
  ASSERT_TRUE(hub.WaitUntil([&] { return hub.disconnecteds().size() == 1; })) << BrokerLog();
  ASSERT_EQ(hub.connecteds().size(), 1u);
  EXPECT_EQ(hub.connecteds()[0].clientinfo().clientid(), "pub-good");
  EXPECT_EQ(hub.connecteds()[0].clientinfo().password(), "");
  EXPECT_EQ(hub.disconnecteds()[0].clientinfo().clientid(), "pub-good");
  EXPECT_EQ(hub.disconnecteds()[0].reason(), "normal");
}

TEST_F(BrokerSmokeTest, AuthorizesSubscribeAndPublish) {
  FakeHub hub;
  ASSERT_TRUE(StartBroker(hub.url())) << BrokerLog();
  auto denied = Subscribe("sub-denied", "denied/#", 1, "denied.out");
  ASSERT_TRUE(HubSawSubscribe(hub, "denied/#")) << BrokerLog();
  auto everything = Subscribe("sub-all", "#", 1, "all.out");
  ASSERT_TRUE(HubSawSubscribe(hub, "#")) << BrokerLog();

  EXPECT_EQ(PublishWithPassword("pub-1", "good", "denied/x", "no"), 0);
  EXPECT_EQ(PublishWithPassword("pub-2", "good", "ok/x", "yes"), 0);
  EXPECT_EQ(everything->WaitExit(8s).value_or(-1), 0) << BrokerLog();
  EXPECT_EQ(iothub::testing::ReadFile(dir_.File("all.out")), "ok/x yes\n");
  denied->Stop();
  EXPECT_EQ(iothub::testing::ReadFile(dir_.File("denied.out")), "");

  // Two subscribes and two publishes; deliveries (MOSQ_ACL_READ) are not asked.
  auto authorizes = hub.authorizes();
  ASSERT_EQ(authorizes.size(), 4u) << BrokerLog();
  EXPECT_EQ(authorizes[2].type(), emqx::exhook::v2::ClientAuthorizeRequest::PUBLISH);
  EXPECT_EQ(authorizes[2].topic(), "denied/x");
  EXPECT_EQ(authorizes[2].clientinfo().clientid(), "pub-1");
  EXPECT_EQ(authorizes[2].clientinfo().username(), "good");
  EXPECT_EQ(authorizes[2].clientinfo().password(), "");
  EXPECT_EQ(authorizes[3].topic(), "ok/x");
}

TEST_F(BrokerSmokeTest, RewritesAndDropsPublishes) {
  FakeHub hub;
  ASSERT_TRUE(StartBroker(hub.url())) << BrokerLog();
  auto everything = Subscribe("sub-all", "#", 2, "all.out");
  ASSERT_TRUE(HubSawSubscribe(hub, "#")) << BrokerLog();

  EXPECT_EQ(PublishWithPassword("pub-1", "good", "drop/x", "m1"), 0);
  EXPECT_EQ(PublishWithPassword("pub-2", "good", "rewrite/in", "orig"), 0);
  EXPECT_EQ(PublishWithPassword("pub-3", "good", "other/t", "free"), 0);
  EXPECT_EQ(everything->WaitExit(8s).value_or(-1), 0) << BrokerLog();
  EXPECT_EQ(iothub::testing::ReadFile(dir_.File("all.out")),
            "rewrite/out rewritten\nother/t free\n");

  // Only topics matching the hub's filters reach message.publish.
  auto publishes = hub.publishes();
  ASSERT_EQ(publishes.size(), 2u);
  const auto& message = publishes[1].message();
  EXPECT_EQ(message.topic(), "rewrite/in");
  EXPECT_EQ(message.payload(), "orig");
  EXPECT_EQ(message.from(), "pub-2");
  EXPECT_EQ(message.qos(), 1u);
  EXPECT_EQ(message.id().size(), 32u);
  EXPECT_NE(message.id(), publishes[0].message().id());
  EXPECT_EQ(message.headers().at("username"), "good");
  EXPECT_EQ(message.headers().at("protocol"), "mqtt");
  EXPECT_EQ(message.headers().at("peerhost"), "127.0.0.1");
  EXPECT_EQ(message.headers().at("allow_publish"), "true");
  EXPECT_GT(message.timestamp(), 1600000000000u);
}

TEST_F(BrokerSmokeTest, CertificateOnlyClientIsAuthenticatedByTheHub) {
  FakeHub hub;
  ASSERT_TRUE(StartBroker(hub.url())) << BrokerLog();
  auto tls_pub = [&](const std::string& name, std::vector<std::string> extra) {
    std::vector<std::string> argv = {pub_,
                                     "-h",
                                     "127.0.0.1",
                                     "-p",
                                     std::to_string(tls_port_),
                                     "--cafile",
                                     dir_.File("ca.pem"),
                                     "--cert",
                                     dir_.File(name + ".pem"),
                                     "--key",
                                     dir_.File(name + ".key"),
                                     "-q",
                                     "1",
                                     "-t",
                                     "plain/t",
                                     "-m",
                                     "hi"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return iothub::testing::RunProcess(argv, 5s).status;
  };
  // No username at all: Mosquitto 2.0 still raises MOSQ_EVT_BASIC_AUTH.
  EXPECT_EQ(tls_pub("device", {"-i", "dev-001"}), 0) << BrokerLog();
  // A CONNECT username is replaced by the certificate, as with peer_cert_as_username.
  EXPECT_EQ(tls_pub("device", {"-i", "dev-002", "-u", "good"}), 0) << BrokerLog();
  EXPECT_NE(tls_pub("stranger", {"-i", "dev-999"}), 0) << BrokerLog();

  auto expected = IdentityFromCertificate(device_.cert.get());
  ASSERT_TRUE(expected.ok());
  auto auths = hub.authenticates();
  ASSERT_EQ(auths.size(), 3u);
  for (int i : {0, 1}) {
    const auto& info = auths[i].clientinfo();
    EXPECT_EQ(info.username(), expected->pem_username);
    EXPECT_EQ(info.cn(), "device-001");
    EXPECT_EQ(info.dn(), "CN=device-001,OU=Devices,O=ExhookTest,C=US");
    EXPECT_EQ(info.password(), "");
  }
  EXPECT_EQ(auths[2].clientinfo().cn(), "device-999");

  // Later hooks carry the same (certificate) username.
  auto authorizes = hub.authorizes();
  ASSERT_EQ(authorizes.size(), 2u);
  EXPECT_EQ(authorizes[1].clientinfo().username(), expected->pem_username);
  EXPECT_EQ(authorizes[1].clientinfo().cn(), "device-001");
  auto publishes = hub.publishes();
  ASSERT_EQ(publishes.size(), 2u);
  EXPECT_EQ(publishes[0].message().headers().at("username"), expected->pem_username);
}

TEST_F(BrokerSmokeTest, FailsClosedUntilTheHubAnswers) {
  const int hub_port = iothub::testing::FreeTcpPort();
  ASSERT_TRUE(StartBroker("127.0.0.1:" + std::to_string(hub_port))) << BrokerLog();
  EXPECT_NE(PublishWithPassword("early", "good", "t/1", "x"), 0) << BrokerLog();

  FakeHub hub(hub_port);
  bool admitted = false;
  for (int attempt = 0; attempt < 20 && !admitted; ++attempt) {
    admitted = PublishWithPassword("late", "good", "t/1", "x") == 0;
    if (!admitted) std::this_thread::sleep_for(250ms);
  }
  EXPECT_TRUE(admitted) << BrokerLog();
  EXPECT_EQ(hub.loaded_count(), 1);
}

TEST_F(BrokerSmokeTest, RecoversWhenTheHubRestarts) {
  auto hub = std::make_unique<FakeHub>();
  const int hub_port = hub->port();
  ASSERT_TRUE(StartBroker(hub->url())) << BrokerLog();
  EXPECT_EQ(PublishWithPassword("first", "good", "t/1", "x"), 0) << BrokerLog();

  hub.reset();  // the hub goes away: fail closed
  EXPECT_NE(PublishWithPassword("while-down", "good", "t/1", "x"), 0) << BrokerLog();

  hub = std::make_unique<FakeHub>(hub_port);
  bool admitted = false;
  for (int attempt = 0; attempt < 20 && !admitted; ++attempt) {
    admitted = PublishWithPassword("after", "good", "t/1", "x") == 0;
    if (!admitted) std::this_thread::sleep_for(250ms);
  }
  EXPECT_TRUE(admitted) << BrokerLog();
  EXPECT_EQ(hub->loaded_count(), 0);  // like EMQX 5.3: no second OnProviderLoaded
}

}  // namespace
}  // namespace iothub::mosquitto_plugin
