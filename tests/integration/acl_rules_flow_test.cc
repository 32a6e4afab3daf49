// Access rules changed at runtime, against the real binary: a rule added through the
// HTTP API or the CLI is enforced by client.authorize within 1 s, explain names it (id,
// origin), each change is audited, EMQX's authorization cache is cleared once per
// change batch, bad rules change nothing; and two hubs on one PostgreSQL database:
// a rule made through hub A is enforced by hub B within 1 s, with one cache clear.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/hub_flow.h"
#include "support/postgres_server.h"
#include "support/recording_emqx.h"

namespace iothub::testing {
namespace {

using nlohmann::json;

constexpr char kAdminToken[] = "acl-rules-admin-token-0123456789abcdef";
constexpr char kClearCache[] = "DELETE /api/v5/authorization/cache";

std::string HubToml(const RecordingEmqx& emqx) {
  return "[http]\nadmin_token = \"" + std::string(kAdminToken) + "\"\n[emqx]\napi_url = \"" +
         emqx.url() + "\"\napi_key = \"k\"\napi_secret = \"s\"\n";
}

// An admin call to a hub's HTTP API: status and JSON body (null when there is none).
std::pair<int, json> Api(int port, const std::string& method, const std::string& path,
                         const json& body = nullptr) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  const httplib::Headers headers = {{"Authorization", std::string("Bearer ") + kAdminToken}};
  httplib::Result result = method == "GET"      ? client.Get(path, headers)
                           : method == "DELETE" ? client.Delete(path, headers)
                           : method == "PUT"
                               ? client.Put(path, headers, body.dump(), "application/json")
                               : client.Post(path, headers, body.dump(), "application/json");
  if (!result) return {0, nullptr};
  return {result->status, json::parse(result->body, nullptr, false)};
}

// Milliseconds since `start`, for the log.
long long Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

class AclRulesFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    user_ = flow_.CreateUser("u@example.com", "User U", "sub-u");
    device_ = flow_.CreateDevice("dev-r");
    flow_.Bind("dev-r", user_);
    ASSERT_TRUE(flow_.Start());
    ASSERT_TRUE(IsAllow(flow_.ConnectDevice(ServiceVersion::kV3, device_)));
    status_ = "users/" + user_ + "/devices/dev-r/status";
    telemetry_ = "users/" + user_ + "/devices/dev-r/telemetry";
  }

  bool Allowed(const std::string& topic) {
    return IsAllow(flow_.Authorize(ServiceVersion::kV3, "dev-r", false, topic));
  }
  bool Denied(const std::string& topic) {
    return IsDeny(flow_.Authorize(ServiceVersion::kV3, "dev-r", false, topic));
  }
  json Rules() { return Api(flow_.hub().http_port(), "GET", "/api/acl/rules").second["rules"]; }
  std::string Sql(const std::string& query) {
    const ShellOutput out =
        RunShell("sqlite3 -cmd '.timeout 5000' '" + (flow_.data_dir() / "hub.db").string() +
                 "' \"" + query + "\"");
    EXPECT_EQ(out.exit_code, 0) << out.output;
    return out.output;
  }

  RecordingEmqx emqx_;
  HubFlow flow_{{.extra_toml = HubToml(emqx_), .env = {}, .ca_from = {}}};
  std::string user_;
  DeviceCert device_;
  std::string status_;
  std::string telemetry_;
};

// A deny rule added through HTTP denies the topic on the next authorize within 1 s;
// explain names it; it is audited; EMQX's cache is cleared once; deleting it allows the
// topic again.
TEST_F(AclRulesFlowTest, HttpRuleIsEnforcedExplainedAuditedAndClearsTheCacheOnce) {
  ASSERT_TRUE(Allowed(status_));
  const auto start = std::chrono::steady_clock::now();
  auto [created, answer] = Api(flow_.hub().http_port(), "POST", "/api/acl/rules",
                               {{"effect", "deny"},
                                {"who", "device"},
                                {"action", "publish"},
                                {"topic", "users/+/devices/${device_id}/status"},
                                {"description", "no status"}});
  ASSERT_EQ(created, 201) << answer.dump();
  const std::string id = answer["rule"]["id"];
  EXPECT_TRUE(Eventually([&] { return Denied(status_); }, std::chrono::seconds(1))) << flow_.Log();
  std::printf("[ info     ] the HTTP rule denied the topic %lld ms after the request\n",
              Since(start));
  EXPECT_TRUE(Allowed(telemetry_));

  auto [explained, why] = Api(flow_.hub().http_port(), "POST", "/api/acl/explain",
                              {{"deviceId", "dev-r"}, {"action", "publish"}, {"topic", status_}});
  ASSERT_EQ(explained, 200) << why.dump();
  EXPECT_EQ(why["allow"], false);
  EXPECT_EQ(why["decidedBy"], "rule");
  EXPECT_EQ(why["rule"]["id"], id);
  EXPECT_EQ(why["rule"]["origin"], "database");

  EXPECT_EQ(Sql("SELECT actor || ' ' || action || ' ' || target FROM audit_log WHERE action LIKE "
                "'acl.%'"),
            "admin-token acl.rule.create " + id + "\n");
  EXPECT_TRUE(Eventually([&] { return emqx_.Saw(kClearCache); })) << flow_.Log();
  const std::size_t clears = emqx_.Count(kClearCache);
  EXPECT_TRUE(flow_.WaitForLog("clearing the broker's authorization cache")) << flow_.Log();

  auto [deleted, gone] = Api(flow_.hub().http_port(), "DELETE", "/api/acl/rules/" + id);
  EXPECT_EQ(deleted, 204) << gone.dump();
  EXPECT_TRUE(Eventually([&] { return Allowed(status_); }, std::chrono::seconds(1)));
  EXPECT_TRUE(Eventually([&] { return emqx_.Count(kClearCache) == clears + 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(emqx_.Count(kClearCache), clears + 1);  // once per change, not per tick
}

// A rule added by the CLI (another process on the same data dir) reaches the running
// hub within 1 s; so does its removal. `acl list` shows it with its origin.
TEST_F(AclRulesFlowTest, CliRuleReachesTheRunningHub) {
  const auto start = std::chrono::steady_clock::now();
  const json added = flow_.CliJson({"acl", "add", "--effect", "deny", "--who", "any", "--action",
                                    "publish", "--topic", "users/+/devices/+/telemetry"});
  const std::string id = added["rule"]["id"];
  EXPECT_TRUE(Eventually([&] { return Denied(telemetry_); }, std::chrono::seconds(1)))
      << flow_.Log();
  std::printf("[ info     ] the CLI rule denied the topic %lld ms after `acl add` began\n",
              Since(start));
  const json rules = Rules();
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0]["origin"], "database");
  EXPECT_EQ(rules[0]["updatedBy"].get<std::string>().rfind("cli:", 0), 0u);
  const CommandResult removed = flow_.Cli({"acl", "remove", id});
  ASSERT_EQ(removed.status, 0) << removed.err;
  EXPECT_TRUE(Eventually([&] { return Allowed(telemetry_); }, std::chrono::seconds(1)));
}

// Bad rules get 400 and change nothing: no rule, no audit row, the same decisions.
TEST_F(AclRulesFlowTest, BadRulesChangeNothing) {
  std::string deep = "a";
  for (int i = 1; i < 129; ++i) deep += "/a";
  const json base = {{"effect", "deny"}, {"who", "device"}, {"action", "publish"}};
  const auto with = [&](const std::string& key, const json& value) {
    json body = base;
    body["topic"] = "users/+/devices/+/debug";
    body[key] = value;
    return body;
  };
  for (const json& body : {with("effect", "forbid"), with("who", "devices"),
                           with("topic", "users/#/debug"), with("topic", "users/${owner}/x"),
                           with("topic", deep), with("description", std::string(600, 'x')),
                           with("topic", "users/'; DROP TABLE acl_rules; --/${tenant}")}) {
    auto [status, answer] = Api(flow_.hub().http_port(), "POST", "/api/acl/rules", body);
    EXPECT_EQ(status, 400) << body.dump() << " -> " << answer.dump();
    EXPECT_FALSE(answer["error"]["details"].empty()) << answer.dump();
  }
  EXPECT_TRUE(Rules().empty());
  EXPECT_EQ(Sql("SELECT count(*) FROM audit_log WHERE action LIKE 'acl.%'"), "0\n");
  EXPECT_EQ(Sql("SELECT count(*) FROM acl_rules"), "0\n");
  EXPECT_TRUE(Allowed(status_));
}

// Two hubs on one PostgreSQL database: a rule made through hub A's API is enforced by
// hub B within 1 s, and EMQX's cache is cleared by one hub only.
TEST(AclRulesHubsTest, RuleMadeOnHubAIsEnforcedByHubB) {
  PostgresServer server;
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string url = server.CreateDatabase();
  ASSERT_FALSE(url.empty()) << server.error();
  RecordingEmqx emqx;
  HubFlow a({.extra_toml = HubToml(emqx) + "[store]\nbackend = \"postgres\"\npostgres_url = \"" +
                           url + "\"\n",
             .env = {},
             .ca_from = {}});
  const std::string user = a.CreateUser("u@example.com", "User U", "sub-u");
  const DeviceCert device = a.CreateDevice("dev-pg");
  a.Bind("dev-pg", user);
  ASSERT_TRUE(a.Start());
  TempDir b_dir;
  std::filesystem::create_directories(b_dir.path() / "data");
  std::filesystem::copy(a.data_dir() / "ca", b_dir.path() / "data" / "ca",
                        std::filesystem::copy_options::recursive);
  HubProcess b({.data_dir = b_dir.path() / "data", .config_file = a.config_path()});
  ASSERT_TRUE(b.WaitReady()) << b.Log();
  ExhookClient b_client(b.grpc_target(), ServiceVersion::kV3);

  const std::string topic = "users/" + user + "/devices/dev-pg/status";
  pb::ClientAuthenticateRequest login;  // as EMQX sends it from the devices listener
  *login.mutable_clientinfo() = HubFlow::Client("dev-pg", device.username);
  login.mutable_clientinfo()->set_cn(device.cn);
  login.mutable_clientinfo()->set_dn(device.dn);
  pb::ValuedResponse admitted;
  ASSERT_TRUE(b_client.Authenticate(login, &admitted).ok());
  ASSERT_TRUE(IsAllow(admitted)) << b.Log();
  const auto on_b = [&] {
    pb::ClientAuthorizeRequest request;
    *request.mutable_clientinfo() = HubFlow::Client("dev-pg", device.username);
    request.set_type(pb::ClientAuthorizeRequest::PUBLISH);
    request.set_topic(topic);
    pb::ValuedResponse response;
    EXPECT_TRUE(b_client.Authorize(request, &response).ok());
    return response;
  };
  ASSERT_TRUE(IsAllow(on_b())) << b.Log();

  auto [created, answer] = Api(a.hub().http_port(), "POST", "/api/acl/rules",
                               {{"effect", "deny"},
                                {"who", "device"},
                                {"action", "publish"},
                                {"topic", "users/+/devices/+/status"}});
  ASSERT_EQ(created, 201) << answer.dump();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(Eventually([&] { return IsDeny(on_b()); }, std::chrono::seconds(1))) << b.Log();
  std::printf("[ info     ] hub B enforced hub A's rule %lld ms after it was made\n", Since(start));
  auto [listed, rules] = Api(b.http_port(), "GET", "/api/acl/rules");
  ASSERT_EQ(listed, 200);
  ASSERT_EQ(rules["rules"].size(), 1u);
  EXPECT_EQ(rules["rules"][0]["id"], answer["rule"]["id"]);
  // Both hubs take the new rules; one of them clears the cache, once.
  EXPECT_TRUE(Eventually([&] { return emqx.Count(kClearCache) >= 1; })) << a.Log() << b.Log();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(emqx.Count(kClearCache), 1u) << a.Log() << b.Log();
  const ShellOutput audit = RunShell("psql -At '" + url +
                                     "' -c \"SELECT action FROM audit_log WHERE action LIKE "
                                     "'acl.%'\"");
  EXPECT_EQ(audit.output, "acl.rule.create\n");
}

}  // namespace
}  // namespace iothub::testing
