// /api/acl/rules (the agreed contract): rules in evaluation order with origin and
// position, admin-only changes answered in the contract's shapes, a problem per bad
// field, 404 / 409 / 400 for unknown ids, configured rules and bad indexes, and explain
// naming the deciding rule's id and origin.
#include <gtest/gtest.h>

#include "acl/explainer.h"
#include "registry/acl_rule_book.h"
#include "registry/acl_rules_view.h"
#include "unit/http/api_fixture.h"

namespace iothub::http::testing {
namespace {

class AclRulesRoutesTest : public ApiTest {
 protected:
  AclRulesRoutesTest() {
    MakeDevice("dev-1", alice_.id);
    const acl::AclRuleText texts[] = {{"allow", "device", "publish", "config/${device_id}"}};
    book_ = std::make_unique<registry::AclRuleBook>(*store_, clock_, *acl::ParseAclRules(texts),
                                                    [this] { view_->Reload().IgnoreError(); });
    view_ = std::make_unique<registry::AclRulesView>(*book_, *store_);
    EXPECT_TRUE(view_->Reload().ok());
    explainer_ = std::make_unique<acl::AclExplainer>(
        [this] { return view_->policy(); },
        [this] { return std::shared_ptr<const FleetSnapshot>(*store_->LoadFleet()); });
    Start({"127.0.0.1"}, [this](ApiContext& c) {
      c.acl_rules = book_.get();
      c.acl_explainer = explainer_.get();
    });
  }

  json Rule(const std::string& topic, const std::string& effect = "deny") {
    return {{"effect", effect}, {"who", "any"}, {"action", "publish"}, {"topic", topic}};
  }

  std::unique_ptr<registry::AclRuleBook> book_;
  std::unique_ptr<registry::AclRulesView> view_;
  std::unique_ptr<acl::AclExplainer> explainer_;
};

// Create answers 201 with the Rule; the list holds the configured rule first (no id,
// null times) and the database rules after it, each with its position.
TEST_F(AclRulesRoutesTest, CreateAndListInEvaluationOrder) {
  json body = Rule("a/b");
  body["description"] = "block a/b";
  Answer created = Post("/api/acl/rules", AdminToken(), body);
  ASSERT_EQ(created.status, 201) << created.text;
  const json& rule = created.body["rule"];
  EXPECT_EQ(rule["origin"], "database");
  EXPECT_EQ(rule["position"], 1);
  EXPECT_EQ(rule["description"], "block a/b");
  EXPECT_EQ(rule["updatedBy"], "admin-token");
  EXPECT_TRUE(rule["createdAt"].is_number_integer());
  Answer before = Post("/api/acl/rules", AdminJwt(),
                       {{"effect", "allow"},
                        {"who", "user"},
                        {"action", "all"},
                        {"topic", "x/#"},
                        {"before", rule["id"]}});
  ASSERT_EQ(before.status, 201) << before.text;
  EXPECT_EQ(before.body["rule"]["position"], 1);

  Answer listed = Get("/api/acl/rules", AdminToken());
  ASSERT_EQ(listed.status, 200) << listed.text;
  const json& rules = listed.body["rules"];
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_TRUE(rules[0]["id"].is_null());
  EXPECT_EQ(rules[0]["origin"], "config");
  EXPECT_EQ(rules[0]["topic"], "config/${device_id}");
  EXPECT_TRUE(rules[0]["createdAt"].is_null());
  EXPECT_TRUE(rules[0]["updatedBy"].is_null());
  EXPECT_EQ(rules[1]["topic"], "x/#");
  EXPECT_EQ(rules[2]["id"], rule["id"]);
  EXPECT_EQ(rules[2]["position"], 2);
}

// Update, move and delete; unknown ids are 404, configured rules 409, bad indexes 400.
TEST_F(AclRulesRoutesTest, UpdateMoveDelete) {
  const std::string first = Post("/api/acl/rules", AdminToken(), Rule("a")).body["rule"]["id"];
  const std::string second = Post("/api/acl/rules", AdminToken(), Rule("b")).body["rule"]["id"];
  Answer updated = Send("PUT", "/api/acl/rules/" + first, AdminToken(), Rule("a2", "allow").dump());
  ASSERT_EQ(updated.status, 200) << updated.text;
  EXPECT_EQ(updated.body["rule"]["topic"], "a2");
  EXPECT_EQ(updated.body["rule"]["effect"], "allow");

  Answer moved = Post("/api/acl/rules/" + second + "/move", AdminToken(), {{"index", 0}});
  ASSERT_EQ(moved.status, 200) << moved.text;
  ASSERT_EQ(moved.body["rules"].size(), 3u);
  EXPECT_EQ(moved.body["rules"][1]["id"], second);
  EXPECT_EQ(moved.body["rules"][2]["id"], first);
  for (int index : {2, -1}) {
    Answer bad = Post("/api/acl/rules/" + second + "/move", AdminToken(), {{"index", index}});
    EXPECT_EQ(bad.status, 400) << bad.text;
    EXPECT_EQ(bad.body["error"]["details"][0]["field"], "index") << bad.text;
  }

  EXPECT_EQ(Send("PUT", "/api/acl/rules/nope", AdminToken(), Rule("a").dump()).status, 404);
  EXPECT_EQ(Send("PUT", "/api/acl/rules/config-0", AdminToken(), Rule("a").dump()).status, 409);
  EXPECT_EQ(Delete("/api/acl/rules/config-0", AdminToken()).status, 409);
  EXPECT_EQ(Post("/api/acl/rules/nope/move", AdminToken(), {{"index", 0}}).status, 404);
  EXPECT_EQ(Delete("/api/acl/rules/" + first, AdminToken()).status, 204);
  EXPECT_EQ(Delete("/api/acl/rules/" + first, AdminToken()).status, 404);
  EXPECT_EQ(Get("/api/acl/rules", AdminToken()).body["rules"].size(), 2u);
}

// Users may neither read nor change rules.
TEST_F(AclRulesRoutesTest, AdminsOnly) {
  EXPECT_EQ(Get("/api/acl/rules", Alice()).status, 403);
  EXPECT_EQ(Post("/api/acl/rules", Alice(), Rule("a")).status, 403);
  EXPECT_EQ(Get("/api/acl/rules", AdminToken()).body["rules"].size(), 1u);
}

// Each bad field gets its own problem; nothing is stored.
TEST_F(AclRulesRoutesTest, BadRulesAreRefusedPerField) {
  std::string deep = "l";
  for (int i = 1; i < 129; ++i) deep += "/l";
  Answer all_bad = Post("/api/acl/rules", AdminToken(),
                        {{"effect", "maybe"},
                         {"who", "root"},
                         {"action", "read"},
                         {"topic", "a/#/b"},
                         {"description", std::string(501, 'd')}});
  ASSERT_EQ(all_bad.status, 400) << all_bad.text;
  std::set<std::string> fields;
  for (const json& detail : all_bad.body["error"]["details"]) fields.insert(detail["field"]);
  EXPECT_EQ(fields, (std::set<std::string>{"effect", "who", "action", "topic", "description"}));
  for (const json& body :
       {Rule("a/${tenant}"), Rule(deep), Rule("a+"), Rule("a/x${clientid}"),
        json{{"effect", "deny"}},
        json{{"effect", "deny"}, {"who", "any"}, {"action", "all"}, {"topic", 5}},
        json{{"effect", "deny"}, {"who", "any"}, {"action", "all"}, {"topic", "a"}, {"x", 1}}}) {
    Answer bad = Post("/api/acl/rules", AdminToken(), body);
    EXPECT_EQ(bad.status, 400) << body.dump() << " -> " << bad.text;
  }
  json unknown_before = Rule("a");
  unknown_before["before"] = "'; DROP TABLE acl_rules; --";
  Answer bad_before = Post("/api/acl/rules", AdminToken(), unknown_before);
  EXPECT_EQ(bad_before.status, 400) << bad_before.text;
  EXPECT_EQ(bad_before.body["error"]["details"][0]["field"], "before");
  EXPECT_EQ(Get("/api/acl/rules", AdminToken()).body["rules"].size(), 1u);
  auto audit = store_->ListAudit(100);
  ASSERT_TRUE(audit.ok());
  for (const store::AuditEntry& entry : *audit) EXPECT_FALSE(entry.action.starts_with("acl."));
}

// Explain names the rule that decided with its id and origin.
TEST_F(AclRulesRoutesTest, ExplainNamesRuleIdAndOrigin) {
  const std::string topic = "users/" + alice_.id + "/devices/dev-1/blocked";
  const std::string id = Post("/api/acl/rules", AdminToken(), Rule(topic)).body["rule"]["id"];
  Answer denied = Post("/api/acl/explain", AdminToken(),
                       {{"deviceId", "dev-1"}, {"action", "publish"}, {"topic", topic}});
  ASSERT_EQ(denied.status, 200) << denied.text;
  EXPECT_EQ(denied.body["allow"], false);
  EXPECT_EQ(denied.body["rule"]["id"], id);
  EXPECT_EQ(denied.body["rule"]["origin"], "database");
  EXPECT_EQ(denied.body["rule"]["number"], 2);
  Answer config = Post("/api/acl/explain", AdminToken(),
                       {{"deviceId", "dev-1"}, {"action", "publish"}, {"topic", "config/dev-1"}});
  ASSERT_EQ(config.status, 200) << config.text;
  EXPECT_TRUE(config.body["rule"]["id"].is_null());
  EXPECT_EQ(config.body["rule"]["origin"], "config");
}

}  // namespace
}  // namespace iothub::http::testing
