// EmqxBrokerAdmin against a recording server. EMQX itself cannot run in CI (no container
// engine), so its REST API is played by RecordingServer, which records each call and
// answers as told (503s, 404, 401, slow or hanging answers).
#include "emqx/emqx_broker_admin.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>
#include <sstream>
#include <thread>

#include "unit/emqx/recording_server.h"

namespace iothub::emqx {
namespace {

using std::chrono::milliseconds;
using testing::RecordingServer;
using Outcome = EmqxBrokerAdmin::Outcome;

constexpr char kKey[] = "iothub-key";
constexpr char kSecret[] = "s3cret-Value!";
// base64("iothub-key:s3cret-Value!")
constexpr char kBasicAuth[] = "Basic aW90aHViLWtleTpzM2NyZXQtVmFsdWUh";

BrokerAdminOptions Options(const std::string& url) {
  BrokerAdminOptions options;
  options.api_url = url;
  options.api_key = kKey;
  options.api_secret = kSecret;
  options.timeout_ms = 1000;
  options.max_attempts = 4;
  options.initial_backoff_ms = 10;
  options.max_backoff_ms = 40;
  options.drain_timeout_ms = 1500;
  return options;
}

std::unique_ptr<EmqxBrokerAdmin> MakeAdmin(const BrokerAdminOptions& options,
                                           Metrics* metrics = nullptr) {
  auto admin = EmqxBrokerAdmin::Create(options, metrics);
  EXPECT_TRUE(admin.ok()) << admin.status();
  return *std::move(admin);
}

// Polls `condition` every 5 ms for up to three seconds.
bool Eventually(const std::function<bool()>& condition) {
  for (int i = 0; i < 600; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return condition();
}

bool Idle(const EmqxBrokerAdmin& admin) {
  return Eventually([&] { return admin.pending() == 0; });
}

// Sends spdlog's default logger into a string while alive.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() {
    spdlog::default_logger()->flush();
    return stream_.str();
  }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream stream_;
};

// A kick is DELETE /api/v5/clients/{id} with the API key as HTTP basic auth.
TEST(EmqxBrokerAdminTest, KickSendsDeleteWithBasicAuth) {
  RecordingServer server;
  auto admin = MakeAdmin(Options(server.Url()));
  admin->KickClient("device-001");
  ASSERT_TRUE(server.WaitForRequests(1));
  ASSERT_TRUE(Idle(*admin));
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "DELETE");
  EXPECT_EQ(requests[0].target, "/api/v5/clients/device-001");
  EXPECT_EQ(requests[0].authorization, kBasicAuth);
  EXPECT_EQ(admin->calls(CallKind::kKickClient, Outcome::kOk), 1u);
}

// Clearing the cache is DELETE /api/v5/authorization/cache.
TEST(EmqxBrokerAdminTest, ClearAuthzCacheSendsDelete) {
  RecordingServer server;
  auto admin = MakeAdmin(Options(server.Url()));
  admin->ClearAuthzCache();
  ASSERT_TRUE(server.WaitForRequests(1));
  ASSERT_TRUE(Idle(*admin));
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "DELETE");
  EXPECT_EQ(requests[0].target, "/api/v5/authorization/cache");
  EXPECT_EQ(requests[0].authorization, kBasicAuth);
  EXPECT_EQ(admin->calls(CallKind::kClearAuthzCache, Outcome::kOk), 1u);
}

// A path prefix in api_url (EMQX behind a reverse proxy) is kept; a trailing slash is not
// doubled.
TEST(EmqxBrokerAdminTest, KeepsPathPrefixOfApiUrl) {
  RecordingServer server;
  auto admin = MakeAdmin(Options(server.Url() + "/emqx/"));
  admin->ClearAuthzCache();
  ASSERT_TRUE(server.WaitForRequests(1));
  EXPECT_EQ(server.requests()[0].target, "/emqx/api/v5/authorization/cache");
}

// 503s are retried with backoff until EMQX answers 2xx.
TEST(EmqxBrokerAdminTest, RetriesAfter503UntilSuccess) {
  RecordingServer server;
  server.FailNext(2, 503);
  auto admin = MakeAdmin(Options(server.Url()));
  admin->KickClient("device-001");
  ASSERT_TRUE(server.WaitForRequests(3));
  ASSERT_TRUE(Idle(*admin));
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(admin->retries(CallKind::kKickClient), 2u);
  EXPECT_EQ(admin->calls(CallKind::kKickClient, Outcome::kOk), 1u);
  EXPECT_EQ(admin->calls(CallKind::kKickClient, Outcome::kFailed), 0u);
}

// After max_attempts retryable failures the call is given up, logged and counted.
TEST(EmqxBrokerAdminTest, GivesUpAfterMaxAttempts) {
  LogCapture log;
  RecordingServer server;
  server.AnswerAlways(503);
  auto admin = MakeAdmin(Options(server.Url()));  // max_attempts = 4
  admin->ClearAuthzCache();
  ASSERT_TRUE(
      Eventually([&] { return admin->calls(CallKind::kClearAuthzCache, Outcome::kFailed) == 1; }));
  std::this_thread::sleep_for(milliseconds(100));  // no fifth attempt comes
  EXPECT_EQ(server.requests().size(), 4u);
  EXPECT_EQ(admin->retries(CallKind::kClearAuthzCache), 3u);
  EXPECT_EQ(admin->pending(), 0u);
  EXPECT_NE(log.text().find("clear_authz_cache gave up after 4 attempts: HTTP 503"),
            std::string::npos)
      << log.text();
}

// Connection errors (nothing listening) are retried like 5xx, then given up.
TEST(EmqxBrokerAdminTest, RetriesConnectionErrors) {
  std::string url;
  {
    RecordingServer closed;
    url = closed.Url();
  }
  BrokerAdminOptions options = Options(url);
  options.max_attempts = 3;
  auto admin = MakeAdmin(options);
  admin->KickClient("device-001");
  ASSERT_TRUE(
      Eventually([&] { return admin->calls(CallKind::kKickClient, Outcome::kFailed) == 1; }));
  EXPECT_EQ(admin->retries(CallKind::kKickClient), 2u);
}

// 404 on a kick means the client is not connected: success, not retried.
TEST(EmqxBrokerAdminTest, Kick404CountsAsSuccess) {
  RecordingServer server;
  server.AnswerAlways(404);
  auto admin = MakeAdmin(Options(server.Url()));
  admin->KickClient("gone");
  ASSERT_TRUE(
      Eventually([&] { return admin->calls(CallKind::kKickClient, Outcome::kNotConnected) == 1; }));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(admin->retries(CallKind::kKickClient), 0u);
}

// 404 on clearing the cache means a wrong api_url: rejected, not retried.
TEST(EmqxBrokerAdminTest, ClearCache404IsRejected) {
  RecordingServer server;
  server.AnswerAlways(404);
  auto admin = MakeAdmin(Options(server.Url()));
  admin->ClearAuthzCache();
  ASSERT_TRUE(Eventually(
      [&] { return admin->calls(CallKind::kClearAuthzCache, Outcome::kRejected) == 1; }));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(server.requests().size(), 1u);
}

// 401 and 403 are configuration errors: logged once per call, never retried, and the
// log holds neither the secret nor the Authorization header.
TEST(EmqxBrokerAdminTest, UnauthorizedIsNotRetriedAndSecretNotLogged) {
  LogCapture log;
  RecordingServer server;
  server.AnswerAlways(401);
  auto admin = MakeAdmin(Options(server.Url()));
  admin->KickClient("device-001");
  ASSERT_TRUE(
      Eventually([&] { return admin->calls(CallKind::kKickClient, Outcome::kUnauthorized) == 1; }));
  server.AnswerAlways(403);
  admin->ClearAuthzCache();
  ASSERT_TRUE(Eventually(
      [&] { return admin->calls(CallKind::kClearAuthzCache, Outcome::kUnauthorized) == 1; }));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(admin->retries(CallKind::kKickClient), 0u);
  const std::string text = log.text();
  EXPECT_NE(text.find("configuration error"), std::string::npos) << text;
  EXPECT_EQ(text.find(kSecret), std::string::npos) << text;
  EXPECT_EQ(text.find("aW90aHViLWtleTpzM2NyZXQtVmFsdWUh"), std::string::npos) << text;
}

// Requests return at once even while EMQX hangs on an earlier call.
TEST(EmqxBrokerAdminTest, NeverBlocksTheCaller) {
  RecordingServer server;
  server.Hang();
  auto admin = MakeAdmin(Options(server.Url()));
  admin->KickClient("first");
  ASSERT_TRUE(server.WaitForRequests(1));  // the worker is now stuck in that call
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 200; ++i) {
    admin->KickClient("device-" + std::to_string(i));
    admin->ClearAuthzCache();
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, milliseconds(100));
  EXPECT_EQ(admin->pending(), 202u);  // in flight + 200 kicks + one clear
  server.Release();
  ASSERT_TRUE(Idle(*admin));
  EXPECT_EQ(admin->calls(CallKind::kKickClient, Outcome::kOk), 201u);
}

// Requests equal to one still queued merge into it; one already sent does not absorb
// later ones (it may have reached EMQX before the change).
TEST(EmqxBrokerAdminTest, CoalescesQueuedRequests) {
  RecordingServer server;
  server.Hang();
  auto admin = MakeAdmin(Options(server.Url()));
  admin->ClearAuthzCache();
  ASSERT_TRUE(server.WaitForRequests(1));  // in flight
  for (int i = 0; i < 10; ++i) admin->ClearAuthzCache();
  for (int i = 0; i < 5; ++i) admin->KickClient("device-001");
  admin->KickClient("device-002");
  EXPECT_EQ(admin->pending(), 4u);  // in-flight clear, one clear, two kicks
  server.Release();
  ASSERT_TRUE(Idle(*admin));
  int clears = 0;
  for (const auto& request : server.requests()) {
    if (request.target == "/api/v5/authorization/cache") ++clears;
  }
  EXPECT_EQ(clears, 2);
  EXPECT_EQ(server.requests().size(), 4u);
  EXPECT_EQ(admin->calls(CallKind::kClearAuthzCache, Outcome::kCoalesced), 9u);
  EXPECT_EQ(admin->calls(CallKind::kClearAuthzCache, Outcome::kOk), 2u);
  EXPECT_EQ(admin->calls(CallKind::kKickClient, Outcome::kCoalesced), 4u);
  EXPECT_EQ(admin->calls(CallKind::kKickClient, Outcome::kOk), 2u);
}

// Clientids are percent-encoded into one path segment, so none can reach another path.
TEST(EmqxBrokerAdminTest, EncodesOddClientids) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a/b", "a%2Fb"},
      {"../x", "..%2Fx"},
      {"..", "%2E%2E"},
      {"#", "%23"},
      {"+", "%2B"},
      {"a b", "a%20b"},
      {"dév-ü", "d%C3%A9v-%C3%BC"},
      {"x?y=1", "x%3Fy%3D1"},
      {"%2F", "%252F"},
  };
  RecordingServer server;
  auto admin = MakeAdmin(Options(server.Url()));
  for (const auto& [id, encoded] : cases) admin->KickClient(id);
  ASSERT_TRUE(server.WaitForRequests(cases.size()));
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(requests[i].target, "/api/v5/clients/" + cases[i].second) << cases[i].first;
    EXPECT_EQ(requests[i].path, "/api/v5/clients/" + cases[i].first) << "decodes back";
  }
}

// An empty clientid is refused without a call (it would address the client list).
TEST(EmqxBrokerAdminTest, EmptyClientidIsInvalid) {
  RecordingServer server;
  auto admin = MakeAdmin(Options(server.Url()));
  admin->KickClient("");
  admin->Stop();
  EXPECT_EQ(admin->calls(CallKind::kKickClient, Outcome::kInvalid), 1u);
  EXPECT_TRUE(server.requests().empty());
}

// Stop() sends everything still queued before it returns.
TEST(EmqxBrokerAdminTest, StopDrainsTheQueue) {
  RecordingServer server;
  server.SetDelay(milliseconds(20));
  auto admin = MakeAdmin(Options(server.Url()));
  for (int i = 0; i < 10; ++i) admin->KickClient("device-" + std::to_string(i));
  admin->ClearAuthzCache();
  admin->Stop();
  EXPECT_EQ(server.requests().size(), 11u);
  EXPECT_EQ(admin->calls(CallKind::kKickClient, Outcome::kOk), 10u);
  EXPECT_EQ(admin->calls(CallKind::kClearAuthzCache, Outcome::kOk), 1u);
  EXPECT_EQ(admin->pending(), 0u);
}

// Stop() gives up on what is left at the drain deadline, and later requests are dropped.
TEST(EmqxBrokerAdminTest, StopAbandonsAtDeadlineThenDrops) {
  RecordingServer server;
  server.AnswerAlways(503);
  BrokerAdminOptions options = Options(server.Url());
  options.initial_backoff_ms = 2000;  // the retry would come after the deadline
  options.max_backoff_ms = 2000;
  options.drain_timeout_ms = 200;
  auto admin = MakeAdmin(options);
  admin->KickClient("device-001");
  ASSERT_TRUE(server.WaitForRequests(1));
  const auto start = std::chrono::steady_clock::now();
  admin->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
  EXPECT_EQ(admin->calls(CallKind::kKickClient, Outcome::kAbandoned), 1u);
  admin->ClearAuthzCache();
  EXPECT_EQ(admin->calls(CallKind::kClearAuthzCache, Outcome::kDropped), 1u);
  EXPECT_EQ(server.requests().size(), 1u);
}

// Beyond max_queue waiting calls, new requests are dropped and counted.
TEST(EmqxBrokerAdminTest, BoundedQueueDropsExcess) {
  RecordingServer server;
  server.Hang();
  BrokerAdminOptions options = Options(server.Url());
  options.max_queue = 2;
  auto admin = MakeAdmin(options);
  admin->KickClient("a");
  ASSERT_TRUE(server.WaitForRequests(1));  // in flight, not queued
  admin->KickClient("b");
  admin->KickClient("c");
  admin->KickClient("d");
  EXPECT_EQ(admin->calls(CallKind::kKickClient, Outcome::kDropped), 1u);
  server.Release();
  ASSERT_TRUE(Idle(*admin));
  EXPECT_EQ(admin->calls(CallKind::kKickClient, Outcome::kOk), 3u);
}

// Outcomes are exported as Prometheus counters by call and outcome.
TEST(EmqxBrokerAdminTest, ExportsMetrics) {
  Metrics metrics;
  RecordingServer server;
  server.FailNext(1, 503);
  auto admin = MakeAdmin(Options(server.Url()), &metrics);
  admin->KickClient("device-001");
  ASSERT_TRUE(Eventually([&] { return admin->calls(CallKind::kKickClient, Outcome::kOk) == 1; }));
  const std::string text = metrics.Render();
  EXPECT_NE(text.find(R"(iothub_emqx_api_calls_total{call="kick_client",outcome="ok"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(iothub_emqx_api_retries_total{call="kick_client"} 1)"), std::string::npos);
  EXPECT_NE(text.find("iothub_emqx_api_queue 0"), std::string::npos);
}

}  // namespace
}  // namespace iothub::emqx
