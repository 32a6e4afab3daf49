// Device RPC through message.publish over gRPC against the real binary, as EMQX calls the
// hub for users/+/devices/+/rpc/{request,response}: a valid request from the owner passes
// unchanged and becomes pending; the device's reply passes once; every other reply is
// dropped (allow_publish = "false"); a bad request is answered at once by rewriting it
// into a JSON-RPC error on the requester's response topic. Both service names.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <ctime>
#include <map>
#include <sstream>
#include <thread>

#include "support/hub_flow.h"

namespace iothub::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Users u and o, and devices: d and e bound to u and connected; g bound to u but never
// connected; h bound to o and connected.
class RpcFlowTest : public ::testing::TestWithParam<ServiceVersion> {
 protected:
  RpcFlowTest() : RpcFlowTest("") {}
  explicit RpcFlowTest(const std::string& extra_toml, int free_rpc_per_minute = 100000)
      : flow_({.extra_toml = "[plans.free]\nmax_devices = 5\nrpc_per_minute = " +
                             std::to_string(free_rpc_per_minute) + "\n" + extra_toml,
               .env = {}}) {}

  // Provisioning a fixture adds after binding, before the hub starts.
  virtual void BeforeStart() {}

  void SetUp() override {
    u_ = flow_.CreateUser("u@example.com", "User U", "sub-u");
    o_ = flow_.CreateUser("o@example.com", "User O", "sub-o");
    for (const char* id : {"dev-d", "dev-e", "dev-g", "dev-h"}) certs_[id] = flow_.CreateDevice(id);
    flow_.Bind("dev-d", u_);
    flow_.Bind("dev-e", u_);
    flow_.Bind("dev-g", u_);
    flow_.Bind("dev-h", o_);
    BeforeStart();
    ASSERT_TRUE(flow_.Start());
    ASSERT_TRUE(IsAllow(flow_.ConnectWithToken(v(), "app-u", HubFlow::Token("sub-u"))));
    ASSERT_TRUE(IsAllow(flow_.ConnectWithToken(v(), "app-o", HubFlow::Token("sub-o"))));
    for (const char* id : {"dev-d", "dev-e", "dev-h"}) {
      ASSERT_TRUE(IsAllow(flow_.ConnectDevice(v(), certs_[id])));
    }
    // Admitted, but no client.connected: not online.
    ASSERT_TRUE(IsAllow(flow_.AuthenticateDevice(v(), "dev-g", certs_["dev-g"])));
  }

  ServiceVersion v() const { return GetParam(); }

  std::string Topic(const std::string& user, const std::string& device, const std::string& kind) {
    return "users/" + user + "/devices/" + device + "/rpc/" + kind;
  }

  pb::ValuedResponse Send(const pb::MessagePublishRequest& request) {
    return flow_.Publish(v(), request);
  }

  // The value of one metric series, e.g. `iothub_rpc_pending`; -1 when absent.
  double Metric(const std::string& series) {
    httplib::Client http("127.0.0.1", flow_.hub().http_port());
    const auto response = http.Get("/metrics");
    if (!response || response->status != 200) return -1;
    std::istringstream lines(response->body);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    }
    return -1;
  }

  // Expects a drop logged with `reason` for a message from `from` on `topic`.
  bool DropLogged(const std::string& from, const std::string& topic, const std::string& reason) {
    return flow_.WaitForLog("publish dropped: from=" + from + " topic=" + topic +
                            " reason=" + reason);
  }

  HubFlow flow_;
  std::string u_, o_;
  std::map<std::string, DeviceCert> certs_;
};

// The owner's valid request passes unchanged (IGNORE: EMQX keeps it as is) and is
// pending until the device's reply, which passes too; a second request with the same id
// while pending is dropped as a duplicate.
TEST_P(RpcFlowTest, OwnersRequestPassesAndTheDevicesReplyPasses) {
  const auto request = HubFlow::PublishRequest(
      "app-u", Topic(u_, "dev-d", "request"),
      R"({"id":"req-1","method":"getSensors","deviceId":"dev-d","timestamp":1700000000000})");
  EXPECT_TRUE(IsPass(request, Send(request)));
  EXPECT_EQ(Metric("iothub_rpc_pending"), 1);

  const auto again = HubFlow::PublishRequest("app-u", Topic(u_, "dev-d", "request"),
                                             R"({"id":"req-1","method":"reboot"})");
  EXPECT_TRUE(IsDrop(again, Send(again)));
  EXPECT_TRUE(DropLogged("app-u", Topic(u_, "dev-d", "request"), "duplicate_request"));

  const auto reply = HubFlow::PublishRequest(
      "dev-d", Topic(u_, "dev-d", "response"),
      R"({"id":"req-1","result":{"temperature":21.5,"humidity":40,"pressure":1013,"timestamp":1}})");
  EXPECT_TRUE(IsPass(reply, Send(reply)));
  EXPECT_EQ(Metric("iothub_rpc_pending"), 0);

  // An update with valid params, answered with the device's own error, passes both ways.
  const auto update = HubFlow::PublishRequest(
      "app-u", Topic(u_, "dev-d", "request"),
      R"({"id":"req-2","method":"updateDiscreteTimer","params":{"id":"t1","name":"Lights",)"
      R"("enabled":true,"mode":"auto","startTime":360,"endTime":1080,"output":"relay1"}})");
  EXPECT_TRUE(IsPass(update, Send(update)));
  const auto failed =
      HubFlow::PublishRequest("dev-d", Topic(u_, "dev-d", "response"),
                              R"({"id":"req-2","error":{"code":-32002,"message":"relay stuck"}})");
  EXPECT_TRUE(IsPass(failed, Send(failed)));
  EXPECT_EQ(Metric("iothub_rpc_pending"), 0);
}

// Unsolicited, duplicate, late and cross-device replies are dropped, each with its
// reason, while the one right reply passes. The deadline is 300 ms here.
class RpcDeadlineTest : public RpcFlowTest {
 protected:
  RpcDeadlineTest() : RpcFlowTest("[rpc]\ntimeout_ms = 300\n") {}
};

TEST_P(RpcDeadlineTest, UnsolicitedDuplicateLateAndCrossDeviceRepliesAreDropped) {
  const std::string d_response = Topic(u_, "dev-d", "response");
  const std::string e_response = Topic(u_, "dev-e", "response");
  const auto request = HubFlow::PublishRequest("app-u", Topic(u_, "dev-d", "request"),
                                               R"({"id":"req-1","method":"getSensors"})");
  ASSERT_TRUE(IsPass(request, Send(request)));
  const std::string answer = R"({"id":"req-1","result":{}})";

  // Cross-device: e answers d's request, on d's topic and on its own.
  const auto cross = HubFlow::PublishRequest("dev-e", d_response, answer);
  EXPECT_TRUE(IsDrop(cross, Send(cross)));
  const auto cross_own = HubFlow::PublishRequest("dev-e", e_response, answer);
  EXPECT_TRUE(IsDrop(cross_own, Send(cross_own)));
  // Nor may a user (even the owner) or an unknown client fake the device's reply.
  const auto from_user = HubFlow::PublishRequest("app-u", d_response, answer);
  EXPECT_TRUE(IsDrop(from_user, Send(from_user)));
  const auto from_nobody = HubFlow::PublishRequest("ghost", d_response, answer);
  EXPECT_TRUE(IsDrop(from_nobody, Send(from_nobody)));

  // The right reply passes once; the same reply again (a new message) is dropped.
  const auto reply = HubFlow::PublishRequest("dev-d", d_response, answer);
  EXPECT_TRUE(IsPass(reply, Send(reply)));
  const auto duplicate = HubFlow::PublishRequest("dev-d", d_response, answer);
  EXPECT_TRUE(IsDrop(duplicate, Send(duplicate)));

  // Unsolicited: an id nobody asked for.
  const auto unsolicited =
      HubFlow::PublishRequest("dev-d", d_response, R"({"id":"never-asked","result":{}})");
  EXPECT_TRUE(IsDrop(unsolicited, Send(unsolicited)));

  // Late: the reply after the deadline (the hub has swept the request by then).
  const auto slow = HubFlow::PublishRequest("app-u", Topic(u_, "dev-d", "request"),
                                            R"({"id":"req-slow","method":"reboot"})");
  ASSERT_TRUE(IsPass(slow, Send(slow)));
  const auto sent = steady_clock::now();
  EXPECT_TRUE(flow_.WaitForLog("rpc request req-slow to device dev-d timed out")) << flow_.Log();
  EXPECT_GE(std::chrono::duration_cast<milliseconds>(steady_clock::now() - sent).count(), 250);
  const auto late =
      HubFlow::PublishRequest("dev-d", d_response, R"({"id":"req-slow","result":{}})");
  EXPECT_TRUE(IsDrop(late, Send(late)));

  EXPECT_TRUE(DropLogged("dev-e", d_response, "response_not_from_device"));
  EXPECT_TRUE(DropLogged("dev-e", e_response, "response_unknown_id"));
  EXPECT_TRUE(DropLogged("app-u", d_response, "response_not_from_device"));
  EXPECT_TRUE(DropLogged("ghost", d_response, "no_session"));
  EXPECT_TRUE(DropLogged("dev-d", d_response, "response_duplicate"));
  EXPECT_TRUE(DropLogged("dev-d", d_response, "response_unknown_id"));
  EXPECT_TRUE(DropLogged("dev-d", d_response, "response_late"));
  EXPECT_EQ(Metric("iothub_rpc_pending"), 0);
}

struct BadRequest {
  std::string name;
  std::string payload;
  int code;
  std::string id;       // empty: the reply's id must be null
  std::string message;  // exact
  std::string data;     // must be contained in error.data (empty: no data)
};

// Invalid requests are answered at once: the message is rewritten onto the requester's
// response topic (CONTINUE) as the JSON-RPC error, with the request's id when it was
// usable and null otherwise; nothing becomes pending.
TEST_P(RpcFlowTest, InvalidRequestsAreAnsweredWithTheirError) {
  // Exactly at the 10 KB limit (valid) and one byte over.
  const auto sized = [](const std::string& id, std::size_t size) {
    const std::string head =
        R"({"id":")" + id + R"(","method":"updateDiscreteTimer","params":{"id":"t1","name":")";
    const std::string tail = R"("}})";
    return head + std::string(size - head.size() - tail.size(), 'n') + tail;
  };
  const std::string deep = R"({"id":"deep-1","method":"getSensors","params":{"a":)" +
                           std::string(5000, '[') + std::string(5000, ']') + "}}";
  const std::vector<BadRequest> cases = {
      {"unknown method", R"({"id":"m-1","method":"selfDestruct"})", -32601, "m-1",
       "Unknown method: selfDestruct", ""},
      {"params out of range",
       R"({"id":"p-1","method":"updateDiscreteTimer","params":{"id":"t1","startTime":1440}})",
       -32602, "p-1", "Invalid parameters", "params.startTime"},
      {"unknown param",
       R"({"id":"p-2","method":"updateIrrigator","params":{"id":"i1","colour":"red"}})", -32602,
       "p-2", "Invalid parameters", "params.colour"},
      {"params of a wrong type",
       R"({"id":"p-3","method":"updateAnalogTimer","params":{"id":"a1","maxLightLevel":"max"}})",
       -32602, "p-3", "Invalid parameters", "params.maxLightLevel"},
      {"params not an object", R"({"id":"p-4","method":"reboot","params":[1]})", -32602, "p-4",
       "Invalid parameters", "params"},
      {"params missing the required id",
       R"({"id":"p-5","method":"updateDiscreteRegulator","params":{"setpoint":20}})", -32602, "p-5",
       "Invalid parameters", "params.id"},
      {"not JSON", "reboot now, please", -32600, "", "Invalid request", "payload: invalid JSON"},
      {"a JSON array", R"([{"id":"arr-1","method":"getSensors"}])", -32600, "", "Invalid request",
       "payload: must be a JSON object"},
      {"10 KB + 1 byte", sized("big-1", 10241), -32600, "", "Invalid request",
       "payload: larger than 10240 bytes"},
      {"id with a slash", R"({"id":"a/b","method":"getSensors"})", -32600, "", "Invalid request",
       "id: must be a string"},
      {"id missing", R"({"method":"getSensors"})", -32600, "", "Invalid request", "id: required"},
      {"duplicate keys", R"({"id":"dup-1","method":"getSensors","method":"reboot"})", -32600, "",
       "Invalid request", "payload: duplicate key"},
      {"1e309", R"({"id":"num-1","method":"getSensors","timestamp":1e309})", -32600, "",
       "Invalid request", "payload: number out of range"},
      {"5000 levels of nesting (10 KB)", deep, -32600, "", "Invalid request",
       "payload: nesting deeper than 32"},
      {"invalid UTF-8",
       "{\"id\":\"utf-1\",\"method\":\"getSensors\",\"params\":{\"a\":\"\xff\xfe\"}}", -32600, "",
       "Invalid request", "payload: invalid JSON or UTF-8"},
      {"deviceId of another device", R"({"id":"dev-1","method":"getSensors","deviceId":"dev-e"})",
       -32600, "dev-1", "Invalid request", "deviceId: must equal the topic's device"},
      {"unknown top-level field", R"({"id":"f-1","method":"getSensors","param":{}})", -32600, "f-1",
       "Invalid request", "param: unknown field"},
  };
  const std::string request_topic = Topic(u_, "dev-d", "request");
  const std::string response_topic = Topic(u_, "dev-d", "response");
  for (const BadRequest& c : cases) {
    SCOPED_TRACE(c.name);
    const auto request = HubFlow::PublishRequest("app-u", request_topic, c.payload);
    json reply;
    ASSERT_TRUE(IsRewrite(request, Send(request), response_topic, &reply));
    ASSERT_TRUE(reply.is_object()) << reply.dump();
    EXPECT_EQ(reply["id"], c.id.empty() ? json(nullptr) : json(c.id)) << reply.dump();
    EXPECT_FALSE(reply.contains("result"));
    EXPECT_TRUE(reply["timestamp"].is_number_integer()) << reply.dump();
    const json& error = reply["error"];
    EXPECT_EQ(error["code"], c.code) << reply.dump();
    EXPECT_EQ(error["message"], c.message) << reply.dump();
    if (c.data.empty()) {
      EXPECT_FALSE(error.contains("data")) << reply.dump();
    } else {
      EXPECT_NE(error.value("data", "").find(c.data), std::string::npos) << reply.dump();
    }
  }
  EXPECT_EQ(Metric("iothub_rpc_pending"), 0);

  // The 10 KB boundary itself is accepted.
  const auto at_limit = HubFlow::PublishRequest("app-u", request_topic, sized("big-0", 10240));
  ASSERT_EQ(at_limit.message().payload().size(), 10240u);
  EXPECT_TRUE(IsPass(at_limit, Send(at_limit)));
  EXPECT_EQ(Metric("iothub_rpc_pending"), 1);
}

// A request to a device that is offline (admitted, never client.connected, or gone with
// client.disconnected) is answered at once with -32001 on the response topic; once the
// device connects again, requests pass.
TEST_P(RpcFlowTest, OfflineDeviceIsAnsweredAtOnceWithDeviceUnavailable) {
  const auto check_unavailable = [&](const std::string& device, const std::string& id) {
    const auto request =
        HubFlow::PublishRequest("app-u", Topic(u_, device, "request"),
                                R"({"id":")" + id + R"(","method":"getDeviceState"})");
    const auto start = steady_clock::now();
    const pb::ValuedResponse response = Send(request);
    const auto took = std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);
    EXPECT_LT(took.count(), 500);
    json reply;
    ASSERT_TRUE(IsRewrite(request, response, Topic(u_, device, "response"), &reply));
    EXPECT_EQ(reply["id"], id);
    EXPECT_EQ(reply["error"]["code"], -32001);
    EXPECT_EQ(reply["error"]["message"], "Device unavailable");
    EXPECT_EQ(reply["error"]["data"], "device offline");
  };
  check_unavailable("dev-g", "off-1");
  EXPECT_TRUE(flow_.WaitForLog("reason=device_offline"));

  flow_.Disconnected(v(), "dev-d", certs_["dev-d"].username);
  check_unavailable("dev-d", "off-2");
  EXPECT_EQ(Metric("iothub_rpc_pending"), 0);

  ASSERT_TRUE(IsAllow(flow_.ConnectDevice(v(), certs_["dev-d"])));
  const auto request = HubFlow::PublishRequest("app-u", Topic(u_, "dev-d", "request"),
                                               R"({"id":"on-1","method":"getDeviceState"})");
  EXPECT_TRUE(IsPass(request, Send(request)));
}

// A device reconnecting while its old connection is still open, in EMQX 5.3's order
// (authenticate new, disconnected old, connected new) and in Mosquitto's (authenticate
// and connected new, disconnected old): the stale disconnect ends neither the session
// nor the presence, so the device keeps its topics and requests still reach it.
TEST_P(RpcFlowTest, StaleDisconnectOfAReconnectingDeviceKeepsItsSession) {
  const std::string telemetry = "users/" + u_ + "/devices/dev-d/telemetry";
  const DeviceCert& d = certs_["dev-d"];
  ASSERT_TRUE(IsAllow(flow_.AuthenticateDevice(v(), "dev-d", d)));  // EMQX order
  flow_.Disconnected(v(), "dev-d", d.username);
  flow_.Connected(v(), "dev-d", d.username);
  EXPECT_TRUE(IsAllow(flow_.Authorize(v(), "dev-d", false, telemetry)));
  const auto first = HubFlow::PublishRequest("app-u", Topic(u_, "dev-d", "request"),
                                             R"({"id":"re-1","method":"getDeviceState"})");
  EXPECT_TRUE(IsPass(first, Send(first)));

  ASSERT_TRUE(IsAllow(flow_.ConnectDevice(v(), d)));  // Mosquitto order
  flow_.Disconnected(v(), "dev-d", d.username);
  EXPECT_TRUE(IsAllow(flow_.Authorize(v(), "dev-d", false, telemetry)));
  const auto second = HubFlow::PublishRequest("app-u", Topic(u_, "dev-d", "request"),
                                              R"({"id":"re-2","method":"getDeviceState"})");
  EXPECT_TRUE(IsPass(second, Send(second)));

  // The last connection's disconnect ends it.
  flow_.Disconnected(v(), "dev-d", d.username);
  EXPECT_TRUE(IsDeny(flow_.Authorize(v(), "dev-d", false, telemetry)));
}

// Requests nobody may send: to another user's device, to an unbound path, from another
// user or from a device; all answered -32001 without telling whether the device exists.
TEST_P(RpcFlowTest, RequestsOutsideTheOwnersDevicesAreRefused) {
  struct Case {
    std::string from, topic, id;
  };
  const std::vector<Case> cases = {
      {"app-u", Topic(u_, "dev-h", "request"), "x-1"},    // h is o's
      {"app-u", Topic(o_, "dev-h", "request"), "x-2"},    // o's topic, from u
      {"app-o", Topic(u_, "dev-d", "request"), "x-3"},    // u's topic, from o
      {"app-u", Topic(u_, "no-such", "request"), "x-4"},  // unknown device
      {"dev-e", Topic(u_, "dev-d", "request"), "x-5"},    // a device
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.from + " -> " + c.topic);
    const auto request =
        HubFlow::PublishRequest(c.from, c.topic, R"({"id":")" + c.id + R"(","method":"reboot"})");
    json reply;
    const std::string response_topic = c.topic.substr(0, c.topic.size() - 7) + "response";
    ASSERT_TRUE(IsRewrite(request, Send(request), response_topic, &reply));
    EXPECT_EQ(reply["id"], c.id);
    EXPECT_EQ(reply["error"]["code"], -32001);
    EXPECT_EQ(reply["error"]["data"], "device not available to this user");
  }
  EXPECT_EQ(Metric("iothub_rpc_pending"), 0);
}

// The same Message.id delivered twice (EMQX may call a hook twice) gets the same answer
// and no second side effect: a rewrite returns the same bytes, a passed request passes
// again instead of being dropped as its own duplicate.
TEST_P(RpcFlowTest, SameMessageIdGetsTheSameAnswer) {
  const std::string topic = Topic(u_, "dev-d", "request");
  const auto bad = HubFlow::PublishRequest("app-u", topic, R"({"id":"m-1","method":"nope"})");
  const pb::ValuedResponse first = Send(bad);
  std::this_thread::sleep_for(milliseconds(5));  // a fresh answer would carry a new timestamp
  const pb::ValuedResponse second = Send(bad);
  json reply;
  ASSERT_TRUE(IsRewrite(bad, first, Topic(u_, "dev-d", "response"), &reply));
  EXPECT_EQ(reply["error"]["code"], -32601);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(first, second))
      << first.ShortDebugString() << "\n"
      << second.ShortDebugString();

  const auto good = HubFlow::PublishRequest("app-u", topic, R"({"id":"g-1","method":"reboot"})");
  EXPECT_TRUE(IsPass(good, Send(good)));
  EXPECT_TRUE(IsPass(good, Send(good)));
  EXPECT_EQ(Metric("iothub_rpc_pending"), 1);
  // The same request id in a new message is a real duplicate.
  const auto resent = HubFlow::PublishRequest("app-u", topic, R"({"id":"g-1","method":"reboot"})");
  EXPECT_TRUE(IsDrop(resent, Send(resent)));

  // The same for the device's reply: passed twice under one Message.id, still answered once.
  const auto reply_message = HubFlow::PublishRequest("dev-d", Topic(u_, "dev-d", "response"),
                                                     R"({"id":"g-1","result":{}})");
  EXPECT_TRUE(IsPass(reply_message, Send(reply_message)));
  EXPECT_TRUE(IsPass(reply_message, Send(reply_message)));
  EXPECT_EQ(Metric("iothub_rpc_pending"), 0);
}

// A request id belongs to its requester: the owner reusing the id of a service's pending
// request, with an invalid request, gets no error reply (it would land on the service's
// response topic with the service's id) and the service's request stays pending until
// the device answers it.
TEST_P(RpcFlowTest, ReusedRequestIdOfAnotherRequesterIsDroppedWithoutReply) {
  const std::string token =
      HubFlow::Token("backend", {{"realm_access", {{"roles", json::array({"service"})}}}});
  ASSERT_TRUE(IsAllow(flow_.ConnectWithToken(v(), "svc-1", token)));
  const std::string topic = Topic(u_, "dev-d", "request");
  const auto service = HubFlow::PublishRequest("svc-1", topic, R"({"id":"s-1","method":"reboot"})");
  ASSERT_TRUE(IsPass(service, Send(service)));

  for (const std::string payload :
       {R"({"id":"s-1","method":"selfDestruct"})", R"({"id":"s-1","method":"reboot","x":1})",
        R"({"id":"s-1","method":"getSensors"})"}) {
    SCOPED_TRACE(payload);
    const auto forged = HubFlow::PublishRequest("app-u", topic, payload);
    EXPECT_TRUE(IsDrop(forged, Send(forged)));
  }
  EXPECT_TRUE(DropLogged("app-u", topic, "request_id_in_use"));
  EXPECT_EQ(Metric("iothub_rpc_pending"), 1);
  const auto reply = HubFlow::PublishRequest("dev-d", Topic(u_, "dev-d", "response"),
                                             R"({"id":"s-1","result":{"success":true}})");
  EXPECT_TRUE(IsPass(reply, Send(reply)));
  EXPECT_EQ(Metric("iothub_rpc_pending"), 0);
}

// A clientid without a session (it never authenticated, e.g. a broker's REST publish)
// can neither send a request nor a reply: both are dropped and counted.
TEST_P(RpcFlowTest, RpcFromAClientidWithoutSessionIsDropped) {
  const std::string topic = Topic(u_, "dev-d", "request");
  const auto request =
      HubFlow::PublishRequest("ghost", topic, R"({"id":"n-1","method":"getSensors"})");
  EXPECT_TRUE(IsDrop(request, Send(request)));
  EXPECT_TRUE(DropLogged("ghost", topic, "no_session"));
  const auto invalid = HubFlow::PublishRequest("ghost", topic, "not json");
  EXPECT_TRUE(IsDrop(invalid, Send(invalid)));
  EXPECT_EQ(Metric("iothub_rpc_pending"), 0);

  const auto owners = HubFlow::PublishRequest("app-u", topic, R"({"id":"n-2","method":"reboot"})");
  ASSERT_TRUE(IsPass(owners, Send(owners)));
  const auto reply = HubFlow::PublishRequest("ghost", Topic(u_, "dev-d", "response"),
                                             R"({"id":"n-2","result":{}})");
  EXPECT_TRUE(IsDrop(reply, Send(reply)));
  EXPECT_EQ(Metric(R"(iothub_rpc_drops_total{reason="no_session"})"), 3);
  EXPECT_EQ(Metric("iothub_rpc_pending"), 1);
}

// An expired plan no longer sets the RPC limit: u is on "pro" (100000 per minute) until
// a few seconds after start, then on "free" (2 per minute here).
class RpcPlanExpiryTest : public RpcFlowTest {
 protected:
  RpcPlanExpiryTest() : RpcFlowTest("[plans.pro]\nmax_devices = 5\nrpc_per_minute = 100000\n", 2) {}

  void BeforeStart() override {
    const std::time_t now = std::time(nullptr);
    expires_ = std::chrono::system_clock::from_time_t(now + 4);
    const std::time_t at = now + 4;
    char text[32];
    std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&at));
    EXPECT_EQ(flow_.Cli({"user", "set-plan", u_, "pro", "--expires-at", text}).status, 0);
  }

  std::chrono::system_clock::time_point expires_;
};

TEST_P(RpcPlanExpiryTest, ExpiredPlanFallsBackToTheDefaultPlansLimit) {
  auto request = [&](const std::string& device, const std::string& id) {
    return HubFlow::PublishRequest("app-u", Topic(u_, device, "request"),
                                   R"({"id":")" + id + R"(","method":"getSensors"})");
  };
  ASSERT_LT(std::chrono::system_clock::now(), expires_);
  for (const char* id : {"p-1", "p-2", "p-3"}) {
    const auto on_pro = request("dev-e", id);
    EXPECT_TRUE(IsPass(on_pro, Send(on_pro))) << id;
  }
  std::this_thread::sleep_until(expires_ + milliseconds(100));
  for (const char* id : {"f-1", "f-2"}) {
    const auto on_free = request("dev-d", id);
    EXPECT_TRUE(IsPass(on_free, Send(on_free))) << id;
  }
  const auto limited = request("dev-d", "f-3");
  json reply;
  ASSERT_TRUE(IsRewrite(limited, Send(limited), Topic(u_, "dev-d", "response"), &reply));
  EXPECT_EQ(reply["error"]["code"], -32029);
  EXPECT_EQ(reply["error"]["data"], "plan limit: 2 requests per minute");
}

INSTANTIATE_TEST_SUITE_P(BothServiceNames, RpcFlowTest, ::testing::ValuesIn(kBothVersions),
                         VersionName);
INSTANTIATE_TEST_SUITE_P(BothServiceNames, RpcDeadlineTest, ::testing::ValuesIn(kBothVersions),
                         VersionName);
INSTANTIATE_TEST_SUITE_P(BothServiceNames, RpcPlanExpiryTest, ::testing::ValuesIn(kBothVersions),
                         VersionName);

}  // namespace
}  // namespace iothub::testing
