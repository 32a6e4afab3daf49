// The registry's config keys through `iot-hub config check`: [ca], [plans.<name>],
// [auth], their validation, and environment overrides of nested plan keys; the HTTP
// server's limits and proxy trust in [http].
#include <gtest/gtest.h>

#include "cli_test_util.h"

namespace iothub::testing {
namespace {

// Runs `config check` on a file holding `toml`.
CommandResult Check(const TempDir& dir, const std::string& toml,
                    const std::map<std::string, std::string>& env = {}) {
  WriteFile(dir.path() / "hub.toml", toml);
  return RunHub({"config", "check", dir.File("hub.toml")}, env);
}

// Valid registry settings are accepted, including a new plan with both limits.
TEST(CliConfigTest, AcceptsRegistrySettings) {
  TempDir dir;
  const CommandResult ok = Check(dir,
                                 "[ca]\nkey_type = \"rsa-3072\"\ndefault_days = 90\n"
                                 "[plans.free]\nmax_devices = 2\n"
                                 "[plans.gold]\nmax_devices = 500\nrpc_per_minute = 5000\n"
                                 "[auth]\nrequire_clientid_match = false\n"
                                 "certificate_ports = [8883, 1]\n");
  EXPECT_EQ(ok.status, 0) << ok.err;
}

// Each mistake is named by key, with status 2.
TEST(CliConfigTest, RefusesBadRegistrySettings) {
  TempDir dir;
  const std::pair<std::string, std::string> cases[] = {
      {"[ca]\nkey_type = \"dsa\"\n", "ca.key_type: 'dsa' is not one of"},
      {"[ca]\ndefault_days = 0\n", "ca.default_days: 0 is outside 1..3650"},
      {"[plans.gold]\nmax_devices = 5\n", "plans.gold: a new plan needs"},
      {"[plans.free]\nmax_devicez = 5\n", "unknown key 'plans.free.max_devicez'"},
      {"[plans.free]\nmax_devices = -1\n", "plans.free.max_devices: -1 is outside"},
      {"[plans.free]\nmax_devices = \"5\"\n", "plans.free.max_devices: expected an integer"},
      {"[plans.Gold]\nmax_devices = 5\nrpc_per_minute = 1\n", "plan names are"},
      {"[plans]\nfree = 5\n", "must be a [plans.<name>] table"},
      {"[auth]\nrequire_clientid_match = \"yes\"\n", "auth.require_clientid_match: expected"},
      {"[auth]\ncertificate_ports = 8883\n", "auth.certificate_ports: expected an array of ports"},
      {"[auth]\ncertificate_ports = [0]\n", "auth.certificate_ports: expected an array of ports"},
      {"[auth]\ncertificate_ports = [65536]\n", "auth.certificate_ports: expected an array"},
      {"[auth]\ncertificate_ports = [\"8883\"]\n", "auth.certificate_ports: expected an array"},
      {"[auth]\ncertificate_ports = [8883.5]\n", "auth.certificate_ports: expected an array"},
  };
  for (const auto& [toml, expected] : cases) {
    SCOPED_TRACE(toml);
    const CommandResult result = Check(dir, toml);
    EXPECT_EQ(result.status, 2);
    EXPECT_NE(result.err.find(expected), std::string::npos) << result.err;
  }
}

// [cluster] redis_url comes from the file or IOTHUB_CLUSTER__REDIS_URL and is shown
// with its password redacted; a bad URL or timeout is refused naming the key, without
// echoing the password.
TEST(CliConfigTest, ClusterRedisKeys) {
  const TempDir dir;
  const CommandResult env =
      Check(dir, "", {{"IOTHUB_CLUSTER__REDIS_URL", "redis://:pw-9f3k@cache:6380/2"}});
  EXPECT_EQ(env.status, 0) << env.err;
  EXPECT_NE(env.out.find("shared state: redis://:****@cache:6380/2"), std::string::npos) << env.out;
  EXPECT_EQ(env.out.find("pw-9f3k"), std::string::npos);
  const CommandResult file =
      Check(dir, "[cluster]\nredis_url = \"redis://cache\"\nredis_timeout_ms = 50\n");
  EXPECT_EQ(file.status, 0) << file.err;
  EXPECT_EQ(Check(dir, "").out.find("shared state"), std::string::npos);
  const std::pair<std::string, std::string> cases[] = {
      {"[cluster]\nredis_url = \"http://:pw-9f3k@cache\"\n", "cluster.redis_url: invalid"},
      {"[cluster]\nredis_url = \"redis://:pw-9f3k@cache:0\"\n", "cluster.redis_url: invalid"},
      {"[cluster]\nredis_url = \"redis://:pw-9f3k@cache/99\"\n", "cluster.redis_url: invalid"},
      {"[cluster]\nredis_timeout_ms = 0\n", "cluster.redis_timeout_ms: 0 is outside"},
      {"[cluster]\nredis_connections = 0\n", "cluster.redis_connections: 0 is outside"},
  };
  for (const auto& [toml, expected] : cases) {
    SCOPED_TRACE(toml);
    const CommandResult result = Check(dir, toml);
    EXPECT_EQ(result.status, 2);
    EXPECT_NE(result.err.find(expected), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find("pw-9f3k"), std::string::npos) << result.err;
  }
}

// [jwt] require_exp and max_lifetime_s come from the file or IOTHUB_JWT__*; bad values
// (not a bool, negative, over ten years) stop the start with the key named.
TEST(CliConfigTest, JwtPolicyKeys) {
  const TempDir dir;
  EXPECT_EQ(Check(dir, "[jwt]\nrequire_exp = false\nmax_lifetime_s = 3600\n", {}).status, 0);
  EXPECT_EQ(
      Check(dir, "", {{"IOTHUB_JWT__REQUIRE_EXP", "false"}, {"IOTHUB_JWT__MAX_LIFETIME_S", "600"}})
          .status,
      0);
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"IOTHUB_JWT__REQUIRE_EXP", "maybe"},
           {"IOTHUB_JWT__MAX_LIFETIME_S", "-1"},
           {"IOTHUB_JWT__MAX_LIFETIME_S", "999999999"}}) {
    SCOPED_TRACE(key + "=" + value);
    const CommandResult bad = Check(dir, "", {{key, value}});
    EXPECT_NE(bad.status, 0);
    EXPECT_NE(bad.err.find(key), std::string::npos) << bad.err;
  }
  const CommandResult file = Check(dir, "[jwt]\nmax_lifetime_s = \"long\"\n", {});
  EXPECT_NE(file.status, 0);
  EXPECT_NE(file.err.find("jwt.max_lifetime_s"), std::string::npos) << file.err;
}

// The [http] connection limits and the proxy e-mail trust load from the file and from
// IOTHUB_HTTP__*; values outside their range are refused by key.
TEST(CliConfigTest, HttpLimitsAndProxyTrust) {
  TempDir dir;
  const CommandResult ok = Check(dir,
                                 "[http]\nmax_connections = 64\nrequest_timeout_s = 5\n"
                                 "write_timeout_s = 5\nkeep_alive_timeout_s = 2\n"
                                 "trusted_proxy_email_fallback = true\n");
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_EQ(Check(dir, "",
                  {{"IOTHUB_HTTP__MAX_CONNECTIONS", "1000"},
                   {"IOTHUB_HTTP__TRUSTED_PROXY_EMAIL_FALLBACK", "false"}})
                .status,
            0);
  const std::pair<std::string, std::string> cases[] = {
      {"[http]\nmax_connections = 0\n", "http.max_connections: 0 is outside"},
      {"[http]\nrequest_timeout_s = 0\n", "http.request_timeout_s: 0 is outside"},
      {"[http]\nwrite_timeout_s = 601\n", "http.write_timeout_s: 601 is outside"},
      {"[http]\ntrusted_proxy_email_fallback = \"yes\"\n",
       "http.trusted_proxy_email_fallback: expected"},
  };
  for (const auto& [toml, expected] : cases) {
    SCOPED_TRACE(toml);
    const CommandResult result = Check(dir, toml);
    EXPECT_EQ(result.status, 2);
    EXPECT_NE(result.err.find(expected), std::string::npos) << result.err;
  }
  const CommandResult env = Check(dir, "", {{"IOTHUB_HTTP__KEEP_ALIVE_TIMEOUT_S", "0"}});
  EXPECT_EQ(env.status, 2);
  EXPECT_NE(env.err.find("http.keep_alive_timeout_s"), std::string::npos) << env.err;
}

// IOTHUB_PLANS__<NAME>__<KEY> overrides a known plan's limit; unknown plans are refused.
TEST(CliConfigTest, EnvironmentOverridesPlans) {
  TempDir dir;
  EXPECT_EQ(Check(dir, "", {{"IOTHUB_PLANS__PRO__MAX_DEVICES", "250"}}).status, 0);
  const CommandResult bad = Check(dir, "", {{"IOTHUB_PLANS__PRO__MAX_DEVICES", "lots"}});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("IOTHUB_PLANS__PRO__MAX_DEVICES"), std::string::npos) << bad.err;
  const CommandResult unknown = Check(dir, "", {{"IOTHUB_PLANS__GOLD__MAX_DEVICES", "5"}});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.err.find("unknown plan 'gold'"), std::string::npos) << unknown.err;
  EXPECT_EQ(Check(dir, "", {{"IOTHUB_AUTH__REQUIRE_CLIENTID_MATCH", "false"}}).status, 0);
  EXPECT_EQ(Check(dir, "", {{"IOTHUB_AUTH__CERTIFICATE_PORTS", "[8883]"}}).status, 0);
  EXPECT_EQ(Check(dir, "", {{"IOTHUB_AUTH__CERTIFICATE_PORTS", "[-1]"}}).status, 2);
}

// The plan limit from the environment applies to the CLI too.
TEST(CliConfigTest, EnvironmentPlanLimitAppliesToCli) {
  TempDir dir;
  const auto data = dir.path() / "data";
  Cli cli(data);
  ASSERT_EQ(cli.Run({"ca", "init"}).status, 0);
  const std::string id =
      cli.Json({"user", "create", "--email", "a@example.com", "--name", "Al"})["id"];
  ASSERT_EQ(cli.Run({"device", "create", "d1"}).status, 0);
  const CommandResult limited = RunHub({"device", "bind", "d1", id, "--data-dir", data.string()},
                                       {{"IOTHUB_PLANS__FREE__MAX_DEVICES", "0"}});
  EXPECT_TRUE(FailsWithOneLine(limited, "0 devices plan 'free' allows"));
}

}  // namespace
}  // namespace iothub::testing
