// Tests of the plugin's small parts: options, the hook set, message ids, session cache.
#include <gtest/gtest.h>
#include <mosquitto_broker.h>

#include <set>

#include "mosquitto_plugin/hook_set.h"
#include "mosquitto_plugin/message_id.h"
#include "mosquitto_plugin/plugin_options.h"
#include "mosquitto_plugin/session_cache.h"

namespace iothub::mosquitto_plugin {
namespace {

TEST(PluginOptionsTest, DefaultsAndValues) {
  auto options = ParsePluginOptions({{"url", "127.0.0.1:9000"}});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->url, "127.0.0.1:9000");
  EXPECT_EQ(options->timeout.count(), 1000);
  EXPECT_EQ(options->service, ServiceVersion::kV2);
  EXPECT_TRUE(options->tls_ca.empty());

  options = ParsePluginOptions({{"url", "hub:9000"},
                                {"timeout_ms", "250"},
                                {"service", "v3"},
                                {"tls_ca", "/ca.pem"},
                                {"tls_cert", "/c.pem"},
                                {"tls_key", "/k.pem"},
                                {"sockport", "8883"},
                                {"unknown", "ignored"}});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->timeout.count(), 250);
  EXPECT_EQ(options->service, ServiceVersion::kV3);
  EXPECT_EQ(options->tls_key, "/k.pem");
  EXPECT_EQ(options->sockport, 8883u);
}

TEST(PluginOptionsTest, Errors) {
  EXPECT_FALSE(ParsePluginOptions({}).ok());
  EXPECT_FALSE(ParsePluginOptions({{"url", "h:1"}, {"timeout_ms", "abc"}}).ok());
  EXPECT_FALSE(ParsePluginOptions({{"url", "h:1"}, {"timeout_ms", "0"}}).ok());
  EXPECT_FALSE(ParsePluginOptions({{"url", "h:1"}, {"service", "v4"}}).ok());
  EXPECT_FALSE(ParsePluginOptions({{"url", "h:1"}, {"tls_ca", "a"}, {"tls_cert", "c"}}).ok());
  EXPECT_FALSE(ParsePluginOptions({{"url", "h:1"}, {"tls_cert", "c"}, {"tls_key", "k"}}).ok());
  for (const char* bad : {"", ",", "a,", ",a", "a,,b"}) {
    EXPECT_FALSE(ParsePluginOptions({{"url", "h:1"}, {"bridge_clientids", bad}}).ok()) << bad;
  }
}

TEST(PluginOptionsTest, BridgeClientIds) {
  auto options = ParsePluginOptions({{"url", "h:1"}});
  ASSERT_TRUE(options.ok());
  EXPECT_TRUE(options->bridge_clientids.empty());
  options = ParsePluginOptions({{"url", "h:1"}, {"bridge_clientids", "bridge-a.local,b2"}});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->bridge_clientids, (std::vector<std::string>{"bridge-a.local", "b2"}));
}

TEST(HookSetTest, RegistersOnlyWhatTheHubAsked) {
  emqx::exhook::v2::LoadedResponse loaded;
  loaded.add_hooks()->set_name("client.authenticate");
  auto* publish = loaded.add_hooks();
  publish->set_name("message.publish");
  publish->add_topics("users/+/devices/+/rpc/request");
  loaded.add_hooks()->set_name("session.created");
  HookSet set = HookSetFromLoaded(loaded);
  EXPECT_TRUE(set.authenticate);
  EXPECT_FALSE(set.authorize);
  EXPECT_TRUE(set.publish);
  EXPECT_EQ(set.publish_topics, std::vector<std::string>{"users/+/devices/+/rpc/request"});
  EXPECT_EQ(set.unsupported, std::vector<std::string>{"session.created"});
  EXPECT_EQ(set.Events(),
            (std::vector<int>{MOSQ_EVT_BASIC_AUTH, MOSQ_EVT_MESSAGE, MOSQ_EVT_DISCONNECT}));
  EXPECT_TRUE(HookSetFromLoaded({}).Events().empty());
}

TEST(MessageIdTest, UniqueHex) {
  MessageIdGenerator ids;
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = ids.Next();
    ASSERT_EQ(id.size(), 32u);
    ASSERT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(SessionCacheTest, KeepsDisconnectedUntilSweep) {
  SessionCache cache;
  int a = 0;
  int b = 0;
  ClientFacts facts;
  facts.username = "u";
  cache.Put(&a, facts, true);
  cache.Put(&b, facts, true);
  ASSERT_NE(cache.Find(&a), nullptr);
  const auto* gone = cache.MarkDisconnected(&a);
  ASSERT_NE(gone, nullptr);
  EXPECT_EQ(gone->facts.username, "u");
  EXPECT_EQ(cache.MarkDisconnected(&a), nullptr);  // reported once
  EXPECT_NE(cache.Find(&a), nullptr);              // still there for the will's ACL check
  cache.Sweep();
  EXPECT_EQ(cache.Find(&a), nullptr);
  EXPECT_NE(cache.Find(&b), nullptr);
  cache.Erase(&b);
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace iothub::mosquitto_plugin
