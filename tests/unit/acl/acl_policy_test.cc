// The built-in policy, through AclPolicy with no configured rules: every allow and deny
// path per principal kind.
#include "acl/acl_policy.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "unit/acl/acl_test_values.h"

namespace iothub::acl {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;

using testing::Make;
using testing::Rec;

Principal Device(std::string id, std::string cached_owner = "") {
  return Make(PrincipalKind::kDevice, id, id, "", cached_owner);
}
Principal User(std::string id) { return Make(PrincipalKind::kUser, id, "app-" + id, "jwt"); }
Principal Admin() { return Make(PrincipalKind::kAdmin, "root", "dash", "jwt"); }
Principal Service() { return Make(PrincipalKind::kService, "backend", "svc", "jwt"); }

class BuiltinPolicyTest : public ::testing::Test {
 protected:
  BuiltinPolicyTest() {
    fleet_.AddDevice(Rec("d1", "u1", DeviceStatus::kBound));
    fleet_.AddDevice(Rec("d2", "u2", DeviceStatus::kBound));
    fleet_.AddDevice(Rec("d3", "", DeviceStatus::kUnbound));
    fleet_.AddDevice(Rec("d4", "u1", DeviceStatus::kRevoked));
  }

  Decision Pub(const Principal& p, std::string_view topic) const {
    return policy_.Check(p, Action::kPublish, topic, fleet_);
  }
  Decision Sub(const Principal& p, std::string_view filter) const {
    return policy_.Check(p, Action::kSubscribe, filter, fleet_);
  }

  FleetSnapshot fleet_;
  AclPolicy policy_;
};

#define EXPECT_ALLOW(decision, why)                           \
  do {                                                        \
    const Decision d_ = (decision);                           \
    EXPECT_TRUE(d_.allow) << ToString(d_.reason);             \
    EXPECT_EQ(d_.reason, Reason::why) << ToString(d_.reason); \
  } while (0)
#define EXPECT_DENY(decision, why)                            \
  do {                                                        \
    const Decision d_ = (decision);                           \
    EXPECT_FALSE(d_.allow) << ToString(d_.reason);            \
    EXPECT_EQ(d_.reason, Reason::why) << ToString(d_.reason); \
  } while (0)

// A bound device publishes its response, telemetry, attributes and status.
TEST_F(BuiltinPolicyTest, BoundDevicePublishesItsTopics) {
  for (const char* leaf : {"rpc/response", "telemetry", "attributes", "status"}) {
    EXPECT_ALLOW(Pub(Device("d1"), "users/u1/devices/d1/"s + leaf), kDeviceOwnTopic);
  }
}

// A bound device may not publish requests, other leaves or deeper topics.
TEST_F(BuiltinPolicyTest, BoundDeviceCannotPublishOtherLeaves) {
  EXPECT_DENY(Pub(Device("d1"), "users/u1/devices/d1/rpc/request"), kTopicNotPermitted);
  EXPECT_DENY(Pub(Device("d1"), "users/u1/devices/d1/config"), kTopicNotPermitted);
  EXPECT_DENY(Pub(Device("d1"), "users/u1/devices/d1/telemetry/x"), kTopicNotPermitted);
  EXPECT_DENY(Pub(Device("d1"), "users/u1/devices/d1/telemetry/"), kTopicNotPermitted);
  EXPECT_DENY(Pub(Device("d1"), "users/u1/devices/d1/"), kNotDeviceTopic);
  EXPECT_DENY(Pub(Device("d1"), "users/u1/devices/d1"), kNotDeviceTopic);
  EXPECT_DENY(Pub(Device("d1"), "users/u1/things/d1/status"), kNotDeviceTopic);
  EXPECT_DENY(Pub(Device("d1"), "users/u1"), kNotDeviceTopic);
  EXPECT_DENY(Pub(Device("d1"), "telemetry/d1"), kOutsideUsersTree);
  EXPECT_DENY(Pub(Device("d1"), "users"), kOutsideUsersTree);
  EXPECT_DENY(Pub(Device("d1"), "Users/u1/devices/d1/status"), kOutsideUsersTree);
}

// A device cannot publish under another user or another device.
TEST_F(BuiltinPolicyTest, DeviceStaysInItsOwnSubtree) {
  EXPECT_DENY(Pub(Device("d1"), "users/u2/devices/d1/telemetry"), kOtherUserPrefix);
  EXPECT_DENY(Pub(Device("d1"), "users/u1/devices/d2/telemetry"), kNotOwnDevice);
  EXPECT_DENY(Pub(Device("d1"), "users/u2/devices/d2/telemetry"), kNotOwnDevice);
}

// A bound device subscribes to its requests, with its owner or '+' as the user level.
TEST_F(BuiltinPolicyTest, BoundDeviceSubscribesItsRequests) {
  EXPECT_ALLOW(Sub(Device("d1"), "users/u1/devices/d1/rpc/request"), kDeviceOwnTopic);
  EXPECT_ALLOW(Sub(Device("d1"), "users/+/devices/d1/rpc/request"), kDeviceOwnTopic);
}

// Any other subscription of a device is refused, wildcards included.
TEST_F(BuiltinPolicyTest, DeviceSubscribesNothingElse) {
  EXPECT_DENY(Sub(Device("d1"), "users/u2/devices/d1/rpc/request"), kOtherUserPrefix);
  EXPECT_DENY(Sub(Device("d1"), "users/u1/devices/d1/rpc/+"), kTopicNotPermitted);
  EXPECT_DENY(Sub(Device("d1"), "users/u1/devices/d1/#"), kTopicNotPermitted);
  EXPECT_DENY(Sub(Device("d1"), "users/u1/devices/d1/telemetry"), kTopicNotPermitted);
  EXPECT_DENY(Sub(Device("d1"), "users/u1/devices/d1/rpc/response"), kTopicNotPermitted);
  EXPECT_DENY(Sub(Device("d1"), "users/u1/devices/+/rpc/request"), kNotOwnDevice);
  EXPECT_DENY(Sub(Device("d1"), "users/+/devices/+/rpc/request"), kNotOwnDevice);
  EXPECT_DENY(Sub(Device("d1"), "users/u1/devices/#"), kNotDeviceTopic);
  EXPECT_DENY(Sub(Device("d1"), "users/#"), kNotDeviceTopic);
  EXPECT_DENY(Sub(Device("d1"), "#"), kOutsideUsersTree);
  EXPECT_DENY(Sub(Device("d1"), "+/u1/devices/d1/rpc/request"), kOutsideUsersTree);
}

// The owner comes from the fleet, not from the principal's cached owner_id.
TEST_F(BuiltinPolicyTest, DeviceOwnerComesFromFleet) {
  const Principal stale = Device("d1", /*cached_owner=*/"u2");
  EXPECT_ALLOW(Pub(stale, "users/u1/devices/d1/telemetry"), kDeviceOwnTopic);
  EXPECT_DENY(Pub(stale, "users/u2/devices/d1/telemetry"), kOtherUserPrefix);
}

// Binding, unbinding and revoking apply to the very next call with the new snapshot.
TEST_F(BuiltinPolicyTest, FleetChangesApplyAtOnce) {
  FleetSnapshot unbound;
  unbound.AddDevice(Rec("d9", "", DeviceStatus::kUnbound));
  FleetSnapshot bound;
  bound.AddDevice(Rec("d9", "u1", DeviceStatus::kBound));
  FleetSnapshot rebound;
  rebound.AddDevice(Rec("d9", "u2", DeviceStatus::kBound));
  FleetSnapshot revoked;
  revoked.AddDevice(Rec("d9", "u2", DeviceStatus::kRevoked));
  const Principal d9 = Device("d9");
  constexpr auto kTopic = "users/u1/devices/d9/telemetry"sv;
  EXPECT_FALSE(policy_.Check(d9, Action::kPublish, kTopic, unbound).allow);
  EXPECT_TRUE(policy_.Check(d9, Action::kPublish, kTopic, bound).allow);
  EXPECT_FALSE(policy_.Check(d9, Action::kPublish, kTopic, rebound).allow);
  EXPECT_TRUE(policy_.Check(d9, Action::kPublish, "users/u2/devices/d9/telemetry", rebound).allow);
  EXPECT_EQ(policy_.Check(d9, Action::kPublish, "users/u2/devices/d9/telemetry", revoked).reason,
            Reason::kDeviceRevoked);
  EXPECT_EQ(policy_.Check(d9, Action::kPublish, kTopic, FleetSnapshot()).reason,
            Reason::kUnknownDevice);
}

// An unbound device reaches no user's tree: not even its status topic, under any user.
TEST_F(BuiltinPolicyTest, UnboundDeviceReachesNoUsersTree) {
  for (const char* topic : {"users/u1/devices/d3/status", "users/u2/devices/d3/status",
                            "users/pending/devices/d3/status", "users/u1/devices/d3/telemetry",
                            "users/u1/devices/d3/attributes", "users/u1/devices/d3/rpc/response"}) {
    EXPECT_DENY(Pub(Device("d3"), topic), kDeviceNotBound);
  }
  EXPECT_DENY(Pub(Device("d3"), "users/u1/devices/d1/status"), kNotOwnDevice);
  EXPECT_DENY(Sub(Device("d3"), "users/+/devices/d3/rpc/request"), kDeviceNotBound);
  EXPECT_DENY(Sub(Device("d3"), "users/u1/devices/d3/rpc/request"), kDeviceNotBound);
}

// A revoked or unknown device gets nothing, not even what a bound device gets.
TEST_F(BuiltinPolicyTest, RevokedAndUnknownDevicesGetNothing) {
  EXPECT_DENY(Pub(Device("d4"), "users/u1/devices/d4/status"), kDeviceRevoked);
  EXPECT_DENY(Sub(Device("d4"), "users/+/devices/d4/rpc/request"), kDeviceRevoked);
  EXPECT_DENY(Pub(Device("ghost"), "users/u1/devices/ghost/status"), kUnknownDevice);
  EXPECT_DENY(Sub(Device("ghost"), "users/+/devices/ghost/rpc/request"), kUnknownDevice);
}

// A device must use its id as clientid.
TEST_F(BuiltinPolicyTest, DeviceClientIdMustBeItsId) {
  Principal p = Device("d1");
  p.clientid = "d2";
  EXPECT_DENY(Pub(p, "users/u1/devices/d1/telemetry"), kClientIdMismatch);
  p.clientid = "";
  EXPECT_DENY(Pub(p, "users/u1/devices/d1/telemetry"), kClientIdMismatch);
}

// Ids that could act as wildcards or separators are refused before any matching.
TEST_F(BuiltinPolicyTest, MalformedIdsNeverWiden) {
  for (std::string bad : {"+"s, "#"s, "d1/x"s, ""s, "d\0"s, std::string(65000, 'd')}) {
    EXPECT_DENY(Sub(Device(bad), "users/+/devices/+/rpc/request"), kInvalidPrincipalId);
    EXPECT_DENY(Pub(Device(bad), "users/u1/devices/d1/telemetry"), kInvalidPrincipalId);
    EXPECT_DENY(Sub(User(bad), "users/+/devices/#"), kInvalidPrincipalId);
    EXPECT_DENY(Sub(User(bad), "users/u1/devices/#"), kInvalidPrincipalId);
  }
}

// A user sends RPC requests to devices bound to them.
TEST_F(BuiltinPolicyTest, UserPublishesRequestsToOwnDevices) {
  EXPECT_ALLOW(Pub(User("u1"), "users/u1/devices/d1/rpc/request"), kUserOwnedDeviceRpc);
  EXPECT_ALLOW(Pub(User("u2"), "users/u2/devices/d2/rpc/request"), kUserOwnedDeviceRpc);
}

// A user may not send requests to another user's, unbound, revoked or unknown devices.
TEST_F(BuiltinPolicyTest, UserCannotReachOtherDevices) {
  EXPECT_DENY(Pub(User("u1"), "users/u1/devices/d2/rpc/request"), kTargetDeviceNotOwned);
  EXPECT_DENY(Pub(User("u1"), "users/u1/devices/d3/rpc/request"), kTargetDeviceNotOwned);
  EXPECT_DENY(Pub(User("u1"), "users/u1/devices/d4/rpc/request"), kTargetDeviceNotOwned);
  EXPECT_DENY(Pub(User("u1"), "users/u1/devices/ghost/rpc/request"), kTargetDeviceUnknown);
  EXPECT_DENY(Pub(User("u1"), "users/u2/devices/d2/rpc/request"), kOtherUserPrefix);
}

// A user publishes nothing but RPC requests.
TEST_F(BuiltinPolicyTest, UserPublishesOnlyRequests) {
  EXPECT_DENY(Pub(User("u1"), "users/u1/devices/d1/rpc/response"), kTopicNotPermitted);
  EXPECT_DENY(Pub(User("u1"), "users/u1/devices/d1/telemetry"), kTopicNotPermitted);
  EXPECT_DENY(Pub(User("u1"), "users/u1/devices/d1/status"), kTopicNotPermitted);
  EXPECT_DENY(Pub(User("u1"), "users/u1/profile"), kNotDeviceTopic);
  EXPECT_DENY(Pub(User("u1"), "chat/u1"), kOutsideUsersTree);
}

// A user subscribes to anything under users/{self}/devices/, wildcards after that.
TEST_F(BuiltinPolicyTest, UserSubscribesOwnDeviceTree) {
  for (const char* filter :
       {"users/u1/devices/+/telemetry", "users/u1/devices/#", "users/u1/devices/d1/rpc/response",
        "users/u1/devices/+/+", "users/u1/devices/d1/status", "users/u1/devices/+/rpc/#",
        "users/u1/devices/d1/#"}) {
    EXPECT_ALLOW(Sub(User("u1"), filter), kUserOwnTree);
  }
}

// A device id spelled out under a user's own prefix must be bound to that user, for
// subscribe as for publish: another user's, an unbound, a revoked or an unknown device
// is refused.
TEST_F(BuiltinPolicyTest, UserDeviceLevelNamesOwnDevice) {
  EXPECT_DENY(Sub(User("u1"), "users/u1/devices/d2/status"), kTargetDeviceNotOwned);
  EXPECT_DENY(Sub(User("u1"), "users/u1/devices/d2/#"), kTargetDeviceNotOwned);
  EXPECT_DENY(Sub(User("u1"), "users/u1/devices/d3/telemetry"), kTargetDeviceNotOwned);
  EXPECT_DENY(Sub(User("u1"), "users/u1/devices/d4/telemetry"), kTargetDeviceNotOwned);
  EXPECT_DENY(Sub(User("u1"), "users/u1/devices/ghost/telemetry"), kTargetDeviceUnknown);
  EXPECT_DENY(Sub(User("u1"), "users/u1/devices//telemetry"), kTargetDeviceUnknown);
  EXPECT_DENY(Pub(User("u1"), "users/u1/devices/d2/rpc/request"), kTargetDeviceNotOwned);
  EXPECT_DENY(Pub(User("u1"), "users/u1/devices/d3/rpc/request"), kTargetDeviceNotOwned);
  EXPECT_DENY(Pub(User("u1"), "users/u1/devices/ghost/rpc/request"), kTargetDeviceUnknown);
  EXPECT_ALLOW(Sub(User("u2"), "users/u2/devices/d2/status"), kUserOwnTree);
  EXPECT_ALLOW(Pub(User("u1"), "users/u1/devices/d1/rpc/request"), kUserOwnedDeviceRpc);
}

// A user's filter may not reach other users or leave users/{self}/devices/.
TEST_F(BuiltinPolicyTest, UserSubscriptionsStayInOwnTree) {
  EXPECT_DENY(Sub(User("u1"), "users/+/devices/d1/telemetry"), kOtherUserPrefix);
  EXPECT_DENY(Sub(User("u1"), "users/u2/devices/#"), kOtherUserPrefix);
  EXPECT_DENY(Sub(User("u1"), "users/#"), kOtherUserPrefix);
  EXPECT_DENY(Sub(User("u1"), "users/u1/#"), kNotDeviceTopic);
  EXPECT_DENY(Sub(User("u1"), "users/u1/+/d1/telemetry"), kNotDeviceTopic);
  EXPECT_DENY(Sub(User("u1"), "users/u1/devices"), kNotDeviceTopic);
  EXPECT_DENY(Sub(User("u1"), "users/u1"), kNotDeviceTopic);
  EXPECT_DENY(Sub(User("u1"), "#"), kOutsideUsersTree);
  EXPECT_DENY(Sub(User("u1"), "+/u1/devices/#"), kOutsideUsersTree);
}

// An admin has users/# both ways and may subscribe (not publish) $SYS.
TEST_F(BuiltinPolicyTest, AdminPaths) {
  EXPECT_ALLOW(Pub(Admin(), "users/u1/devices/d1/rpc/request"), kAdminUsersTree);
  EXPECT_ALLOW(Pub(Admin(), "users/u2/anything"), kAdminUsersTree);
  EXPECT_ALLOW(Sub(Admin(), "users/#"), kAdminUsersTree);
  EXPECT_ALLOW(Sub(Admin(), "users/+/devices/+/telemetry"), kAdminUsersTree);
  EXPECT_ALLOW(Sub(Admin(), "$SYS/#"), kAdminSysSubscribe);
  EXPECT_ALLOW(Sub(Admin(), "$SYS/brokers/+/uptime"), kAdminSysSubscribe);
  EXPECT_DENY(Pub(Admin(), "$SYS/brokers/x"), kSysReadOnly);
  EXPECT_DENY(Sub(Admin(), "#"), kOutsideUsersTree);
  EXPECT_DENY(Sub(Admin(), "+/#"), kOutsideUsersTree);
  EXPECT_DENY(Pub(Admin(), "other/topic"), kOutsideUsersTree);
}

// A service has users/# both ways and nothing else.
TEST_F(BuiltinPolicyTest, ServicePaths) {
  EXPECT_ALLOW(Sub(Service(), "users/+/devices/+/rpc/response"), kServiceUsersTree);
  EXPECT_ALLOW(Sub(Service(), "users/#"), kServiceUsersTree);
  EXPECT_ALLOW(Pub(Service(), "users/u1/devices/d1/rpc/request"), kServiceUsersTree);
  EXPECT_DENY(Sub(Service(), "#"), kOutsideUsersTree);
  EXPECT_DENY(Pub(Service(), "metrics"), kOutsideUsersTree);
}

// Nobody but an admin reaches $SYS, either way.
TEST_F(BuiltinPolicyTest, SysIsForAdminsOnly) {
  for (const Principal& p : {Device("d1"), User("u1"), Service()}) {
    EXPECT_DENY(Sub(p, "$SYS/#"), kSysNotAdmin);
    EXPECT_DENY(Sub(p, "$SYS"), kSysNotAdmin);
    EXPECT_DENY(Pub(p, "$SYS/brokers"), kSysNotAdmin);
  }
}

// Publish topics with wildcards are refused as such; broken ones as invalid.
TEST_F(BuiltinPolicyTest, PublishTopicMustBeAName) {
  EXPECT_DENY(Pub(Admin(), "users/+/devices/d1/rpc/request"), kWildcardInPublish);
  EXPECT_DENY(Pub(User("u1"), "users/u1/devices/+/rpc/request"), kWildcardInPublish);
  EXPECT_DENY(Pub(Device("d1"), "users/u1/devices/d1/#"), kWildcardInPublish);
  EXPECT_DENY(Pub(Admin(), "users/a#"), kWildcardInPublish);
  EXPECT_DENY(Pub(Admin(), ""), kInvalidTopic);
  EXPECT_DENY(Pub(Admin(), "users/a\0b"sv), kInvalidTopic);
  EXPECT_DENY(Pub(Admin(), "users/\xC0\x80"), kInvalidTopic);
  EXPECT_DENY(Pub(Admin(), "users/" + std::string(65535, 'a')), kInvalidTopic);
}

// Subscribe filters must be valid filters.
TEST_F(BuiltinPolicyTest, SubscribeFilterMustBeValid) {
  EXPECT_DENY(Sub(Admin(), "users/#/x"), kInvalidFilter);
  EXPECT_DENY(Sub(Admin(), "users/a+"), kInvalidFilter);
  EXPECT_DENY(Sub(Admin(), ""), kInvalidFilter);
  EXPECT_DENY(Sub(User("u1"), "users/u1/devices/\xFF"), kInvalidFilter);
}

// Shared subscriptions are judged by the filter inside them.
TEST_F(BuiltinPolicyTest, SharedSubscriptionsAreUnwrapped) {
  EXPECT_ALLOW(Sub(Service(), "$share/backend/users/+/devices/+/rpc/response"), kServiceUsersTree);
  EXPECT_ALLOW(Sub(User("u1"), "$queue/users/u1/devices/#"), kUserOwnTree);
  EXPECT_DENY(Sub(User("u1"), "$share/g/users/u2/devices/#"), kOtherUserPrefix);
  EXPECT_DENY(Sub(User("u1"), "$share/g/$SYS/#"), kSysNotAdmin);
}

// Every reason has its own non-empty name.
TEST(DecisionTest, ReasonNamesAreDistinct) {
  std::set<std::string_view> names;
  const int last = static_cast<int>(Reason::kNoMatchingRule);
  for (int i = 0; i <= last; ++i) {
    const std::string_view name = ToString(static_cast<Reason>(i));
    EXPECT_FALSE(name.empty());
    EXPECT_NE(name, "unknown_reason");
    names.insert(name);
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(last + 1));
}

// A fleet of 1,000,000 devices gives the same answers as one of a handful.
TEST(AclPolicyScaleTest, MillionDeviceFleetAnswersTheSame) {
  FleetSnapshot small;
  FleetSnapshot large;
  for (FleetSnapshot* fleet : {&small, &large}) {
    fleet->AddDevice(Rec("d1", "u1", DeviceStatus::kBound));
    fleet->AddDevice(Rec("d3", "", DeviceStatus::kUnbound));
    fleet->AddDevice(Rec("d4", "u1", DeviceStatus::kRevoked));
  }
  for (int i = 0; i < 7; ++i) {
    small.AddDevice(Rec("x" + std::to_string(i), "u2", DeviceStatus::kBound));
  }
  for (int i = 0; i < 1'000'000 - 3; ++i) {
    large.AddDevice(
        Rec("x" + std::to_string(i), "u" + std::to_string(i % 1000), DeviceStatus::kBound));
  }
  ASSERT_EQ(large.device_count(), 1'000'000u);
  const AclPolicy policy;
  struct Case {
    Principal principal;
    Action action;
    std::string_view topic;
  };
  const Case cases[] = {
      {Device("d1"), Action::kPublish, "users/u1/devices/d1/telemetry"},
      {Device("d1"), Action::kSubscribe, "users/+/devices/d1/rpc/request"},
      {Device("d1"), Action::kPublish, "users/u2/devices/d1/telemetry"},
      {Device("d3"), Action::kPublish, "users/u1/devices/d3/status"},
      {Device("d3"), Action::kPublish, "users/u1/devices/d3/telemetry"},
      {Device("d4"), Action::kPublish, "users/u1/devices/d4/status"},
      {Device("ghost"), Action::kPublish, "users/u1/devices/ghost/status"},
      {User("u1"), Action::kPublish, "users/u1/devices/d1/rpc/request"},
      {User("u1"), Action::kPublish, "users/u1/devices/d3/rpc/request"},
      {User("u1"), Action::kPublish, "users/u1/devices/ghost/rpc/request"},
      {User("u1"), Action::kSubscribe, "users/u1/devices/#"},
      {User("u1"), Action::kSubscribe, "users/+/devices/#"},
      {Admin(), Action::kSubscribe, "$SYS/#"},
      {Service(), Action::kSubscribe, "users/+/devices/+/rpc/response"},
  };
  for (const Case& c : cases) {
    const Decision a = policy.Check(c.principal, c.action, c.topic, small);
    const Decision b = policy.Check(c.principal, c.action, c.topic, large);
    EXPECT_EQ(a.allow, b.allow) << c.topic;
    EXPECT_EQ(a.reason, b.reason) << c.topic;
  }
}

}  // namespace
}  // namespace iothub::acl
