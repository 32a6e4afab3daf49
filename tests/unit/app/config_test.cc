#include "app/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

namespace iothub::app {
namespace {

using ::testing::HasSubstr;
using namespace std::string_literals;

// Text is loaded like a file: its keys, then the environment on top, then validation.
TEST(LoadConfigFromText, AppliesTheTextThenTheEnvironment) {
  const auto config = LoadConfigFromText(
      "[server]\ngrpc_listen = \"127.0.0.1:9100\"\n[plans.gold]\nmax_devices = 5\n"
      "rpc_per_minute = 60\n",
      "text.toml", {{"IOTHUB_SERVER__HTTP_LISTEN", "127.0.0.1:8100"}}, {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server.grpc_listen, "127.0.0.1:9100");
  EXPECT_EQ(config->server.http_listen, "127.0.0.1:8100");
  EXPECT_TRUE(std::any_of(config->plans.begin(), config->plans.end(),
                          [](const Plan& p) { return p.name == "gold" && p.max_devices == 5; }));
}

// TOML syntax errors name the source, line and column; bad keys and values are refused.
TEST(LoadConfigFromText, RefusesBadText) {
  const auto syntax = LoadConfigFromText("[server]\ngrpc_listen = \n", "text.toml", {}, {});
  ASSERT_FALSE(syntax.ok());
  EXPECT_THAT(std::string(syntax.status().message()), HasSubstr("config text.toml:2:"));
  const auto unknown = LoadConfigFromText("[server]\nport = 1\n", "text.toml", {}, {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("unknown key 'server.port'"));
  EXPECT_FALSE(LoadConfigFromText("server = 1\n", "text.toml", {}, {}).ok());
  EXPECT_FALSE(LoadConfigFromText("[log]\nlevel = \"loud\"\n", "text.toml", {}, {}).ok());
  EXPECT_FALSE(LoadConfigFromText("[log]\nlevel = \"\0\"\n"s, "t", {}, {}).ok());
}

// Found by the config fuzzer: a listen port too long for a long crashed the loader
// (std::out_of_range from stol); every bad port is now a clear refusal naming the key.
TEST(LoadConfigFromText, RefusesPortsThatAreNotPorts) {
  const std::string huge(100, '2');
  for (const std::string& port : {huge, "65536"s, "-1"s, "+80"s, "80x"s, "0x50"s, " 80"s}) {
    const auto config = LoadConfigFromText("[server]\nhttp_listen = \"127.0.0.1:" + port + "\"\n",
                                           "text.toml", {}, {});
    ASSERT_FALSE(config.ok()) << port;
    EXPECT_THAT(std::string(config.status().message()), HasSubstr("server.http_listen")) << port;
  }
  EXPECT_TRUE(
      LoadConfigFromText("[server]\nhttp_listen = \"127.0.0.1:65535\"\n", "t", {}, {}).ok());
}

}  // namespace
}  // namespace iothub::app

namespace iothub::app {
namespace {

// Renewal settings: defaults of 7 days and 5 minutes, bounded ranges.
TEST(LoadConfigFromText, RenewalSettings) {
  const auto defaults = LoadConfigFromText("", "text.toml", {}, {});
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->ca.renewal_grace_s, 7 * 24 * 3600);
  EXPECT_EQ(defaults->ca.renewal_min_interval_s, 300);
  const auto set = LoadConfigFromText("[ca]\nrenewal_grace_s = 4\nrenewal_min_interval_s = 0\n",
                                      "text.toml", {}, {});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->ca.renewal_grace_s, 4);
  EXPECT_EQ(set->ca.renewal_min_interval_s, 0);
  for (const char* bad :
       {"[ca]\nrenewal_grace_s = 0\n", "[ca]\nrenewal_grace_s = 7776001\n",
        "[ca]\nrenewal_min_interval_s = -1\n", "[ca]\nrenewal_min_interval_s = 86401\n"}) {
    EXPECT_FALSE(LoadConfigFromText(bad, "text.toml", {}, {}).ok()) << bad;
  }
}

}  // namespace
}  // namespace iothub::app
