// POST /api/acl/explain: admins only; exactly one principal, an action and a topic; the
// answer is the policy's decision with the step or rule that made it.
#include <gtest/gtest.h>

#include "acl/explainer.h"
#include "unit/http/api_fixture.h"

namespace iothub::http::testing {
namespace {

class AclRoutesTest : public ApiTest {
 protected:
  AclRoutesTest() {
    MakeDevice("dev-1", alice_.id);
    auto fleet = store_->LoadFleet();
    EXPECT_TRUE(fleet.ok()) << fleet.status();
    fleet_ = *std::move(fleet);
    const acl::AclRuleText texts[] = {{"deny", "any", "publish", "users/+/devices/+/blocked"}};
    policy_ = std::make_unique<acl::AclPolicy>(*acl::ParseAclRules(texts));
    explainer_ = std::make_unique<acl::AclExplainer>(*policy_, [this] { return fleet_; });
    Start({"127.0.0.1"}, [this](ApiContext& c) { c.acl_explainer = explainer_.get(); });
  }

  std::shared_ptr<const FleetSnapshot> fleet_;
  std::unique_ptr<acl::AclPolicy> policy_;
  std::unique_ptr<acl::AclExplainer> explainer_;
};

// A configured deny rule that decides is named by number and text; without one the
// built-in policy decides.
TEST_F(AclRoutesTest, ExplainsRuleAndBuiltinDecisions) {
  const std::string base = "users/" + alice_.id + "/devices/dev-1/";
  Answer denied = Post("/api/acl/explain", AdminToken(),
                       {{"deviceId", "dev-1"}, {"action", "publish"}, {"topic", base + "blocked"}});
  ASSERT_EQ(denied.status, 200) << denied.text;
  EXPECT_EQ(denied.body["allow"], false);
  EXPECT_EQ(denied.body["reason"], "rule_deny");
  EXPECT_EQ(denied.body["decidedBy"], "rule");
  EXPECT_EQ(denied.body["rule"]["number"], 1);
  EXPECT_EQ(denied.body["rule"]["text"], "deny any publish users/+/devices/+/blocked");
  EXPECT_EQ(denied.body["principal"]["kind"], "device");
  EXPECT_EQ(denied.body["principal"]["ownerId"], alice_.id);

  Answer allowed =
      Post("/api/acl/explain", AdminJwt(),
           {{"deviceId", "dev-1"}, {"action", "publish"}, {"topic", base + "telemetry"}});
  ASSERT_EQ(allowed.status, 200) << allowed.text;
  EXPECT_EQ(allowed.body["allow"], true);
  EXPECT_EQ(allowed.body["decidedBy"], "builtin");
  EXPECT_TRUE(allowed.body["rule"].is_null());

  Answer user = Post("/api/acl/explain", AdminToken(),
                     {{"userId", bob_.id}, {"action", "subscribe"}, {"topic", base + "#"}});
  ASSERT_EQ(user.status, 200) << user.text;
  EXPECT_EQ(user.body["allow"], false);
  EXPECT_EQ(user.body["reason"], "other_user_prefix");
}

// Only admins may ask.
TEST_F(AclRoutesTest, UsersMayNotAsk) {
  Answer answer = Post("/api/acl/explain", Alice(),
                       {{"deviceId", "dev-1"}, {"action", "publish"}, {"topic", "a"}});
  EXPECT_EQ(answer.status, 403) << answer.text;
}

// Bad queries get 400 naming the field; unknown principals 404; odd ids are just unknown.
TEST_F(AclRoutesTest, BadQueries) {
  for (const json& body :
       {json{{"action", "publish"}, {"topic", "a"}},
        json{{"deviceId", "dev-1"}, {"userId", "u"}, {"action", "publish"}, {"topic", "a"}},
        json{{"deviceId", "dev-1"}, {"action", "read"}, {"topic", "a"}},
        json{{"deviceId", "dev-1"}, {"action", "publish"}, {"topic", ""}},
        json{{"deviceId", ""}, {"action", "publish"}, {"topic", "a"}}}) {
    Answer answer = Post("/api/acl/explain", AdminToken(), body);
    EXPECT_EQ(answer.status, 400) << body.dump() << " -> " << answer.text;
    EXPECT_TRUE(answer.body["error"]["details"].is_array()) << answer.text;
  }
  for (const char* id : {"nope", "x'; DROP TABLE devices; --", "dev-1/#", "+"}) {
    Answer answer = Post("/api/acl/explain", AdminToken(),
                         {{"deviceId", id}, {"action", "publish"}, {"topic", "a"}});
    EXPECT_EQ(answer.status, 404) << id << " -> " << answer.text;
  }
  Answer clientid = Post("/api/acl/explain", AdminToken(),
                         {{"clientid", "ghost"}, {"action", "publish"}, {"topic", "a"}});
  EXPECT_EQ(clientid.status, 409) << clientid.text;  // no sessions behind this explainer
}

// A server without an explainer answers 503, not a guess.
TEST_F(AclRoutesTest, WithoutAnExplainerIs503) {
  Start({"127.0.0.1"});
  Answer answer = Post("/api/acl/explain", AdminToken(),
                       {{"deviceId", "dev-1"}, {"action", "publish"}, {"topic", "a"}});
  EXPECT_EQ(answer.status, 503) << answer.text;
}

}  // namespace
}  // namespace iothub::http::testing
