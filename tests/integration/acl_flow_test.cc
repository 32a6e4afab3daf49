// client.authorize over gRPC against the real binary, for every kind of principal as it
// was admitted at client.authenticate: devices (bound and unbound), users, admins and
// services on the hub's topic layout; hostile clientids; unknown and disconnected
// clients; and bind / unbind / revoke made through the CLI while the hub runs, which
// apply to the next authorize call. Both service names (v2 and v3).
#include <gtest/gtest.h>

#include <chrono>

#include "support/hub_flow.h"

namespace iothub::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr bool kPub = false;
constexpr bool kSub = true;

class AclFlowTest : public ::testing::TestWithParam<ServiceVersion> {
 protected:
  ServiceVersion v() const { return GetParam(); }

  HubFlow flow_;
};

struct AclCase {
  std::string clientid;
  bool subscribe;
  std::string topic;
  bool allow;
};

// The built-in policy per principal kind, as admitted: a bound device on its own topics
// only, an unbound device on nothing, a user on their own devices' tree and RPC
// requests to their own bound devices, admins on users/# and $SYS/#, services on users/#.
TEST_P(AclFlowTest, PolicyPerPrincipalKind) {
  const std::string u = flow_.CreateUser("u@example.com", "User U", "sub-u");
  const std::string o = flow_.CreateUser("o@example.com", "User O", "sub-o");
  flow_.CreateUser("admin@example.com", "Admin", "sub-admin", "admin");
  const DeviceCert d = flow_.CreateDevice("dev-d");
  const DeviceCert e = flow_.CreateDevice("dev-e");
  const DeviceCert f = flow_.CreateDevice("dev-f");
  flow_.Bind("dev-d", u);
  flow_.Bind("dev-e", o);
  ASSERT_TRUE(flow_.Start());
  ASSERT_TRUE(IsAllow(flow_.ConnectDevice(v(), d)));
  ASSERT_TRUE(IsAllow(flow_.ConnectDevice(v(), e)));
  ASSERT_TRUE(IsAllow(flow_.ConnectDevice(v(), f)));
  ASSERT_TRUE(IsAllow(flow_.ConnectWithToken(v(), "app-u", HubFlow::Token("sub-u"))));
  ASSERT_TRUE(IsAllow(flow_.ConnectWithToken(v(), "app-o", HubFlow::Token("sub-o"))));
  ASSERT_TRUE(IsAllow(flow_.ConnectWithToken(v(), "ops", HubFlow::Token("sub-admin"))));
  ASSERT_TRUE(IsAllow(flow_.ConnectWithToken(
      v(), "svc", HubFlow::Token("backend", {{"realm_access", {{"roles", {"service"}}}}}))));
  const std::string ud = "users/" + u + "/devices/dev-d/";
  const std::string oe = "users/" + o + "/devices/dev-e/";
  const std::vector<AclCase> cases = {
      // Device d, bound to u: its own publish topics and its request subscription.
      {"dev-d", kPub, ud + "telemetry", true},
      {"dev-d", kPub, ud + "status", true},
      {"dev-d", kPub, ud + "attributes", true},
      {"dev-d", kPub, ud + "rpc/response", true},
      {"dev-d", kSub, "users/+/devices/dev-d/rpc/request", true},
      {"dev-d", kSub, ud + "rpc/request", true},
      {"dev-d", kPub, ud + "rpc/request", false},  // only owners send requests
      {"dev-d", kSub, ud + "telemetry", false},    // nor read its own telemetry
      {"dev-d", kPub, ud + "other", false},
      {"dev-d", kPub, "users/" + o + "/devices/dev-d/telemetry", false},  // not its owner
      // ... and nothing of device e.
      {"dev-d", kPub, oe + "telemetry", false},
      {"dev-d", kSub, "users/+/devices/dev-e/rpc/request", false},
      {"dev-d", kSub, "users/+/devices/+/rpc/request", false},
      {"dev-d", kSub, "users/#", false},
      {"dev-d", kSub, "#", false},
      {"dev-d", kPub, "$SYS/brokers", false},
      // Device f, unbound: no user's tree at all, not even a status topic.
      {"dev-f", kPub, "users/" + u + "/devices/dev-f/status", false},
      {"dev-f", kPub, "users/anyone/devices/dev-f/status", false},
      {"dev-f", kPub, "users/" + u + "/devices/dev-f/telemetry", false},
      {"dev-f", kPub, "users/" + u + "/devices/dev-f/rpc/response", false},
      {"dev-f", kSub, "users/+/devices/dev-f/rpc/request", false},
      {"dev-f", kPub, "users/+/devices/dev-f/status", false},
      // User u: requests to their bound device, their own tree for reading.
      {"app-u", kPub, ud + "rpc/request", true},
      {"app-u", kPub, oe + "rpc/request", false},                           // o's device
      {"app-u", kPub, "users/" + u + "/devices/dev-e/rpc/request", false},  // not u's
      {"app-u", kPub, "users/" + u + "/devices/dev-f/rpc/request", false},  // unbound
      {"app-u", kPub, "users/" + u + "/devices/nope/rpc/request", false},   // unknown
      {"app-u", kPub, ud + "rpc/response", false},  // a user cannot fake replies
      {"app-u", kPub, ud + "telemetry", false},
      {"app-u", kPub, "users/" + u + "/devices/+/rpc/request", false},  // wildcard
      {"app-u", kPub, "users/" + u + "/devices/#", false},
      {"app-u", kSub, "users/" + u + "/devices/#", true},
      {"app-u", kSub, "users/" + u + "/devices/+/rpc/response", true},
      {"app-u", kSub, ud + "telemetry", true},
      // A device spelled out under u's own prefix must be u's (issue #14 item 5).
      {"app-u", kSub, "users/" + u + "/devices/dev-e/#", false},         // o's device
      {"app-u", kSub, "users/" + u + "/devices/dev-f/status", false},    // unbound
      {"app-u", kSub, "users/" + u + "/devices/nope/telemetry", false},  // unknown
      {"app-u", kSub, "$share/g/users/" + u + "/devices/#", true},
      {"app-u", kSub, "users/" + o + "/#", false},
      {"app-u", kSub, "users/" + o + "/devices/#", false},
      {"app-u", kSub, "users/+/devices/#", false},
      {"app-u", kSub, "users/#", false},
      {"app-u", kSub, "users/" + u + "/#", false},
      {"app-u", kSub, "#", false},
      {"app-u", kSub, "$SYS/#", false},
      {"app-u", kSub, "$SYS/brokers/+/clients/#", false},
      {"app-u", kPub, "$SYS/x", false},
      // Admin: users/# both ways, $SYS/# for reading.
      {"ops", kSub, "users/#", true},
      {"ops", kPub, oe + "rpc/request", true},
      {"ops", kSub, "$SYS/#", true},
      {"ops", kPub, "$SYS/brokers", false},
      {"ops", kSub, "other/#", false},
      // Service: users/# both ways, never $SYS.
      {"svc", kSub, "users/+/devices/+/rpc/response", true},
      {"svc", kSub, "users/#", true},
      {"svc", kPub, ud + "rpc/request", true},
      {"svc", kSub, "$SYS/#", false},
      {"svc", kPub, "users/+/devices/dev-d/rpc/request", false},
      // Malformed topics and filters, for anyone.
      {"ops", kSub, "users/#/x", false},
      {"ops", kSub, "users/a+/x", false},
      {"ops", kPub, "", false},
      {"ops", kPub, "users/x/" + std::string(70000, 'x'), false},  // over MQTT's 65535
  };
  for (const AclCase& c : cases) {
    SCOPED_TRACE(c.clientid + (c.subscribe ? " SUBSCRIBE " : " PUBLISH ") + c.topic);
    const pb::ValuedResponse answer = flow_.Authorize(v(), c.clientid, c.subscribe, c.topic);
    EXPECT_TRUE(c.allow ? IsAllow(answer) : IsDeny(answer));
  }
}

// A clientid that never authenticated is denied everything, and the hub logs why.
TEST_P(AclFlowTest, UnknownClientidIsDenied) {
  ASSERT_TRUE(flow_.Start());
  EXPECT_TRUE(IsDeny(flow_.Authorize(v(), "ghost", kSub, "users/#")));
  EXPECT_TRUE(IsDeny(flow_.Authorize(v(), "ghost", kPub, "users/u/devices/d/telemetry")));
  EXPECT_TRUE(IsDeny(flow_.Authorize(v(), "", kSub, "users/#")));
  EXPECT_TRUE(
      flow_.WaitForLog("authorize denied: clientid=ghost topic=users/# reason=unknown client"))
      << flow_.Log();
}

// After client.disconnected, the clientid is denied again (its session is gone), for a
// user and for a device; a reconnect admits it anew.
TEST_P(AclFlowTest, DisconnectedClientidIsDeniedAgain) {
  const std::string u = flow_.CreateUser("u@example.com", "User U", "sub-u");
  const DeviceCert d = flow_.CreateDevice("dev-d");
  flow_.Bind("dev-d", u);
  const std::string token = HubFlow::Token("sub-u");
  ASSERT_TRUE(flow_.Start());
  ASSERT_TRUE(IsAllow(flow_.ConnectWithToken(v(), "app-u", token)));
  ASSERT_TRUE(IsAllow(flow_.ConnectDevice(v(), d)));
  const std::string own = "users/" + u + "/devices/#";
  const std::string status = "users/" + u + "/devices/dev-d/status";
  ASSERT_TRUE(IsAllow(flow_.Authorize(v(), "app-u", kSub, own)));
  ASSERT_TRUE(IsAllow(flow_.Authorize(v(), "dev-d", kPub, status)));

  flow_.Disconnected(v(), "app-u", "jwt");
  flow_.Disconnected(v(), "dev-d", d.username);
  EXPECT_TRUE(IsDeny(flow_.Authorize(v(), "app-u", kSub, own)));
  EXPECT_TRUE(IsDeny(flow_.Authorize(v(), "dev-d", kPub, status)));
  // A second disconnected of the same clientid changes nothing.
  flow_.Disconnected(v(), "app-u", "jwt");
  EXPECT_TRUE(IsDeny(flow_.Authorize(v(), "app-u", kSub, own)));

  ASSERT_TRUE(IsAllow(flow_.ConnectWithToken(v(), "app-u", token)));
  EXPECT_TRUE(IsAllow(flow_.Authorize(v(), "app-u", kSub, own)));
}

// Hostile clientids (#, +, /, NUL, 65 000 bytes): a device certificate is refused under
// any of them; a user (whose identity is the token, not the clientid) keeps only their own
// rights, and an ACL rule with ${clientid} never matches a clientid holding a wildcard, a
// separator or a NUL (a long plain one matches only itself); a clientid that never
// authenticated is denied. The hub stays up and logs them cut and escaped.
TEST_P(AclFlowTest, HostileClientidsAreRefusedOrDeniedSafely) {
  HubFlow flow({.extra_toml = "[[acl.rules]]\neffect = \"allow\"\nwho = \"any\"\n"
                              "action = \"all\"\ntopic = \"clients/${clientid}/data\"\n",
                .env = {}});
  const std::string u = flow.CreateUser("u@example.com", "User U", "sub-u");
  const DeviceCert d = flow.CreateDevice("dev-d");
  const std::string token = HubFlow::Token("sub-u");
  ASSERT_TRUE(flow.Start());

  // The rule itself works for an ordinary clientid.
  ASSERT_TRUE(IsAllow(flow.ConnectWithToken(v(), "plain", token)));
  EXPECT_TRUE(IsAllow(flow.Authorize(v(), "plain", kPub, "clients/plain/data")));
  EXPECT_TRUE(IsDeny(flow.Authorize(v(), "plain", kPub, "clients/other/data")));

  const std::string huge(65000, 'q');
  const std::vector<std::string> hostile = {"#", "+", "a/b", "dev-d/x", std::string("dev-d\0x", 7),
                                            huge};
  for (const std::string& clientid : hostile) {
    SCOPED_TRACE("clientid of " + std::to_string(clientid.size()) +
                 " bytes: " + clientid.substr(0, 16));
    // Never authenticated: denied.
    EXPECT_TRUE(IsDeny(flow.Authorize(v(), clientid, kSub, "#")));
    EXPECT_TRUE(IsDeny(flow.Authorize(v(), clientid, kPub, "clients/" + clientid + "/data")));
    // A device certificate under that clientid: refused.
    EXPECT_TRUE(IsDeny(flow.AuthenticateDevice(v(), clientid, d)));
    EXPECT_TRUE(IsDeny(flow.Authorize(v(), clientid, kPub, "users/x/devices/dev-d/status")));
    // A user token under that clientid: the user, no more.
    ASSERT_TRUE(IsAllow(flow.ConnectWithToken(v(), clientid, token)));
    EXPECT_TRUE(IsAllow(flow.Authorize(v(), clientid, kSub, "users/" + u + "/devices/#")));
    EXPECT_TRUE(IsDeny(flow.Authorize(v(), clientid, kSub, "users/#")));
    EXPECT_TRUE(IsDeny(flow.Authorize(v(), clientid, kSub, "clients/#")));
    EXPECT_TRUE(IsDeny(flow.Authorize(v(), clientid, kSub, "clients/+/data")));
    if (clientid.find_first_of(std::string("#+/\0", 4)) != std::string::npos) {
      // ${clientid} never stands for a wildcard, a separator or a NUL.
      EXPECT_TRUE(IsDeny(flow.Authorize(v(), clientid, kPub, "clients/" + clientid + "/data")));
      EXPECT_TRUE(IsDeny(flow.Authorize(v(), clientid, kSub, "clients/" + clientid + "/data")));
    } else {
      // A long but plain clientid is one literal level: its own topic, nobody else's.
      EXPECT_TRUE(IsAllow(flow.Authorize(v(), clientid, kPub, "clients/" + clientid + "/data")));
      EXPECT_TRUE(IsDeny(flow.Authorize(v(), clientid, kPub, "clients/plain/data")));
    }
    flow.Disconnected(v(), clientid, "jwt");
    EXPECT_TRUE(IsDeny(flow.Authorize(v(), clientid, kSub, "users/" + u + "/devices/#")));
  }
  // Still up and answering; the huge clientid was never logged whole.
  EXPECT_TRUE(IsAllow(flow.AuthenticateDevice(v(), "dev-d", d)));
  const std::string log = flow.Log();
  EXPECT_EQ(log.find(std::string(200, 'q')), std::string::npos);
  EXPECT_NE(log.find("...(65000 bytes)"), std::string::npos);
  EXPECT_EQ(log.find(std::string("dev-d\0x", 7)), std::string::npos);
  EXPECT_NE(log.find("dev-d\\x00x"), std::string::npos);
}

// bind, unbind and revoke made through the CLI while the hub runs change the next
// authorize answers (polled, at most 3 s) of the device's and the owner's live sessions.
TEST_P(AclFlowTest, BindUnbindRevokeApplyToTheNextAuthorize) {
  const std::string u = flow_.CreateUser("u@example.com", "User U", "sub-u");
  const DeviceCert d = flow_.CreateDevice("dev-d");
  ASSERT_TRUE(flow_.Start());
  ASSERT_TRUE(IsAllow(flow_.ConnectDevice(v(), d)));
  ASSERT_TRUE(IsAllow(flow_.ConnectWithToken(v(), "app-u", HubFlow::Token("sub-u"))));
  const std::string request = "users/" + u + "/devices/dev-d/rpc/request";
  const std::string telemetry = "users/" + u + "/devices/dev-d/telemetry";
  const std::string listen = "users/+/devices/dev-d/rpc/request";
  const auto user_may_send = [&] { return flow_.Authorize(v(), "app-u", kPub, request); };
  const auto device_may_send = [&] { return flow_.Authorize(v(), "dev-d", kPub, telemetry); };
  const auto device_may_listen = [&] { return flow_.Authorize(v(), "dev-d", kSub, listen); };
  int step = 0;
  const auto timed = [&](const std::function<bool()>& condition) {
    const auto start = steady_clock::now();
    const bool held = Eventually(condition);
    const auto took = std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);
    EXPECT_LT(took.count(), 3000);
    RecordProperty("change_" + std::to_string(++step) + "_applied_ms",
                   static_cast<int>(took.count()));
    return held;
  };

  // Unbound: neither side may use the RPC topics.
  EXPECT_TRUE(IsDeny(user_may_send()));
  EXPECT_TRUE(IsDeny(device_may_send()));
  EXPECT_TRUE(IsDeny(device_may_listen()));

  flow_.Bind("dev-d", u);
  EXPECT_TRUE(timed([&] { return static_cast<bool>(IsAllow(user_may_send())); }));
  EXPECT_TRUE(IsAllow(device_may_send()));
  EXPECT_TRUE(IsAllow(device_may_listen()));

  flow_.Unbind("dev-d");
  EXPECT_TRUE(timed([&] { return static_cast<bool>(IsDeny(user_may_send())); }));
  EXPECT_TRUE(IsDeny(device_may_send()));
  EXPECT_TRUE(IsDeny(device_may_listen()));

  flow_.Bind("dev-d", u);
  EXPECT_TRUE(timed([&] { return static_cast<bool>(IsAllow(device_may_send())); }));
  flow_.Revoke("dev-d");
  EXPECT_TRUE(timed([&] { return static_cast<bool>(IsDeny(device_may_send())); }));
  EXPECT_TRUE(IsDeny(device_may_listen()));
  EXPECT_TRUE(IsDeny(user_may_send()));
  // The status topic a bound device may use is closed to a revoked one.
  EXPECT_TRUE(IsDeny(flow_.Authorize(v(), "dev-d", kPub, "users/" + u + "/devices/dev-d/status")));
  EXPECT_TRUE(flow_.WaitForLog("reason=device_revoked")) << flow_.Log();
}

INSTANTIATE_TEST_SUITE_P(BothServiceNames, AclFlowTest, ::testing::ValuesIn(kBothVersions),
                         VersionName);

}  // namespace
}  // namespace iothub::testing
