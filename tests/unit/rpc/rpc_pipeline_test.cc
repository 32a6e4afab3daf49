#include "rpc/rpc_pipeline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"

namespace iothub::rpc {
namespace {

using ::testing::HasSubstr;
using Kind = PublishDecision::Kind;
using Json = nlohmann::json;
using std::chrono::milliseconds;

constexpr char kReq1[] = "users/u1/devices/d1/rpc/request";
constexpr char kResp1[] = "users/u1/devices/d1/rpc/response";

Principal MakePrincipal(PrincipalKind kind, std::string id, std::string clientid) {
  Principal p;
  p.kind = kind;
  p.id = std::move(id);
  p.clientid = std::move(clientid);
  return p;
}

DeviceRecord MakeDevice(std::string id, std::string owner, DeviceStatus status) {
  DeviceRecord d;
  d.id = std::move(id);
  d.owner_id = std::move(owner);
  d.status = status;
  return d;
}

UserRecord MakeUser(std::string id, std::string plan) {
  UserRecord u;
  u.id = std::move(id);
  u.plan = std::move(plan);
  return u;
}

class RpcPipelineTest : public ::testing::Test {
 protected:
  RpcPipelineTest() {
    fleet_.AddUser(MakeUser("u1", "free"));
    fleet_.AddUser(MakeUser("u2", "pro"));
    fleet_.AddDevice(MakeDevice("d1", "u1", DeviceStatus::kBound));
    fleet_.AddDevice(MakeDevice("d2", "u1", DeviceStatus::kBound));
    fleet_.AddDevice(MakeDevice("d3", "", DeviceStatus::kUnbound));
    fleet_.AddDevice(MakeDevice("d4", "u1", DeviceStatus::kRevoked));
    fleet_.AddDevice(MakeDevice("d5", "u2", DeviceStatus::kBound));
    for (const char* d : {"d1", "d2", "d3", "d4", "d5"}) presence_.OnConnected(d, 0);
    user1_ = MakePrincipal(PrincipalKind::kUser, "u1", "app-1");
    user2_ = MakePrincipal(PrincipalKind::kUser, "u2", "app-2");
    dev1_ = MakePrincipal(PrincipalKind::kDevice, "d1", "d1");
    dev2_ = MakePrincipal(PrincipalKind::kDevice, "d2", "d2");
    Reset({});
  }

  void Reset(RpcConfig config) {
    config.plans = {{.name = "free", .max_devices = 5, .rpc_per_minute = 100},
                    {.name = "pro", .max_devices = 50, .rpc_per_minute = 1000}};
    pipeline_.reset();
    metrics_ = std::make_unique<Metrics>();
    pipeline_ = std::make_unique<RpcPipeline>(std::move(config), presence_, *metrics_);
  }

  PublishDecision Publish(std::string_view topic, std::string_view payload,
                          const Principal* publisher, std::string message_id = {}) {
    if (message_id.empty()) message_id = "m" + std::to_string(next_message_++);
    return pipeline_->OnPublish({.message_id = message_id,
                                 .topic = topic,
                                 .payload = payload,
                                 .qos = 1,
                                 .from = publisher ? std::string_view(publisher->clientid) : "",
                                 .publisher = publisher,
                                 .fleet = fleet_,
                                 .now = clock_.SteadyNow(),
                                 .now_ms = clock_.NowUnixMillis()});
  }
  PublishDecision Request(std::string_view id, std::string_view topic = kReq1,
                          const Principal* publisher = nullptr) {
    return Publish(topic, R"({"id":")" + std::string(id) + R"(","method":"getSensors"})",
                   publisher ? publisher : &user1_);
  }
  PublishDecision Reply(std::string_view id, std::string_view topic = kResp1,
                        const Principal* publisher = nullptr) {
    return Publish(topic, R"({"id":")" + std::string(id) + R"(","result":{"temperature":20}})",
                   publisher ? publisher : &dev1_);
  }
  // The error code of a rewrite, checking it goes to the request's response topic.
  static int ErrorCode(const PublishDecision& d, std::string_view response_topic = kResp1) {
    EXPECT_EQ(d.kind, Kind::kRewrite);
    EXPECT_EQ(d.new_topic, response_topic);
    const Json body = Json::parse(d.new_payload, nullptr, false);
    return body.is_discarded() ? 0 : body["error"]["code"].get<int>();
  }
  // The value of one series (its rendered name and labels) in the exposition text.
  std::int64_t CounterValue(std::string_view series) {
    const std::string text = "\n" + metrics_->Render();
    const std::string needle = "\n" + std::string(series) + " ";
    const auto at = text.find(needle);
    if (at == std::string::npos) return -1;
    return std::stoll(text.substr(at + needle.size()));
  }

  ManualClock clock_;
  FleetSnapshot fleet_;
  Presence presence_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<RpcPipeline> pipeline_;
  Principal user1_, user2_, dev1_, dev2_;
  int next_message_ = 0;
};

// Topics outside RPC pass untouched.
TEST_F(RpcPipelineTest, OtherTopicsPass) {
  const auto d = Publish("users/u1/devices/d1/telemetry", "not json", &dev1_);
  EXPECT_EQ(d.kind, Kind::kPass);
  EXPECT_EQ(d.reason, PublishReason::kNotRpc);
}

// Valid request -> pending -> the matching reply passes -> a second reply is dropped.
TEST_F(RpcPipelineTest, WholeExchange) {
  const auto req = Request("r1");
  EXPECT_EQ(req.kind, Kind::kPass);
  EXPECT_EQ(req.reason, PublishReason::kRequestAccepted);
  EXPECT_EQ(pipeline_->pending(), 1u);
  EXPECT_EQ(CounterValue("iothub_rpc_pending"), 1);

  clock_.Advance(milliseconds(40));
  const auto reply = Reply("r1");
  EXPECT_EQ(reply.kind, Kind::kPass);
  EXPECT_EQ(reply.reason, PublishReason::kResponseAccepted);
  EXPECT_EQ(pipeline_->pending(), 0u);

  const auto again = Reply("r1");
  EXPECT_EQ(again.kind, Kind::kDrop);
  EXPECT_EQ(again.reason, PublishReason::kResponseDuplicate);

  EXPECT_EQ(CounterValue(R"(iothub_rpc_requests_total{method="getSensors",outcome="accepted"})"),
            1);
  EXPECT_EQ(CounterValue(R"(iothub_rpc_responses_total{method="getSensors",outcome="result"})"), 1);
  EXPECT_EQ(CounterValue(R"(iothub_rpc_round_trip_seconds_count{method="getSensors"})"), 1);
  EXPECT_EQ(CounterValue(R"(iothub_rpc_drops_total{reason="response_duplicate"})"), 1);
  EXPECT_EQ(CounterValue("iothub_rpc_pending"), 0);
}

// An error reply from the device passes too and is counted as an error.
TEST_F(RpcPipelineTest, DeviceErrorReplyPasses) {
  ASSERT_EQ(Request("r1").kind, Kind::kPass);
  const auto d =
      Publish(kResp1, R"({"id":"r1","error":{"code":-32002,"message":"relay stuck"}})", &dev1_);
  EXPECT_EQ(d.reason, PublishReason::kResponseAccepted);
  EXPECT_EQ(CounterValue(R"(iothub_rpc_responses_total{method="getSensors",outcome="error"})"), 1);
}

// A reply for d1's request is dropped when another device sends it, on either topic.
TEST_F(RpcPipelineTest, CrossDeviceReplyDropped) {
  ASSERT_EQ(Request("r1").kind, Kind::kPass);
  EXPECT_EQ(Reply("r1", kResp1, &dev2_).reason, PublishReason::kResponseNotFromDevice);
  EXPECT_EQ(Reply("r1", "users/u1/devices/d2/rpc/response", &dev2_).reason,
            PublishReason::kResponseUnknownId);
  EXPECT_EQ(Reply("r1", kResp1, &user1_).reason, PublishReason::kResponseNotFromDevice);
  EXPECT_EQ(Reply("r1", kResp1, nullptr).kind, Kind::kPass);  // nullptr -> dev1_ in Reply()
}

// A reply on another user's topic does not complete the request.
TEST_F(RpcPipelineTest, ReplyOnOtherUsersTopicDropped) {
  ASSERT_EQ(Request("r1").kind, Kind::kPass);
  EXPECT_EQ(Reply("r1", "users/u2/devices/d1/rpc/response").reason,
            PublishReason::kResponseWrongUser);
  EXPECT_EQ(Reply("r1").reason, PublishReason::kResponseAccepted);
}

// After the deadline a reply is dropped as late, and the sweep owes a -32000.
TEST_F(RpcPipelineTest, LateReplyDroppedAndTimeoutSwept) {
  ASSERT_EQ(Request("r1").kind, Kind::kPass);
  clock_.Advance(milliseconds(5000));
  EXPECT_EQ(Reply("r1").reason, PublishReason::kResponseLate);
  const auto swept = pipeline_->SweepTimeouts(clock_.SteadyNow(), clock_.NowUnixMillis());
  ASSERT_TRUE(swept.ok());
  const auto& notices = *swept;
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].topic, kResp1);
  EXPECT_EQ(notices[0].requester_clientid, "app-1");
  const Json body = Json::parse(notices[0].payload);
  EXPECT_EQ(body["id"], "r1");
  EXPECT_EQ(body["error"]["code"], -32000);
  EXPECT_EQ(body["error"]["message"], "Request timeout");
  EXPECT_EQ(body["timestamp"], clock_.NowUnixMillis());
  EXPECT_EQ(pipeline_->pending(), 0u);
  EXPECT_EQ(CounterValue(R"(iothub_rpc_timeouts_total{method="getSensors"})"), 1);
  EXPECT_EQ(Reply("r1").reason, PublishReason::kResponseLate);  // after the sweep too
  EXPECT_TRUE(pipeline_->SweepTimeouts(clock_.SteadyNow(), 0)->empty());
}

// A reply nobody asked for is dropped; so is a malformed one.
TEST_F(RpcPipelineTest, UnsolicitedAndMalformedRepliesDropped) {
  EXPECT_EQ(Reply("nobody-asked").reason, PublishReason::kResponseUnknownId);
  EXPECT_EQ(Publish(kResp1, "{oops", &dev1_).reason, PublishReason::kResponseMalformed);
  EXPECT_EQ(Publish(kResp1, R"({"id":"r1"})", &dev1_).reason, PublishReason::kResponseMalformed);
}

// Bad requests are answered at once with the request's id and the right code.
TEST_F(RpcPipelineTest, BadRequestsRewritten) {
  auto d = Publish(kReq1, R"({"id":"r1","method":"selfDestruct"})", &user1_);
  EXPECT_EQ(ErrorCode(d), -32601);
  EXPECT_EQ(d.reason, PublishReason::kUnknownMethod);
  EXPECT_EQ(Json::parse(d.new_payload)["error"]["message"], "Unknown method: selfDestruct");
  EXPECT_EQ(Json::parse(d.new_payload)["id"], "r1");

  d = Publish(kReq1, R"({"id":"r2","method":"updateIrrigator","params":{"id":"i","mode":"x"}})",
              &user1_);
  EXPECT_EQ(ErrorCode(d), -32602);
  EXPECT_EQ(Json::parse(d.new_payload)["error"]["data"],
            "params.mode: must be one of on, off, auto, preset");

  d = Publish(kReq1, "garbage", &user1_);
  EXPECT_EQ(ErrorCode(d), -32600);
  EXPECT_TRUE(Json::parse(d.new_payload)["id"].is_null());
  EXPECT_EQ(pipeline_->pending(), 0u);
  EXPECT_EQ(
      CounterValue(R"(iothub_rpc_requests_total{method="unknown",outcome="invalid_request"})"), 1);
}

// An offline device gets -32001 at once.
TEST_F(RpcPipelineTest, OfflineDevice) {
  presence_.OnDisconnected("d1", 1);
  const auto d = Request("r1");
  EXPECT_EQ(ErrorCode(d), -32001);
  EXPECT_EQ(d.reason, PublishReason::kDeviceOffline);
  EXPECT_EQ(Json::parse(d.new_payload)["id"], "r1");
  EXPECT_EQ(pipeline_->pending(), 0u);
}

// Unknown, unbound, revoked and other users' devices all answer -32001 alike.
TEST_F(RpcPipelineTest, UnavailableDevices) {
  struct {
    const char* device;
    PublishReason reason;
  } cases[] = {{"nope", PublishReason::kDeviceUnknown},
               {"d3", PublishReason::kDeviceNotBound},
               {"d4", PublishReason::kDeviceRevoked},
               {"d5", PublishReason::kDeviceNotBound}};
  for (const auto& c : cases) {
    const std::string topic = std::string("users/u1/devices/") + c.device + "/rpc/request";
    const auto d = Request("r1", topic);
    EXPECT_EQ(ErrorCode(d, "users/u1/devices/" + std::string(c.device) + "/rpc/response"), -32001)
        << c.device;
    EXPECT_EQ(d.reason, c.reason) << c.device;
    EXPECT_EQ(Json::parse(d.new_payload)["error"]["data"], "device not available to this user");
  }
  // u1 publishing on u2's topic for u2's device, and a device sending a request.
  EXPECT_EQ(Request("r1", "users/u2/devices/d5/rpc/request", &user1_).reason,
            PublishReason::kPublisherNotAllowed);
  EXPECT_EQ(Request("r1", kReq1, &dev2_).reason, PublishReason::kPublisherNotAllowed);
  // An admin or service may send on the owner's behalf.
  const Principal service = MakePrincipal(PrincipalKind::kService, "backend", "svc");
  EXPECT_EQ(Request("r1", kReq1, &service).kind, Kind::kPass);
}

// The user's plan limits requests per minute; the refusal is -32029.
TEST_F(RpcPipelineTest, RateLimit) {
  RpcConfig config;
  config.pending.max_per_device = 1000;
  Reset(config);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(Request("r" + std::to_string(i)).kind, Kind::kPass) << i;
  const auto d = Request("r100");
  EXPECT_EQ(ErrorCode(d), -32029);
  EXPECT_EQ(d.reason, PublishReason::kRateLimited);
  EXPECT_THAT(d.new_payload, HasSubstr("Rate limit exceeded"));
  clock_.Advance(milliseconds(600));  // one token (60 s / 100)
  EXPECT_EQ(Request("r101").kind, Kind::kPass);
}

// A token of the plan's budget is spent by a request that reaches the pending table,
// accepted or refused as full there, and by no request refused before: a malformed
// one, a device not available or offline, a repeated id.
TEST_F(RpcPipelineTest, OnlyRequestsThatReachThePendingTableSpendAToken) {
  RpcConfig config;
  config.default_rpc_per_minute = 3;  // u3's plan is not a known one
  config.pending.max_per_device = 1;
  Reset(config);
  fleet_.AddUser(MakeUser("u3", "legacy"));
  for (const char* d : {"d7", "d8", "d9"})
    fleet_.AddDevice(MakeDevice(d, "u3", DeviceStatus::kBound));
  presence_.OnConnected("d7", 0);
  presence_.OnConnected("d9", 0);
  const Principal user3 = MakePrincipal(PrincipalKind::kUser, "u3", "app-3");
  auto request = [&](std::string_view id, std::string_view device) {
    return Request(id, "users/u3/devices/" + std::string(device) + "/rpc/request", &user3);
  };
  EXPECT_EQ(request("r1", "d7").kind, Kind::kPass);                         // token 1
  EXPECT_EQ(request("r1", "d7").reason, PublishReason::kDuplicateRequest);  // none
  EXPECT_EQ(request("r2", "d8").reason, PublishReason::kDeviceOffline);     // none
  EXPECT_EQ(request("r2", "nope").reason, PublishReason::kDeviceUnknown);   // none
  EXPECT_EQ(Publish("users/u3/devices/d7/rpc/request", R"({"id":"r2"})", &user3).reason,
            PublishReason::kInvalidRequest);                                 // none
  EXPECT_EQ(request("r2", "d7").reason, PublishReason::kPendingDeviceFull);  // token 2
  EXPECT_EQ(request("r3", "d9").kind, Kind::kPass);                          // token 3
  EXPECT_EQ(request("r4", "d9").reason, PublishReason::kRateLimited);
}

// Each pending bound gives -32003 with its own reason.
TEST_F(RpcPipelineTest, PendingBounds) {
  RpcConfig config;
  config.pending = {.max_per_device = 2, .max_per_user = 3, .max_total = 4};
  Reset(config);
  EXPECT_EQ(Request("a").kind, Kind::kPass);
  EXPECT_EQ(Request("b").kind, Kind::kPass);
  auto d = Request("c");
  EXPECT_EQ(ErrorCode(d), -32003);
  EXPECT_EQ(d.reason, PublishReason::kPendingDeviceFull);

  EXPECT_EQ(Request("c", "users/u1/devices/d2/rpc/request").kind, Kind::kPass);
  d = Request("d", "users/u1/devices/d2/rpc/request");
  EXPECT_EQ(d.reason, PublishReason::kPendingUserFull);
  EXPECT_EQ(ErrorCode(d, "users/u1/devices/d2/rpc/response"), -32003);

  EXPECT_EQ(Request("e", "users/u2/devices/d5/rpc/request", &user2_).kind, Kind::kPass);
  presence_.OnConnected("d6", 0);
  fleet_.AddDevice(MakeDevice("d6", "u2", DeviceStatus::kBound));
  d = Request("f", "users/u2/devices/d6/rpc/request", &user2_);
  EXPECT_EQ(d.reason, PublishReason::kPendingTableFull);
  presence_.OnDisconnected("d6", 0);
}

// A second request with an id still pending for the device is dropped.
TEST_F(RpcPipelineTest, DuplicateRequestDropped) {
  EXPECT_EQ(Request("r1").kind, Kind::kPass);
  const auto d = Request("r1");
  EXPECT_EQ(d.kind, Kind::kDrop);
  EXPECT_EQ(d.reason, PublishReason::kDuplicateRequest);
  EXPECT_EQ(pipeline_->pending(), 1u);
  // The same id for another device is a different request.
  EXPECT_EQ(Request("r1", "users/u1/devices/d2/rpc/request").kind, Kind::kPass);
}

// Another requester reusing a pending id, with an invalid or a valid request, is dropped
// without a reply (which would land on the first requester's response topic) and leaves
// the first request pending; the requester's own invalid repeat is a duplicate.
TEST_F(RpcPipelineTest, ReusedIdOfAnotherRequesterDroppedWithoutReply) {
  const Principal admin = MakePrincipal(PrincipalKind::kAdmin, "a1", "admin-1");
  ASSERT_EQ(Request("r1", kReq1, &admin).kind, Kind::kPass);
  const auto invalid = Publish(kReq1, R"({"id":"r1","method":"selfDestruct"})", &user1_);
  EXPECT_EQ(invalid.kind, Kind::kDrop);
  EXPECT_EQ(invalid.reason, PublishReason::kRequestIdInUse);
  EXPECT_TRUE(invalid.new_payload.empty());
  const auto bad_params = Publish(kReq1, R"({"id":"r1","method":"reboot","params":[]})", &user1_);
  EXPECT_EQ(bad_params.reason, PublishReason::kRequestIdInUse);
  EXPECT_EQ(Request("r1", kReq1, &user1_).reason, PublishReason::kRequestIdInUse);
  EXPECT_EQ(Request("r1", kReq1, &dev2_).reason, PublishReason::kRequestIdInUse);
  EXPECT_EQ(Publish(kReq1, R"({"id":"r1","method":"nope"})", &admin).reason,
            PublishReason::kDuplicateRequest);
  EXPECT_EQ(pipeline_->pending(), 1u);
  EXPECT_EQ(
      CounterValue(R"(iothub_rpc_requests_total{method="unknown",outcome="request_id_in_use"})"),
      1);
  // The admin's request is untouched: the device's reply completes it.
  EXPECT_EQ(Reply("r1").reason, PublishReason::kResponseAccepted);
  // Just answered, the id still belongs to the admin.
  EXPECT_EQ(Publish(kReq1, R"({"id":"r1","method":"nope"})", &user1_).reason,
            PublishReason::kRequestIdInUse);
  // The same id on another device is free.
  EXPECT_EQ(Request("r1", "users/u1/devices/d2/rpc/request", &user1_).kind, Kind::kPass);
}

// RPC messages from a clientid without a session (no authenticate, e.g. a broker's REST
// publish) are dropped, requests and replies alike, and counted.
TEST_F(RpcPipelineTest, NoSessionDropped) {
  const auto request = Publish(kReq1, R"({"id":"r1","method":"getSensors"})", nullptr);
  EXPECT_EQ(request.kind, Kind::kDrop);
  EXPECT_EQ(request.reason, PublishReason::kNoSession);
  EXPECT_EQ(pipeline_->pending(), 0u);
  const auto invalid = Publish(kReq1, "garbage", nullptr);
  EXPECT_EQ(invalid.reason, PublishReason::kNoSession);
  ASSERT_EQ(Request("r2").kind, Kind::kPass);
  EXPECT_EQ(Publish(kResp1, R"({"id":"r2","result":{}})", nullptr).reason,
            PublishReason::kNoSession);
  EXPECT_EQ(pipeline_->pending(), 1u);
  EXPECT_EQ(CounterValue(R"(iothub_rpc_drops_total{reason="no_session"})"), 3);
  // Other topics still pass without a session.
  EXPECT_EQ(Publish("telemetry/x", "{}", nullptr).kind, Kind::kPass);
}

// An expired plan's RPC limit is the default plan's: u3's "pro" (1000/min) expired, so
// "free" (100/min) applies; u4's "pro" runs until tomorrow.
TEST_F(RpcPipelineTest, ExpiredPlanFallsBackToDefaultRateLimit) {
  RpcConfig config;
  config.pending.max_per_device = 1000;
  config.pending.max_per_user = 1000;
  Reset(config);
  UserRecord expired = MakeUser("u3", "pro");
  expired.plan_expires_at = clock_.NowUnixMillis();
  UserRecord running = MakeUser("u4", "pro");
  running.plan_expires_at = clock_.NowUnixMillis() + 86'400'000;
  fleet_.AddUser(expired);
  fleet_.AddUser(running);
  fleet_.AddDevice(MakeDevice("d7", "u3", DeviceStatus::kBound));
  fleet_.AddDevice(MakeDevice("d8", "u4", DeviceStatus::kBound));
  presence_.OnConnected("d7", 0);
  presence_.OnConnected("d8", 0);
  const Principal u3 = MakePrincipal(PrincipalKind::kUser, "u3", "app-3");
  const Principal u4 = MakePrincipal(PrincipalKind::kUser, "u4", "app-4");
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(Request("r" + std::to_string(i), "users/u3/devices/d7/rpc/request", &u3).kind,
              Kind::kPass)
        << i;
    ASSERT_EQ(Request("r" + std::to_string(i), "users/u4/devices/d8/rpc/request", &u4).kind,
              Kind::kPass)
        << i;
  }
  const auto limited = Request("r100", "users/u3/devices/d7/rpc/request", &u3);
  EXPECT_EQ(limited.reason, PublishReason::kRateLimited);
  EXPECT_THAT(limited.new_payload, HasSubstr("plan limit: 100 requests per minute"));
  EXPECT_EQ(Request("r100", "users/u4/devices/d8/rpc/request", &u4).kind, Kind::kPass);
}

// EMQX calling the hook twice with one Message.id gets the same decision, and the
// pending table and rate limiter see the message once.
TEST_F(RpcPipelineTest, RepeatedMessageIdIsIdempotent) {
  const std::string request = R"({"id":"r1","method":"reboot"})";
  const auto first = Publish(kReq1, request, &user1_, "guid-1");
  const auto second = Publish(kReq1, request, &user1_, "guid-1");
  EXPECT_EQ(first.kind, Kind::kPass);
  EXPECT_EQ(second.kind, Kind::kPass);
  EXPECT_EQ(second.reason, PublishReason::kRequestAccepted);
  EXPECT_EQ(pipeline_->pending(), 1u);

  const auto reply1 = Publish(kResp1, R"({"id":"r1","result":{}})", &dev1_, "guid-2");
  const auto reply2 = Publish(kResp1, R"({"id":"r1","result":{}})", &dev1_, "guid-2");
  EXPECT_EQ(reply1.reason, PublishReason::kResponseAccepted);
  EXPECT_EQ(reply2.reason, PublishReason::kResponseAccepted);
  EXPECT_EQ(CounterValue(R"(iothub_rpc_responses_total{method="reboot",outcome="result"})"), 1);

  // A rewrite is repeated exactly, even though the second call sees the rewritten message.
  presence_.OnDisconnected("d1", 1);
  const auto rw1 = Publish(kReq1, R"({"id":"r2","method":"reboot"})", &user1_, "guid-3");
  const auto rw2 = Publish(rw1.new_topic, rw1.new_payload, &user1_, "guid-3");
  EXPECT_EQ(rw2.kind, Kind::kRewrite);
  EXPECT_EQ(rw2.new_topic, rw1.new_topic);
  EXPECT_EQ(rw2.new_payload, rw1.new_payload);
  EXPECT_EQ(CounterValue("iothub_rpc_dedupe_hits_total"), 3);
}

// A malformed RPC-shaped topic is dropped.
TEST_F(RpcPipelineTest, MalformedTopicDropped) {
  const auto d = Request("r1", "users/u.1/devices/d1/rpc/request");
  EXPECT_EQ(d.kind, Kind::kDrop);
  EXPECT_EQ(d.reason, PublishReason::kMalformedTopic);
}

// Four threads exchanging requests and replies on their own devices keep the table
// consistent: every request is answered exactly once and nothing stays pending.
TEST_F(RpcPipelineTest, ConcurrentUse) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  for (int t = 0; t < kThreads; ++t) {
    const std::string id = "c" + std::to_string(t);
    fleet_.AddUser(MakeUser("cu" + std::to_string(t), "unlimited"));
    fleet_.AddDevice(MakeDevice(id, "cu" + std::to_string(t), DeviceStatus::kBound));
    presence_.OnConnected(id, 0);
  }
  RpcConfig config;
  config.default_rpc_per_minute = 1'000'000;
  Reset(config);
  std::atomic<int> passed{0}, answered{0}, duplicates{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string device = "c" + std::to_string(t);
      const std::string user = "cu" + std::to_string(t);
      const Principal owner = MakePrincipal(PrincipalKind::kUser, user, user);
      const Principal dev = MakePrincipal(PrincipalKind::kDevice, device, device);
      const std::string req_topic = "users/" + user + "/devices/" + device + "/rpc/request";
      const std::string resp_topic = "users/" + user + "/devices/" + device + "/rpc/response";
      for (int i = 0; i < kPerThread; ++i) {
        const std::string id = "r" + std::to_string(i);
        const std::string mid = device + "-" + id;
        auto publish = [&](const std::string& topic, const std::string& payload, const Principal& p,
                           const std::string& message_id) {
          return pipeline_->OnPublish({.message_id = message_id,
                                       .topic = topic,
                                       .payload = payload,
                                       .from = p.clientid,
                                       .publisher = &p,
                                       .fleet = fleet_,
                                       .now = clock_.SteadyNow(),
                                       .now_ms = 0});
        };
        if (publish(req_topic, R"({"id":")" + id + R"(","method":"getSensors"})", owner, mid + "-q")
                .kind == Kind::kPass) {
          ++passed;
        }
        const std::string reply = R"({"id":")" + id + R"(","result":{}})";
        if (publish(resp_topic, reply, dev, mid + "-a").reason ==
            PublishReason::kResponseAccepted) {
          ++answered;
        }
        if (publish(resp_topic, reply, dev, mid + "-b").reason ==
            PublishReason::kResponseDuplicate) {
          ++duplicates;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(passed.load(), kThreads * kPerThread);
  EXPECT_EQ(answered.load(), kThreads * kPerThread);
  EXPECT_EQ(duplicates.load(), kThreads * kPerThread);
  EXPECT_EQ(pipeline_->pending(), 0u);
  EXPECT_EQ(CounterValue("iothub_rpc_pending"), 0);
}

}  // namespace
}  // namespace iothub::rpc
