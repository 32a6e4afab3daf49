// AclPolicy with configured rules: placeholders, first-match order, and rules versus the
// built-in policy.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "acl/acl_policy.h"
#include "unit/acl/acl_test_values.h"

namespace iothub::acl {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;

using testing::Make;
using testing::Rec;

AclPolicy PolicyOf(std::vector<AclRuleText> texts) {
  absl::StatusOr<std::vector<AclRule>> rules = ParseAclRules(texts);
  EXPECT_TRUE(rules.ok()) << rules.status();
  return AclPolicy(rules.ok() ? *std::move(rules) : std::vector<AclRule>{});
}

Principal Device(std::string id) { return Make(PrincipalKind::kDevice, id, id); }
Principal User(std::string id, std::string clientid = "app", std::string username = "jwt") {
  return Make(PrincipalKind::kUser, id, clientid, username);
}

class AclPolicyRulesTest : public ::testing::Test {
 protected:
  AclPolicyRulesTest() {
    fleet_.AddDevice(Rec("d1", "u1", DeviceStatus::kBound));
    fleet_.AddDevice(Rec("d3", "", DeviceStatus::kUnbound));
    fleet_.AddDevice(Rec("d4", "u1", DeviceStatus::kRevoked));
  }
  FleetSnapshot fleet_;
};

// ${user_id} and ${device_id} for a device are its current owner and its id.
TEST_F(AclPolicyRulesTest, DevicePlaceholders) {
  const AclPolicy policy =
      PolicyOf({{"allow", "device", "publish", "users/${user_id}/devices/${device_id}/debug"}});
  const Decision d =
      policy.Check(Device("d1"), Action::kPublish, "users/u1/devices/d1/debug", fleet_);
  EXPECT_TRUE(d.allow);
  EXPECT_EQ(d.reason, Reason::kRuleAllow);
  EXPECT_EQ(d.rule_index, 0);
  // Not another device's or owner's subtree.
  EXPECT_EQ(
      policy.Check(Device("d1"), Action::kPublish, "users/u2/devices/d1/debug", fleet_).reason,
      Reason::kOtherUserPrefix);
  // An unbound device has no ${user_id}: the rule never applies.
  EXPECT_EQ(
      policy.Check(Device("d3"), Action::kPublish, "users/u1/devices/d3/debug", fleet_).reason,
      Reason::kDeviceNotBound);
  EXPECT_EQ(policy.Check(Device("d3"), Action::kPublish, "users//devices/d3/debug", fleet_).reason,
            Reason::kDeviceNotBound);
}

// ${clientid}, ${username} and a user's ${user_id}.
TEST_F(AclPolicyRulesTest, UserPlaceholders) {
  const AclPolicy policy = PolicyOf({{"allow", "user", "all", "inbox/${clientid}/#"},
                                     {"allow", "user", "publish", "names/${username}"},
                                     {"allow", "user", "subscribe", "prefs/${user_id}/+"}});
  const Principal u = User("u1", "phone-1", "alice");
  EXPECT_TRUE(policy.Check(u, Action::kSubscribe, "inbox/phone-1/#", fleet_).allow);
  EXPECT_TRUE(policy.Check(u, Action::kPublish, "inbox/phone-1/a/b", fleet_).allow);
  EXPECT_FALSE(policy.Check(u, Action::kSubscribe, "inbox/phone-2/#", fleet_).allow);
  EXPECT_FALSE(policy.Check(u, Action::kSubscribe, "inbox/+/#", fleet_).allow);
  EXPECT_TRUE(policy.Check(u, Action::kPublish, "names/alice", fleet_).allow);
  EXPECT_FALSE(policy.Check(u, Action::kPublish, "names/bob", fleet_).allow);
  EXPECT_TRUE(policy.Check(u, Action::kSubscribe, "prefs/u1/+", fleet_).allow);
  EXPECT_EQ(policy.Check(u, Action::kSubscribe, "prefs/+/+", fleet_).reason,
            Reason::kOutsideUsersTree);
}

// Client ids and usernames with '+', '#', '/', NUL, nothing, or 65,000 bytes never widen
// a rule: they match at most the one literal level they spell.
TEST_F(AclPolicyRulesTest, HostilePlaceholderValuesNeverWiden) {
  const AclPolicy policy = PolicyOf(
      {{"allow", "any", "all", "inbox/${clientid}"}, {"allow", "any", "all", "box/${username}/x"}});
  for (std::string bad : {"+"s, "#"s, "a/b"s, "/"s, ""s, "a\0b"s, "+/+"s}) {
    const Principal u = User("u1", bad, bad);
    for (std::string_view filter : {"inbox/+", "inbox/#", "inbox/a/b", "box/+/x", "box/#",
                                    "box/a/b/x", "inbox/", "box//x", "#"}) {
      EXPECT_FALSE(policy.Check(u, Action::kSubscribe, filter, fleet_).allow)
          << "value \"" << bad << "\" filter " << filter;
    }
    for (std::string_view topic : {"inbox/a/b", "inbox/", "box//x", "box/a/b/x", "inbox/a"}) {
      EXPECT_FALSE(policy.Check(u, Action::kPublish, topic, fleet_).allow)
          << "value \"" << bad << "\" topic " << topic;
    }
  }
  const std::string huge(65000, 'c');
  const Principal u = User("u1", huge, huge);
  EXPECT_TRUE(policy.Check(u, Action::kPublish, "inbox/" + huge, fleet_).allow);
  EXPECT_FALSE(policy.Check(u, Action::kPublish, "inbox/c", fleet_).allow);
  EXPECT_FALSE(policy.Check(u, Action::kSubscribe, "inbox/+", fleet_).allow);
}

// The first matching rule decides, whatever later rules say.
TEST_F(AclPolicyRulesTest, FirstMatchWins) {
  const AclPolicy deny_first =
      PolicyOf({{"deny", "user", "publish", "a/b"}, {"allow", "user", "publish", "a/#"}});
  Decision d = deny_first.Check(User("u1"), Action::kPublish, "a/b", fleet_);
  EXPECT_FALSE(d.allow);
  EXPECT_EQ(d.reason, Reason::kRuleDeny);
  EXPECT_EQ(d.rule_index, 0);
  d = deny_first.Check(User("u1"), Action::kPublish, "a/c", fleet_);
  EXPECT_TRUE(d.allow);
  EXPECT_EQ(d.rule_index, 1);

  const AclPolicy allow_first =
      PolicyOf({{"allow", "user", "publish", "a/#"}, {"deny", "user", "publish", "a/b"}});
  d = allow_first.Check(User("u1"), Action::kPublish, "a/b", fleet_);
  EXPECT_TRUE(d.allow);
  EXPECT_EQ(d.rule_index, 0);
}

// A deny rule overrides what the built-in policy would allow.
TEST_F(AclPolicyRulesTest, DenyRuleOverridesBuiltin) {
  const AclPolicy policy =
      PolicyOf({{"deny", "device", "publish", "users/+/devices/+/attributes"},
                {"deny", "user", "subscribe", "users/${user_id}/devices/+/status"},
                {"deny", "service", "all", "users/+/devices/+/rpc/request"}});
  Decision d =
      policy.Check(Device("d1"), Action::kPublish, "users/u1/devices/d1/attributes", fleet_);
  EXPECT_FALSE(d.allow);
  EXPECT_EQ(d.reason, Reason::kRuleDeny);
  EXPECT_EQ(d.rule_index, 0);
  EXPECT_TRUE(
      policy.Check(Device("d1"), Action::kPublish, "users/u1/devices/d1/telemetry", fleet_).allow);
  EXPECT_EQ(
      policy.Check(User("u1"), Action::kSubscribe, "users/u1/devices/d1/status", fleet_).reason,
      Reason::kRuleDeny);
  EXPECT_EQ(
      policy.Check(User("u1"), Action::kSubscribe, "users/u1/devices/+/status", fleet_).reason,
      Reason::kRuleDeny);
  EXPECT_EQ(policy
                .Check(Make(PrincipalKind::kService, "svc"), Action::kPublish,
                       "users/u1/devices/d1/rpc/request", fleet_)
                .reason,
            Reason::kRuleDeny);
}

// An allow rule grants what the built-in policy refuses, but never to a revoked or
// unknown device, a device with a foreign clientid, or a non-admin on $SYS.
TEST_F(AclPolicyRulesTest, AllowRuleCannotResurrect) {
  const AclPolicy policy =
      PolicyOf({{"allow", "any", "all", "#"}, {"allow", "any", "subscribe", "$SYS/#"}});
  EXPECT_EQ(policy.Check(User("u1"), Action::kPublish, "anything/at/all", fleet_).reason,
            Reason::kRuleAllow);
  EXPECT_EQ(policy.Check(Device("d4"), Action::kPublish, "anything", fleet_).reason,
            Reason::kDeviceRevoked);
  EXPECT_EQ(policy.Check(Device("ghost"), Action::kPublish, "anything", fleet_).reason,
            Reason::kUnknownDevice);
  Principal impostor = Device("d1");
  impostor.clientid = "other";
  EXPECT_EQ(policy.Check(impostor, Action::kPublish, "anything", fleet_).reason,
            Reason::kClientIdMismatch);
  EXPECT_EQ(policy.Check(User("u1"), Action::kSubscribe, "$SYS/#", fleet_).reason,
            Reason::kSysNotAdmin);
  const Decision admin =
      policy.Check(Make(PrincipalKind::kAdmin, "root"), Action::kSubscribe, "$SYS/brokers", fleet_);
  EXPECT_EQ(admin.reason, Reason::kRuleAllow);
  EXPECT_EQ(admin.rule_index, 1);  // "#" does not reach $SYS
}

// Rules for one kind or action leave the others to the built-in policy.
TEST_F(AclPolicyRulesTest, RulesApplyOnlyToTheirWhoAndAction) {
  const AclPolicy policy = PolicyOf({{"deny", "admin", "subscribe", "users/#"}});
  const Principal admin = Make(PrincipalKind::kAdmin, "root");
  EXPECT_EQ(policy.Check(admin, Action::kSubscribe, "users/u1/devices/#", fleet_).reason,
            Reason::kRuleDeny);
  EXPECT_EQ(policy.Check(admin, Action::kPublish, "users/u1/devices/d1/rpc/request", fleet_).reason,
            Reason::kAdminUsersTree);
  EXPECT_EQ(policy.Check(User("u1"), Action::kSubscribe, "users/u1/devices/#", fleet_).reason,
            Reason::kUserOwnTree);
}

}  // namespace
}  // namespace iothub::acl
