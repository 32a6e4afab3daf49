// Two real hubs on one PostgreSQL database sharing their RPC state in one real Redis
// (the production shape behind an EMQX cluster, where a request enters through node A
// and the device's reply may come back through node B), driven over gRPC as EMQX calls
// them; and what happens while Redis is down.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/hub_flow.h"
#include "support/shared_backends.h"

namespace iothub::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
constexpr ServiceVersion kV3 = ServiceVersion::kV3;

// User u owns device d; u's app connects through hub A, d through hub B. The free plan
// allows 5 RPC requests a minute; requests time out after 1 s.
class RedisHubsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(backends_.Prepare());
    const std::string toml =
        backends_.Toml() + "[rpc]\ntimeout_ms = 1000\n[plans.free]\nrpc_per_minute = 5\n";
    a_ = std::make_unique<HubFlow>(HubFlowOptions{.extra_toml = toml, .env = {}, .ca_from = {}});
    ASSERT_TRUE(a_->Init());
    u_ = a_->CreateUser("u@example.com", "User U", "sub-u");
    device_ = a_->CreateDevice("dev-d");
    a_->Bind("dev-d", u_);
    b_ = std::make_unique<HubFlow>(
        HubFlowOptions{.extra_toml = toml, .env = {}, .ca_from = a_->data_dir()});
    ASSERT_TRUE(a_->Start());
    ASSERT_TRUE(b_->Start());
    ASSERT_TRUE(IsAllow(a_->ConnectWithToken(kV3, "app-u", HubFlow::Token("sub-u"))));
    ASSERT_TRUE(IsAllow(b_->ConnectDevice(kV3, device_)));
    std::this_thread::sleep_for(600ms);  // B publishes d's presence on its next tick
  }

  std::string Topic(const std::string& kind) const {
    return "users/" + u_ + "/devices/dev-d/rpc/" + kind;
  }
  pb::MessagePublishRequest Request(const std::string& id) const {
    return HubFlow::PublishRequest("app-u", Topic("request"),
                                   R"({"id":")" + id + R"(","method":"reboot"})");
  }
  pb::MessagePublishRequest Reply(const std::string& id) const {
    return HubFlow::PublishRequest("dev-d", Topic("response"),
                                   R"({"id":")" + id + R"(","result":{}})");
  }
  static std::pair<int, json> Health(HubFlow& hub) {
    httplib::Client http("127.0.0.1", hub.hub().http_port());
    http.set_read_timeout(5, 0);
    const auto response = http.Get("/api/health");
    if (!response) return {0, nullptr};
    return {response->status, json::parse(response->body, nullptr, false)};
  }
  static std::size_t Count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }

  SharedBackends backends_;
  std::unique_ptr<HubFlow> a_;
  std::unique_ptr<HubFlow> b_;
  std::string u_;
  DeviceCert device_;
};

// A request that passed hub A is matched by its reply through hub B; a second reply
// through A is dropped; an unanswered request gets exactly one timeout, from one hub;
// the user's plan limit counts requests through both hubs.
TEST_F(RedisHubsTest, HubsShareRequestsRepliesTimeoutsAndRateLimits) {
  // The rate limit counts per minute: keep the test inside one.
  if (std::time(nullptr) % 60 > 45) std::this_thread::sleep_for(std::chrono::seconds(16));

  const auto request = Request("r1");
  ASSERT_TRUE(IsPass(request, a_->Publish(kV3, request))) << a_->Log();  // 1
  const auto reply = Reply("r1");
  EXPECT_TRUE(IsPass(reply, b_->Publish(kV3, reply))) << b_->Log();
  // The device repeats its reply through node A.
  const auto again = Reply("r1");
  EXPECT_TRUE(IsDrop(again, a_->Publish(kV3, again)));
  EXPECT_TRUE(a_->WaitForLog("reason=response_duplicate")) << a_->Log();

  const auto slow = Request("r-slow");
  ASSERT_TRUE(IsPass(slow, a_->Publish(kV3, slow)));  // 2
  const std::string timed_out = "rpc request r-slow to device dev-d timed out";
  EXPECT_TRUE(
      Eventually([&] { return a_->LogContains(timed_out) || b_->LogContains(timed_out); }, 3s));
  std::this_thread::sleep_for(1s);  // room for a second (wrong) timeout
  EXPECT_EQ(Count(a_->Log(), timed_out) + Count(b_->Log(), timed_out), 1u)
      << a_->Log() << b_->Log();
  const auto late = Reply("r-slow");
  EXPECT_TRUE(IsDrop(late, b_->Publish(kV3, late)));
  EXPECT_TRUE(b_->WaitForLog("reason=response_late")) << b_->Log();

  // Requests 3 to 5 through either hub pass; the 6th is over the plan's 5 a minute.
  ASSERT_TRUE(IsAllow(b_->ConnectWithToken(kV3, "app-u2", HubFlow::Token("sub-u"))));
  for (const std::string id : {"r3", "r4", "r5"}) {
    auto r = Request(id);
    if (id == "r4") r.mutable_message()->set_from("app-u2");
    HubFlow& hub = id == "r4" ? *b_ : *a_;
    EXPECT_TRUE(IsPass(r, hub.Publish(kV3, r))) << id;
  }
  auto over = Request("r6");
  over.mutable_message()->set_from("app-u2");
  json error;
  EXPECT_TRUE(IsRewrite(over, b_->Publish(kV3, over), Topic("response"), &error));
  EXPECT_EQ(error["error"]["code"], -32029) << error.dump();
}

// Redis stopped: a request is refused (dropped, nothing pending anywhere) and health is
// 503 with the reason, without hanging the hook; Redis back: health 200 and requests
// pass again within 5 s (presence republished by the device's hub).
TEST_F(RedisHubsTest, RedisDownFailsClosedAndServiceReturnsWithinFiveSeconds) {
  ASSERT_EQ(Health(*a_).first, 200);
  ASSERT_TRUE(backends_.redis().Stop());
  const auto request = Request("down-1");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(IsDrop(request, a_->Publish(kV3, request)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_TRUE(a_->WaitForLog("reason=state_unavailable")) << a_->Log();
  const auto reply = Reply("down-1");
  EXPECT_TRUE(IsDrop(reply, b_->Publish(kV3, reply)));
  EXPECT_TRUE(Eventually([&] { return Health(*a_).first == 503; }, 2s));
  const auto [status, body] = Health(*a_);
  EXPECT_EQ(body["redis"], "unavailable") << body.dump();
  EXPECT_NE(body["reason"].get<std::string>().find("redis"), std::string::npos) << body.dump();
  // Sessions: what hub A admitted itself still authorizes from memory; a new login
  // cannot be recorded, so it is refused.
  EXPECT_TRUE(IsAllow(a_->Authorize(kV3, "app-u", /*subscribe=*/true, Topic("response"))));
  EXPECT_TRUE(IsDeny(a_->ConnectWithToken(kV3, "app-new", HubFlow::Token("sub-u"))));
  EXPECT_TRUE(a_->WaitForLog("session store unavailable")) << a_->Log();

  // This Redis keeps nothing across a restart (no append-only file): the sessions are
  // gone with it, so the user's app logs in again (the broker would have it reconnect
  // once its publishes are refused).
  ASSERT_TRUE(backends_.redis().Start()) << backends_.redis().error();
  const auto back = std::chrono::steady_clock::now();
  int attempt = 0;
  EXPECT_TRUE(Eventually(
      [&] {
        const auto r = Request("back-" + std::to_string(++attempt));
        return Health(*a_).first == 200 &&
               IsAllow(a_->ConnectWithToken(kV3, "app-u", HubFlow::Token("sub-u"))) &&
               IsPass(r, a_->Publish(kV3, r));
      },
      5s))
      << a_->Log();
  std::printf("[ info     ] requests pass again %lld ms after Redis came back\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - back)
                                         .count()));
  EXPECT_EQ(Health(*b_).first, 200);
}

}  // namespace
}  // namespace iothub::testing
