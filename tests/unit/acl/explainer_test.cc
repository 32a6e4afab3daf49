// AclExplainer: the answer for a principal named by clientid, device or user id is the
// hook's own decision (AclPolicy::Check), with the step and rule that decided.
#include "acl/explainer.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "unit/acl/acl_test_values.h"

namespace iothub::acl {
namespace {

using testing::Make;
using testing::Rec;

class AclExplainerTest : public ::testing::Test {
 protected:
  AclExplainerTest() {
    auto fleet = std::make_shared<FleetSnapshot>();
    fleet->AddDevice(Rec("d1", "u1", DeviceStatus::kBound));
    fleet->AddDevice(Rec("d9", "", DeviceStatus::kRevoked));
    fleet->AddUser({.id = "u1", .subject = "s1", .role = Role::kUser, .plan = "free"});
    fleet->AddUser({.id = "root", .subject = "s0", .role = Role::kAdmin, .plan = "free"});
    fleet_ = fleet;
    sessions_["alice-app"] =
        std::make_shared<Principal>(Make(PrincipalKind::kUser, "u1", "alice-app", "jwt"));
  }

  AclExplainer Explainer(bool with_sessions = true) {
    AclExplainer::SessionLookup lookup;
    if (with_sessions) {
      lookup = [this](std::string_view clientid) -> std::shared_ptr<const Principal> {
        auto it = sessions_.find(std::string(clientid));
        return it == sessions_.end() ? nullptr : it->second;
      };
    }
    return AclExplainer(
        policy_, [this] { return fleet_; }, lookup);
  }

  static std::vector<AclRule> Rules() {
    const AclRuleText texts[] = {
        {"allow", "user", "subscribe", "public/#"},
        {"deny", "user", "subscribe", "users/${user_id}/devices/+/secret"},
    };
    return *ParseAclRules(texts);
  }

  std::shared_ptr<const FleetSnapshot> fleet_;
  const AclPolicy policy_{Rules()};
  std::map<std::string, std::shared_ptr<const Principal>> sessions_;
};

// A configured rule that decides is named by its number and its text.
TEST_F(AclExplainerTest, NamesTheDecidingRule) {
  auto answer = Explainer().Explain(
      {ExplainSubject::kClientId, "alice-app", Action::kSubscribe, "users/u1/devices/+/secret"});
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_FALSE(answer->explanation.decision.allow);
  EXPECT_EQ(answer->explanation.step, DecidingStep::kRule);
  EXPECT_EQ(answer->explanation.rule_number, 2);
  EXPECT_EQ(answer->explanation.rule, "deny user subscribe users/${user_id}/devices/+/secret");
  EXPECT_EQ(answer->principal.id, "u1");
  EXPECT_EQ(answer->principal.clientid, "alice-app");
}

// Without a deciding rule, the built-in policy answers, with its reason; the decision is
// the same one AclPolicy::Check gives the hook.
TEST_F(AclExplainerTest, BuiltinPolicyAndTheHooksOwnDecision) {
  const ExplainQuery query{ExplainSubject::kDevice, "d1", Action::kPublish,
                           "users/u1/devices/d1/telemetry"};
  auto answer = Explainer().Explain(query);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->explanation.step, DecidingStep::kBuiltin);
  EXPECT_EQ(answer->explanation.rule_number, 0);
  const Decision direct = policy_.Check(answer->principal, query.action, query.topic, *fleet_);
  EXPECT_EQ(answer->explanation.decision.allow, direct.allow);
  EXPECT_EQ(answer->explanation.decision.reason, direct.reason);
  EXPECT_TRUE(direct.allow);
  EXPECT_EQ(answer->principal.owner_id, "u1");
}

// A refused topic and a refused principal are told apart from the policy's own answer.
TEST_F(AclExplainerTest, TopicAndPrincipalSteps) {
  auto wildcard = Explainer().Explain({ExplainSubject::kDevice, "d1", Action::kPublish, "a/#"});
  ASSERT_TRUE(wildcard.ok());
  EXPECT_EQ(wildcard->explanation.step, DecidingStep::kTopic);
  EXPECT_EQ(wildcard->explanation.decision.reason, Reason::kWildcardInPublish);
  auto revoked = Explainer().Explain(
      {ExplainSubject::kDevice, "d9", Action::kPublish, "users/u1/devices/d9/telemetry"});
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(revoked->explanation.step, DecidingStep::kPrincipal);
  EXPECT_EQ(revoked->explanation.decision.reason, Reason::kDeviceRevoked);
}

// A user named by id is resolved with their role; an admin reaches users/#.
TEST_F(AclExplainerTest, UsersResolveWithTheirRole) {
  auto admin = Explainer().Explain({ExplainSubject::kUser, "root", Action::kSubscribe, "users/#"});
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(admin->principal.kind, PrincipalKind::kAdmin);
  EXPECT_TRUE(admin->explanation.decision.allow);
  auto user = Explainer().Explain({ExplainSubject::kUser, "u1", Action::kSubscribe, "users/#"});
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->principal.kind, PrincipalKind::kUser);
  EXPECT_FALSE(user->explanation.decision.allow);
}

// Unknown names are NotFound; a clientid cannot be resolved without the hub's sessions;
// odd ids (SQL-looking, wildcards, slashes) are just unknown.
TEST_F(AclExplainerTest, UnknownPrincipals) {
  EXPECT_TRUE(absl::IsNotFound(
      Explainer().Explain({ExplainSubject::kClientId, "nobody", Action::kPublish, "a"}).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(
      Explainer(false)
          .Explain({ExplainSubject::kClientId, "alice-app", Action::kPublish, "a"})
          .status()));
  for (const char* id : {"x'; DROP TABLE users; --", "d1/#", "+", ""}) {
    EXPECT_TRUE(absl::IsNotFound(
        Explainer().Explain({ExplainSubject::kDevice, id, Action::kPublish, "a"}).status()))
        << id;
    EXPECT_TRUE(absl::IsNotFound(
        Explainer().Explain({ExplainSubject::kUser, id, Action::kPublish, "a"}).status()))
        << id;
  }
}

}  // namespace
}  // namespace iothub::acl
