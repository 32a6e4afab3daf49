// BrokerLink against a real Mosquitto broker with a mutual-TLS listener: connecting,
// subscribing, publishing, reconnecting, and refusing bad options. (A subscription the
// broker refuses needs the hub behind the broker: tests/e2e/start_order_test.cc.)
#include "mqtt/broker_link.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mqtt_test_env.h"

namespace iothub::mqtt {
namespace {

using namespace std::chrono_literals;
using testing::Broker;
using testing::FakeDevice;
using testing::TestPki;
using testing::WaitUntil;

BrokerLinkOptions TlsOptions(int port) {
  BrokerLinkOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  options.tls = BrokerTls{TestPki().ca, TestPki().hub_cert, TestPki().hub_key};
  return options;
}

class BrokerLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(testing::kMosquittoPath, X_OK) != 0) GTEST_SKIP() << "mosquitto not installed";
    ASSERT_TRUE(TestPki().ok) << "openssl could not make the test certificates";
    ASSERT_TRUE(broker_.Start()) << broker_.log();
  }

  // A started link; messages land in received().
  std::unique_ptr<BrokerLink> StartLink(BrokerLinkOptions options) {
    auto link = BrokerLink::Create(std::move(options), metrics_);
    EXPECT_TRUE(link.ok()) << link.status();
    if (!link.ok()) return nullptr;
    (*link)->Start([this](std::string_view topic, std::string_view payload) {
      std::lock_guard<std::mutex> lock(mutex_);
      received_.emplace_back(topic, payload);
    });
    return std::move(*link);
  }

  std::vector<std::pair<std::string, std::string>> received() {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }

  std::int64_t LinkUp() { return metrics_.GetGauge("iothub_mqtt_link_up", "").value(); }

  iothub::testing::TempDir dir_;
  Broker broker_{dir_};
  Metrics metrics_;
  std::mutex mutex_;
  std::vector<std::pair<std::string, std::string>> received_;
};

// Bad options are refused at Create, before any connection.
TEST(BrokerLinkOptionsTest, RefusesBadOptions) {
  Metrics metrics;
  const auto refused = [&](auto change) {
    BrokerLinkOptions options;
    change(options);
    return absl::IsInvalidArgument(BrokerLink::Create(options, metrics).status());
  };
  EXPECT_TRUE(refused([](auto& o) { o.host = ""; }));
  EXPECT_TRUE(refused([](auto& o) { o.port = 0; }));
  EXPECT_TRUE(refused([](auto& o) { o.port = 65536; }));
  EXPECT_TRUE(refused([](auto& o) { o.keepalive = std::chrono::seconds(2); }));
  EXPECT_TRUE(refused([](auto& o) { o.reconnect_min = 0ms; }));
  EXPECT_TRUE(refused([](auto& o) { o.reconnect_max = 500ms; }));
  EXPECT_TRUE(refused([](auto& o) { o.subscribe_timeout = 0ms; }));
  EXPECT_TRUE(refused([](auto& o) { o.subscribe_timeout = -1ms; }));
  EXPECT_TRUE(refused([](auto& o) { o.password = "secret"; }));
  EXPECT_TRUE(refused([](auto& o) { o.tls = BrokerTls{"", "", ""}; }));
  EXPECT_TRUE(refused([](auto& o) { o.tls = BrokerTls{"/nonexistent/ca.pem", "", ""}; }));
  EXPECT_TRUE(refused([](auto& o) { o.tls = BrokerTls{TestPki().ca, TestPki().hub_cert, ""}; }));
  BrokerLinkOptions good;
  good.username = "jwt";
  good.password = "token";
  auto link = BrokerLink::Create(good, metrics);
  ASSERT_TRUE(link.ok()) << link.status();
  EXPECT_EQ((*link)->client_id().rfind("iot-hub-", 0), 0u);
  EXPECT_EQ((*link)->client_id().size(), 20u);
  EXPECT_FALSE((*link)->connected());  // not started
}

// With its client certificate the link connects, subscribes to the response filter
// and receives a device's reply; the link-up gauge follows.
TEST_F(BrokerLinkTest, ConnectsWithClientCertificateAndReceivesReplies) {
  auto link = StartLink(TlsOptions(broker_.port()));
  ASSERT_NE(link, nullptr);
  ASSERT_TRUE(WaitUntil([&] { return link->connected(); }, 5s)) << broker_.log();
  EXPECT_EQ(LinkUp(), 1);

  FakeDevice device(broker_.port());
  ASSERT_TRUE(device.WaitReady());
  ASSERT_TRUE(device.Publish("users/u1/devices/d1/rpc/response", R"({"id":"x","result":{}})"));
  ASSERT_TRUE(WaitUntil([&] { return !received().empty(); }, 5s));
  EXPECT_EQ(received()[0].first, "users/u1/devices/d1/rpc/response");
  EXPECT_EQ(received()[0].second, R"({"id":"x","result":{}})");

  // Its own publishes reach devices.
  ASSERT_TRUE(link->Publish("users/u1/devices/d1/rpc/request", R"({"id":"y"})", 1).ok());
  ASSERT_TRUE(WaitUntil([&] { return device.request_count() == 1; }, 5s));

  link->Stop();
  EXPECT_FALSE(link->connected());
  EXPECT_EQ(LinkUp(), 0);
  EXPECT_TRUE(absl::IsUnavailable(link->Publish("t", "x", 1)));
}

// The listener requires a client certificate: without one the link never becomes
// ready (and keeps retrying quietly until stopped).
TEST_F(BrokerLinkTest, NoClientCertificateNoConnection) {
  BrokerLinkOptions options = TlsOptions(broker_.port());
  options.tls->cert_file.clear();
  options.tls->key_file.clear();
  options.reconnect_min = 100ms;
  options.reconnect_max = 200ms;
  auto link = StartLink(options);
  ASSERT_NE(link, nullptr);
  EXPECT_FALSE(WaitUntil([&] { return link->connected(); }, 1s));
  EXPECT_GT(metrics_.GetCounter("iothub_mqtt_link_connect_failures_total", "").value(), 0u);
}

// While no broker listens, Publish is Unavailable; a broker that comes up later is
// found by the reconnect loop (libmosquitto's own thread would have given up on TLS).
TEST_F(BrokerLinkTest, StartsBeforeTheBrokerAndConnectsLater) {
  broker_.Stop();
  auto link = StartLink(TlsOptions(broker_.port()));
  ASSERT_NE(link, nullptr);
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(link->connected());
  EXPECT_TRUE(absl::IsUnavailable(link->Publish("users/u/devices/d/rpc/request", "{}", 1)));
  ASSERT_TRUE(broker_.Start()) << broker_.log();
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitUntil([&] { return link->connected(); }, 5s)) << broker_.log();
  std::printf("[ info     ] connected %lld ms after the broker came up\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - start)
                                         .count()));
}

// A broker restart drops the link; it reconnects within a few seconds and renews its
// subscription.
TEST_F(BrokerLinkTest, ReconnectsAfterBrokerRestart) {
  auto link = StartLink(TlsOptions(broker_.port()));
  ASSERT_NE(link, nullptr);
  ASSERT_TRUE(WaitUntil([&] { return link->connected(); }, 5s)) << broker_.log();

  broker_.Stop();
  ASSERT_TRUE(WaitUntil([&] { return !link->connected(); }, 3s));
  EXPECT_EQ(LinkUp(), 0);
  ASSERT_TRUE(broker_.Start()) << broker_.log();
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitUntil([&] { return link->connected(); }, 5s)) << broker_.log();
  std::printf("[ info     ] reconnected %lld ms after the restart\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - start)
                                         .count()));
  EXPECT_EQ(metrics_.GetCounter("iothub_mqtt_link_connects_total", "").value(), 2u);

  FakeDevice device(broker_.port());
  ASSERT_TRUE(device.WaitReady());
  ASSERT_TRUE(device.Publish("users/u1/devices/d1/rpc/response", R"({"id":"x","result":{}})"));
  EXPECT_TRUE(WaitUntil([&] { return !received().empty(); }, 5s));
}

// Stop() during a backoff sleep returns promptly.
TEST_F(BrokerLinkTest, StopInterruptsBackoff) {
  broker_.Stop();
  BrokerLinkOptions options = TlsOptions(broker_.port());
  options.reconnect_min = std::chrono::seconds(20);
  options.reconnect_max = std::chrono::seconds(30);
  auto link = StartLink(options);
  ASSERT_NE(link, nullptr);
  std::this_thread::sleep_for(200ms);  // the first attempt failed; now sleeping 20 s
  const auto start = std::chrono::steady_clock::now();
  link->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

}  // namespace
}  // namespace iothub::mqtt
