// The built-in policy on the renewal topics (devices/{id}/cert/renew[/reply]): only the
// device itself publishes its request and subscribes its reply, bound or not; only the
// hub's own link publishes replies; users, admins, services and other devices nothing.
#include <gtest/gtest.h>

#include "acl/acl_policy.h"
#include "unit/acl/acl_test_values.h"

namespace iothub::acl {
namespace {

using testing::Make;
using testing::Rec;

class RenewalPolicyTest : public ::testing::Test {
 protected:
  RenewalPolicyTest() {
    fleet_.AddDevice(Rec("d1", "u1", DeviceStatus::kBound));
    fleet_.AddDevice(Rec("d2", "u2", DeviceStatus::kBound));
    fleet_.AddDevice(Rec("d3", "", DeviceStatus::kUnbound));
    fleet_.AddDevice(Rec("d4", "u1", DeviceStatus::kRevoked));
  }

  Decision Check(const Principal& p, Action action, std::string_view topic) const {
    return policy_.Check(p, action, topic, fleet_);
  }
  static Principal Device(std::string id) { return Make(PrincipalKind::kDevice, id, id); }
  static Principal HubLink() {
    Principal hub = Make(PrincipalKind::kService, "iot-hub", "iot-hub-link");
    hub.hub_link = true;
    return hub;
  }

  FleetSnapshot fleet_;
  AclPolicy policy_;
};

// A device, bound or unbound, publishes its own request and subscribes its own reply.
TEST_F(RenewalPolicyTest, DeviceUsesItsOwnTopics) {
  for (const char* id : {"d1", "d3"}) {
    const std::string base = std::string("devices/") + id + "/cert/renew";
    const Decision publish = Check(Device(id), Action::kPublish, base);
    EXPECT_TRUE(publish.allow) << id << " " << ToString(publish.reason);
    EXPECT_EQ(publish.reason, Reason::kDeviceRenewal);
    const Decision subscribe = Check(Device(id), Action::kSubscribe, base + "/reply");
    EXPECT_TRUE(subscribe.allow) << id << " " << ToString(subscribe.reason);
  }
}

// Not the other direction, not another device's, not through wildcards, not revoked.
TEST_F(RenewalPolicyTest, DeviceGetsNothingElse) {
  EXPECT_FALSE(Check(Device("d1"), Action::kPublish, "devices/d1/cert/renew/reply").allow);
  EXPECT_FALSE(Check(Device("d1"), Action::kSubscribe, "devices/d1/cert/renew").allow);
  const Decision other = Check(Device("d1"), Action::kPublish, "devices/d2/cert/renew");
  EXPECT_FALSE(other.allow);
  EXPECT_EQ(other.reason, Reason::kNotOwnDevice);
  EXPECT_FALSE(Check(Device("d1"), Action::kSubscribe, "devices/d2/cert/renew/reply").allow);
  EXPECT_FALSE(Check(Device("d1"), Action::kSubscribe, "devices/+/cert/renew/reply").allow);
  EXPECT_FALSE(Check(Device("d1"), Action::kSubscribe, "devices/#").allow);
  EXPECT_FALSE(Check(Device("d1"), Action::kSubscribe, "devices/d1/cert/#").allow);
  EXPECT_FALSE(Check(Device("d1"), Action::kPublish, "devices/d1/cert/renew/x").allow);
  EXPECT_FALSE(Check(Device("d1"), Action::kPublish, "devices/d1/cert").allow);
  EXPECT_FALSE(Check(Device("d4"), Action::kPublish, "devices/d4/cert/renew").allow);
  EXPECT_FALSE(Check(Device("ghost"), Action::kPublish, "devices/ghost/cert/renew").allow);
}

// Users, admins and services reach neither topic, whoever the device belongs to.
TEST_F(RenewalPolicyTest, NobodyElse) {
  const Principal others[] = {Make(PrincipalKind::kUser, "u1", "app-u1", "jwt"),
                              Make(PrincipalKind::kAdmin, "root", "dash", "jwt"),
                              Make(PrincipalKind::kService, "backend", "svc", "jwt")};
  for (const Principal& who : others) {
    for (const char* topic : {"devices/d1/cert/renew", "devices/d1/cert/renew/reply"}) {
      EXPECT_FALSE(Check(who, Action::kPublish, topic).allow) << who.id << " " << topic;
      EXPECT_FALSE(Check(who, Action::kSubscribe, topic).allow) << who.id << " " << topic;
    }
    EXPECT_FALSE(Check(who, Action::kSubscribe, "devices/+/cert/renew/reply").allow) << who.id;
    EXPECT_FALSE(Check(who, Action::kSubscribe, "devices/+/cert/renew").allow) << who.id;
  }
}

// The hub's own link answers: it publishes replies, and nothing more on these topics.
TEST_F(RenewalPolicyTest, HubLinkPublishesReplies) {
  const Decision reply = Check(HubLink(), Action::kPublish, "devices/d1/cert/renew/reply");
  EXPECT_TRUE(reply.allow);
  EXPECT_EQ(reply.reason, Reason::kHubRenewalReply);
  EXPECT_FALSE(Check(HubLink(), Action::kPublish, "devices/d1/cert/renew").allow);
  EXPECT_FALSE(Check(HubLink(), Action::kSubscribe, "devices/d1/cert/renew/reply").allow);
  EXPECT_FALSE(Check(HubLink(), Action::kSubscribe, "devices/+/cert/renew").allow);
}

}  // namespace
}  // namespace iothub::acl
