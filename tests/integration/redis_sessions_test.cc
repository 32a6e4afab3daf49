// Two real hubs behind a load balancer (topology b): one PostgreSQL, one Redis, and the
// hooks of one client spread over both hubs, driven over gRPC as EMQX calls them. Also
// a hub restart that connected clients do not notice, and what each hook costs in
// Redis commands (counted with MONITOR, background chores left out).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <thread>

#include "support/hub_flow.h"
#include "support/shared_backends.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace iothub::testing {
namespace {

using namespace std::chrono_literals;
constexpr ServiceVersion kV3 = ServiceVersion::kV3;

// User u owns device d. Both hubs share PostgreSQL and Redis.
class RedisSessionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(backends_.Prepare());
    const std::string toml = backends_.Toml();
    a_ = std::make_unique<HubFlow>(HubFlowOptions{.extra_toml = toml, .env = {}, .ca_from = {}});
    ASSERT_TRUE(a_->Init());
    u_ = a_->CreateUser("u@example.com", "User U", "sub-u");
    v_ = a_->CreateUser("v@example.com", "User V", "sub-v");
    device_ = a_->CreateDevice("dev-d");
    a_->Bind("dev-d", u_);
    a_->CliJson({"device", "create", "dev-e"});  // v's, never connected
    a_->Bind("dev-e", v_);
    b_ = std::make_unique<HubFlow>(
        HubFlowOptions{.extra_toml = toml, .env = {}, .ca_from = a_->data_dir()});
    ASSERT_TRUE(a_->Start());
    ASSERT_TRUE(b_->Start());
  }

  std::string Topic(const std::string& kind) const {
    return "users/" + u_ + "/devices/dev-d/rpc/" + kind;
  }
  std::string VTopic() const { return "users/" + v_ + "/devices/dev-e/rpc/response"; }
  pb::ValuedResponse AuthenticateUser(HubFlow& hub, const std::string& clientid,
                                      const std::string& subject) {
    return hub.Authenticate(kV3, clientid, "jwt", HubFlow::Token(subject));
  }
  pb::ValuedResponse Subscribe(HubFlow& hub, const std::string& clientid,
                               const std::string& topic) {
    return hub.Authorize(kV3, clientid, /*subscribe=*/true, topic);
  }

  SharedBackends backends_;
  std::unique_ptr<HubFlow> a_;
  std::unique_ptr<HubFlow> b_;
  std::string u_;
  std::string v_;
  DeviceCert device_;
};

// Every hook of one client may reach either hub: authenticate at A, the rest at B; an
// RPC round trip whose request, reply and duplicate go through different hubs; the
// clientid stays with its principal across hubs until its session ends, and the hub
// that cached the old principal follows the new one.
TEST_F(RedisSessionsTest, AnyHubAnswersAnyHookOfAnyClient) {
  ASSERT_TRUE(IsAllow(AuthenticateUser(*a_, "app-u", "sub-u")));
  b_->Connected(kV3, "app-u", "jwt");
  EXPECT_TRUE(IsAllow(Subscribe(*b_, "app-u", Topic("response")))) << b_->Log();
  EXPECT_TRUE(IsDeny(Subscribe(*b_, "app-u", VTopic())));
  EXPECT_TRUE(IsAllow(Subscribe(*a_, "app-u", Topic("response"))));

  // The device: authenticate at B, connected at A (A counts it online and publishes it).
  ASSERT_TRUE(IsAllow(b_->AuthenticateDevice(kV3, "dev-d", device_)));
  a_->Connected(kV3, "dev-d");
  std::this_thread::sleep_for(600ms);  // A publishes d's presence on its next tick

  const auto request =
      HubFlow::PublishRequest("app-u", Topic("request"), R"({"id":"r1","method":"reboot"})");
  ASSERT_TRUE(IsPass(request, b_->Publish(kV3, request))) << b_->Log();
  const auto reply =
      HubFlow::PublishRequest("dev-d", Topic("response"), R"({"id":"r1","result":{}})");
  EXPECT_TRUE(IsPass(reply, a_->Publish(kV3, reply))) << a_->Log();
  const auto again =
      HubFlow::PublishRequest("dev-d", Topic("response"), R"({"id":"r1","result":{}})");
  EXPECT_TRUE(IsDrop(again, b_->Publish(kV3, again)));
  EXPECT_TRUE(b_->WaitForLog("reason=response_duplicate")) << b_->Log();

  // Held across hubs: v cannot take u's live clientid through either hub.
  EXPECT_TRUE(IsDeny(AuthenticateUser(*b_, "app-u", "sub-v")));
  EXPECT_TRUE(IsDeny(AuthenticateUser(*a_, "app-u", "sub-v")));
  EXPECT_TRUE(b_->WaitForLog("clientid in use by another principal")) << b_->Log();

  // u's connection ends through A; then v takes the clientid through A, and B (which
  // had u cached) authorizes it as v.
  a_->Disconnected(kV3, "app-u", "jwt");
  ASSERT_TRUE(IsAllow(AuthenticateUser(*a_, "app-u", "sub-v")));
  a_->Connected(kV3, "app-u", "jwt");
  EXPECT_TRUE(Eventually([&] { return IsDeny(Subscribe(*b_, "app-u", Topic("response"))); }, 2s))
      << b_->Log();
  EXPECT_TRUE(IsAllow(Subscribe(*b_, "app-u", VTopic())));

  // The device's connection, counted by A, ends through B: A counts it offline, so a
  // request now is answered "offline" at once.
  b_->Disconnected(kV3, "dev-d");
  ASSERT_TRUE(IsAllow(AuthenticateUser(*b_, "app-u2", "sub-u")));
  b_->Connected(kV3, "app-u2", "jwt");
  EXPECT_TRUE(Eventually(
      [&] {
        const auto r = HubFlow::PublishRequest("app-u2", Topic("request"),
                                               R"({"id":"r-off","method":"reboot"})");
        nlohmann::json error;
        return IsRewrite(r, a_->Publish(kV3, r), Topic("response"), &error) &&
               error["error"]["code"] == -32001;
      },
      3s))
      << a_->Log();
  // A clientid nobody authenticated is unknown to both hubs.
  EXPECT_TRUE(IsDeny(Subscribe(*a_, "ghost", Topic("response"))));
  EXPECT_TRUE(IsDeny(Subscribe(*b_, "ghost", Topic("response"))));
}

// A hub that restarts keeps serving the clients that stayed connected: their sessions
// are in Redis, so the first authorize after the restart is allowed, and its devices
// count as online again; a device revoked meanwhile is refused (the fleet snapshot).
TEST_F(RedisSessionsTest, ConnectedClientsKeepWorkingAcrossAHubRestart) {
  ASSERT_TRUE(IsAllow(AuthenticateUser(*a_, "app-u", "sub-u")));
  a_->Connected(kV3, "app-u", "jwt");
  ASSERT_TRUE(IsAllow(a_->ConnectDevice(kV3, device_)));
  ASSERT_TRUE(IsAllow(Subscribe(*a_, "app-u", Topic("response"))));

  EXPECT_EQ(a_->hub().Stop(), 0);
  ASSERT_TRUE(a_->Start());
  EXPECT_TRUE(IsAllow(Subscribe(*a_, "app-u", Topic("response")))) << a_->Log();
  EXPECT_TRUE(a_->LogContains("restored 0 sessions")) << a_->Log();  // none journaled
  // The same hub (its id kept in the data dir) counts d's connection again: a request
  // through A reaches d at once instead of being answered "offline".
  EXPECT_TRUE(a_->LogContains("1 device connections of this hub")) << a_->Log();
  const auto request = HubFlow::PublishRequest("app-u", Topic("request"),
                                               R"({"id":"after-restart","method":"reboot"})");
  EXPECT_TRUE(IsPass(request, a_->Publish(kV3, request))) << a_->Log();

  a_->Revoke("dev-d");
  EXPECT_TRUE(Eventually(
      [&] {
        return IsDeny(a_->Authorize(kV3, "dev-d", /*subscribe=*/true,
                                    "users/" + u_ + "/devices/dev-d/rpc/request"));
      },
      2s))
      << a_->Log();
}

// MONITOR of the shared Redis: the commands the hubs' hook calls send, without the
// background chores (liveness, presence publishing, the timeout sweep, the channel's
// PING) and without what scripts run inside Redis.
class RedisMonitor {
 public:
  RedisMonitor(int port, const TempDir& dir) : path_(dir.File("monitor.txt")) {
    process_ =
        std::make_unique<Subprocess>(std::vector<std::string>{FindExecutable("redis-cli"), "-p",
                                                              std::to_string(port), "monitor"},
                                     path_, dir.File("monitor.err"));
    Eventually([&] { return ReadFile(path_).find("OK") != std::string::npos; }, 3s);
  }
  // Commands sent while `hook` ran.
  std::vector<std::string> During(const std::function<void()>& hook) {
    std::this_thread::sleep_for(50ms);
    const std::size_t from = ReadFile(path_).size();
    hook();
    std::this_thread::sleep_for(100ms);
    std::vector<std::string> commands;
    std::istringstream lines(ReadFile(path_).substr(from));
    for (std::string line; std::getline(lines, line);) {
      if (line.find(" lua]") != std::string::npos || Background(line)) continue;
      if (const auto quote = line.find('"'); quote != std::string::npos) {
        commands.push_back(line.substr(quote, line.find('"', quote + 1) - quote + 1));
      }
    }
    return commands;
  }

 private:
  static bool Background(const std::string& line) {
    for (const char* chore : {"\"PING\"", "\"SET\" \"iothub:hub:", "\"SADD\"", "\"SREM\"",
                              "\"2\" \"iothub:rpc:deadlines\""}) {
      if (line.find(chore) != std::string::npos) return true;
    }
    return false;
  }
  std::string path_;
  std::unique_ptr<Subprocess> process_;
};

// Round trips per hook with shared sessions: the hot path (authorize and publish of a
// client the hub has seen) sends nothing; writes are one script each.
TEST_F(RedisSessionsTest, RoundTripsPerHook) {
  TempDir dir;
  RedisMonitor monitor(backends_.redis().port(), dir);
  // Warm up: every script loaded into Redis once (EVALSHA, then EVAL), the device
  // connected to A and A's presence published.
  ASSERT_TRUE(IsAllow(AuthenticateUser(*a_, "warm", "sub-u")));
  a_->Connected(kV3, "warm", "jwt");
  b_->Connected(kV3, "warm", "jwt");
  ASSERT_TRUE(IsAllow(a_->ConnectDevice(kV3, device_)));
  std::this_thread::sleep_for(600ms);
  const auto warm =
      HubFlow::PublishRequest("warm", Topic("request"), R"({"id":"w1","method":"reboot"})");
  ASSERT_TRUE(IsPass(warm, b_->Publish(kV3, warm))) << b_->Log();
  const auto warm_reply =
      HubFlow::PublishRequest("dev-d", Topic("response"), R"({"id":"w1","result":{}})");
  ASSERT_TRUE(IsPass(warm_reply, a_->Publish(kV3, warm_reply)));
  a_->Disconnected(kV3, "warm", "jwt");
  b_->Disconnected(kV3, "warm", "jwt");

  const auto count = [&](const char* what, const std::function<void()>& hook) {
    std::vector<std::string> commands = monitor.During(hook);
    // The pipeline loads a script on its connection before the first use there, in the
    // same write as that EVALSHA: no round trip of its own.
    std::erase(commands, "\"SCRIPT\"");
    std::string names;
    for (const std::string& c : commands) names += c + " ";
    std::printf("[ info     ] redis round trips, %s: %zu %s\n", what, commands.size(),
                names.c_str());
    return commands.size();
  };
  EXPECT_EQ(count("authenticate", [&] { AuthenticateUser(*a_, "app-u", "sub-u"); }), 1u);
  EXPECT_EQ(count("connected (same hub)", [&] { a_->Connected(kV3, "app-u", "jwt"); }), 1u);
  EXPECT_EQ(count("authorize (cached)", [&] { Subscribe(*a_, "app-u", Topic("response")); }), 0u);
  EXPECT_EQ(
      count("authorize (other hub, first)", [&] { Subscribe(*b_, "app-u", Topic("response")); }),
      1u);
  EXPECT_EQ(
      count("authorize (other hub, then)", [&] { Subscribe(*b_, "app-u", Topic("response")); }),
      0u);
  const auto plain = HubFlow::PublishRequest("app-u", "users/" + u_ + "/notes", "hello");
  EXPECT_EQ(count("publish (not RPC)", [&] { a_->Publish(kV3, plain); }), 0u);
  const auto request =
      HubFlow::PublishRequest("app-u", Topic("request"), R"({"id":"m1","method":"reboot"})");
  EXPECT_EQ(count("publish (RPC request, device on this hub)", [&] { a_->Publish(kV3, request); }),
            1u);  // one script: id check, rate limit, insert
  const auto reply =
      HubFlow::PublishRequest("dev-d", Topic("response"), R"({"id":"m1","result":{}})");
  EXPECT_EQ(count("publish (RPC reply, same hub)", [&] { a_->Publish(kV3, reply); }), 1u);
  const auto request2 =
      HubFlow::PublishRequest("app-u", Topic("request"), R"({"id":"m2","method":"reboot"})");
  EXPECT_EQ(
      count("publish (RPC request, device on the other hub)", [&] { b_->Publish(kV3, request2); }),
      1u);  // the same script also asks for presence elsewhere
  const auto reply2 =
      HubFlow::PublishRequest("dev-d", Topic("response"), R"({"id":"m2","result":{}})");
  EXPECT_EQ(count("publish (RPC reply, other hub, publisher not cached there)",
                  [&] { b_->Publish(kV3, reply2); }),
            2u);  // session lookup, take
  EXPECT_EQ(count("disconnected", [&] { a_->Disconnected(kV3, "app-u", "jwt"); }), 1u);
}

}  // namespace
}  // namespace iothub::testing
