// AclRuleBook and AclRulesView on a real SQLite store: configured rules first and
// read-only, database rules in their order, every change checked and audited in its
// transaction, bad inputs refused without a trace, and the policy in force rebuilt and
// swapped when the rules change -- also when another process changes them.
#include "registry/acl_rule_book.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "acl/explanation.h"
#include "registry/acl_rules_view.h"
#include "registry_fixture.h"

namespace iothub::registry {
namespace {

std::vector<acl::AclRule> ConfigRules() {
  const acl::AclRuleText texts[] = {{"allow", "device", "publish", "public/${device_id}"}};
  return *acl::ParseAclRules(texts);
}

AclRuleInput Deny(std::string topic, std::string who = "device") {
  return {.effect = "deny",
          .who = std::move(who),
          .action = "publish",
          .topic = std::move(topic),
          .description = ""};
}

Principal Device(std::string id, std::string owner = "") {
  Principal p;
  p.kind = PrincipalKind::kDevice;
  p.id = id;
  p.clientid = std::move(id);
  p.owner_id = std::move(owner);
  return p;
}

class AclRuleBookTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    book_ = std::make_unique<AclRuleBook>(*store_, clock_, ConfigRules(), [this] { ++changes_; });
    fleet_ = std::make_shared<FleetSnapshot>();
    DeviceRecord d1;
    d1.id = "d1";
    d1.status = DeviceStatus::kUnbound;
    fleet_->AddDevice(d1);
  }

  // The topics of every rule, in evaluation order.
  std::vector<std::string> Topics() {
    std::vector<std::string> out;
    auto listed = book_->List();
    EXPECT_TRUE(listed.ok()) << listed.status();
    if (listed.ok()) {
      for (const ListedAclRule& rule : *listed) out.push_back(rule.stored.topic);
    }
    return out;
  }

  std::unique_ptr<AclRuleBook> book_;
  std::shared_ptr<FleetSnapshot> fleet_;
};

// Configured rules come first, read-only and without an id; database rules follow in
// their order, with positions in the whole evaluation order.
TEST_F(AclRuleBookTest, ConfiguredRulesFirstThenDatabaseRules) {
  auto first = book_->Create(Deny("a/1"), std::nullopt, kActor);
  ASSERT_OK(first);
  EXPECT_EQ(first->position, 1);
  EXPECT_EQ(first->origin, acl::RuleOrigin::kDatabase);
  EXPECT_EQ(first->stored.updated_by, kActor);
  auto last = book_->Create(Deny("a/3"), std::nullopt, kActor);
  ASSERT_OK(last);
  ASSERT_OK(book_->Create(Deny("a/2"), last->stored.id, kActor));
  EXPECT_EQ(Topics(), (std::vector<std::string>{"public/${device_id}", "a/1", "a/2", "a/3"}));
  auto listed = book_->List();
  ASSERT_OK(listed);
  EXPECT_EQ((*listed)[0].origin, acl::RuleOrigin::kConfig);
  EXPECT_TRUE((*listed)[0].stored.id.empty());
  EXPECT_EQ((*listed)[3].position, 3);
  EXPECT_EQ(changes_, 3);
}

// Each change writes one audit row with the actor, the rule id and before/after.
TEST_F(AclRuleBookTest, ChangesAreAudited) {
  auto rule = book_->Create(Deny("a/1"), std::nullopt, kActor);
  ASSERT_OK(rule);
  const std::string id = rule->stored.id;
  ASSERT_OK(book_->Update(id, Deny("a/2"), "user:alice"));
  ASSERT_OK(book_->Create(Deny("b"), std::nullopt, kActor));
  ASSERT_OK(book_->Move(id, 1, kActor));
  ASSERT_OK(book_->Delete(id, "cli:root"));
  auto audit = store_->ListAudit(10);
  ASSERT_OK(audit);
  ASSERT_EQ(audit->size(), 5u);
  const store::AuditEntry& deleted = (*audit)[0];
  EXPECT_EQ(deleted.action, "acl.rule.delete");
  EXPECT_EQ(deleted.actor, "cli:root");
  EXPECT_EQ(deleted.target, id);
  const store::AuditEntry& moved = (*audit)[1];
  EXPECT_EQ(moved.action, "acl.rule.move");
  const auto move_details = nlohmann::json::parse(moved.details_json);
  EXPECT_EQ(move_details["before"]["position"], 0);
  EXPECT_EQ(move_details["after"]["position"], 1);
  const store::AuditEntry& updated = (*audit)[3];
  EXPECT_EQ(updated.action, "acl.rule.update");
  EXPECT_EQ(updated.actor, "user:alice");
  const auto details = nlohmann::json::parse(updated.details_json);
  EXPECT_EQ(details["before"]["topic"], "a/1");
  EXPECT_EQ(details["after"]["topic"], "a/2");
  EXPECT_EQ((*audit)[4].action, "acl.rule.create");
  EXPECT_TRUE(nlohmann::json::parse((*audit)[4].details_json)["before"].is_null());
}

// Every kind of bad input is refused with the field it concerns, and leaves no rule,
// no audit row and no change notification behind.
TEST_F(AclRuleBookTest, BadInputsChangeNothing) {
  std::string deep;
  for (int i = 0; i < 129; ++i) deep += i == 0 ? "l" : "/l";
  AclRuleInput long_description = Deny("a");
  long_description.description = std::string(kMaxAclRuleDescription + 1, 'x');
  AclRuleInput control_description = Deny("a");
  control_description.description = "line\nbreak";
  const std::pair<AclRuleInput, std::string> cases[] = {
      {{"permit", "device", "publish", "a", ""}, "effect"},
      {{"deny", "Device", "publish", "a", ""}, "who"},
      {{"deny", "device", "write", "a", ""}, "action"},
      {Deny("a/#/b"), "topic"},
      {Deny("a+/b"), "topic"},
      {Deny(""), "topic"},
      {Deny("a/${tenant}"), "topic"},
      {Deny("a/x${device_id}"), "topic"},
      {Deny(deep), "topic"},
      {Deny(std::string(kMaxAclRuleTopicBytes + 1, 'a')), "topic"},
      {Deny("$SYS/#"), "topic"},
      {Deny(std::string("a/\0b", 4)), "topic"},
      {long_description, "description"},
      {control_description, "description"},
  };
  for (const auto& [input, field] : cases) {
    const std::vector<AclRuleFieldProblem> problems = CheckAclRuleInput(input);
    ASSERT_FALSE(problems.empty()) << input.topic;
    EXPECT_EQ(problems.front().field, field) << input.topic;
    auto created = book_->Create(input, std::nullopt, kActor);
    EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument) << input.topic;
  }
  EXPECT_EQ(CheckAclRuleInput({"x", "y", "z", "a+", ""}).size(), 4u);
  EXPECT_EQ(book_->Create(Deny("a"), "no-such-rule", kActor).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Topics(), (std::vector<std::string>{"public/${device_id}"}));
  EXPECT_EQ(AuditCount(), 0);
  EXPECT_EQ(changes_, 0);
}

// SQL-looking text is a valid topic level and is stored and enforced verbatim.
TEST_F(AclRuleBookTest, SqlLookingTextIsJustText) {
  AclRuleInput input = Deny("x'); DROP TABLE acl_rules;--/${device_id}");
  input.description = "'; DELETE FROM audit_log; --";
  auto rule = book_->Create(input, std::nullopt, kActor);
  ASSERT_OK(rule);
  auto stored = store_->GetAclRule(rule->stored.id);
  ASSERT_OK(stored);
  EXPECT_EQ(stored->topic, input.topic);
  EXPECT_EQ(stored->description, input.description);
  auto loaded = book_->LoadPolicy();
  ASSERT_OK(loaded);
  EXPECT_FALSE(
      loaded->policy
          ->Check(Device("d1"), acl::Action::kPublish, "x'); DROP TABLE acl_rules;--/d1", *fleet_)
          .allow);
}

// Configured rules cannot be changed through the book; unknown ids are NotFound.
TEST_F(AclRuleBookTest, ConfiguredRulesAreReadOnly) {
  EXPECT_EQ(book_->Update("config-0", Deny("a"), kActor).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(book_->Delete("config-0", kActor).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(book_->Move("config-0", 0, kActor).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(book_->Update("config-1", Deny("a"), kActor).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(book_->Delete("nope", kActor).code(), absl::StatusCode::kNotFound);
  auto rule = book_->Create(Deny("a"), std::nullopt, kActor);
  ASSERT_OK(rule);
  EXPECT_EQ(book_->Move(rule->stored.id, 1, kActor).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AuditCount(), 1);
}

// The policy tries configured rules first, then database rules in order; the deciding
// rule is named with its origin and id; a hostile clientid never widens a placeholder.
TEST_F(AclRuleBookTest, PolicyOrderAndPlaceholders) {
  auto deny_all = book_->Create(Deny("public/#", "any"), std::nullopt, kActor);
  ASSERT_OK(deny_all);
  auto loaded = book_->LoadPolicy();
  ASSERT_OK(loaded);
  const acl::AclPolicy& policy = *loaded->policy;
  // The configured allow comes first and wins for the device's own level.
  acl::Explanation own =
      acl::Explain(policy, Device("d1"), acl::Action::kPublish, "public/d1", *fleet_);
  EXPECT_TRUE(own.decision.allow);
  EXPECT_EQ(own.rule_origin, acl::RuleOrigin::kConfig);
  EXPECT_EQ(own.rule_number, 1);
  EXPECT_TRUE(own.rule_id.empty());
  // Anything else under public/ falls to the database deny.
  acl::Explanation other =
      acl::Explain(policy, Device("d1"), acl::Action::kPublish, "public/d2", *fleet_);
  EXPECT_FALSE(other.decision.allow);
  EXPECT_EQ(other.rule_origin, acl::RuleOrigin::kDatabase);
  EXPECT_EQ(other.rule_id, deny_all->stored.id);
  EXPECT_EQ(other.rule_number, 2);
  // A device id holding '+' or '#' is refused before any rule; a user clientid with
  // wildcards matches no ${clientid} level.
  ASSERT_OK(
      book_->Create({"allow", "user", "subscribe", "inbox/${clientid}", ""}, std::nullopt, kActor));
  auto again = book_->LoadPolicy();
  ASSERT_OK(again);
  Principal user;
  user.kind = PrincipalKind::kUser;
  user.id = "u1";
  user.clientid = "+";
  EXPECT_FALSE(again->policy->Check(user, acl::Action::kSubscribe, "inbox/+", *fleet_).allow);
  user.clientid = "app-1";
  EXPECT_TRUE(again->policy->Check(user, acl::Action::kSubscribe, "inbox/app-1", *fleet_).allow);
  EXPECT_GT(again->version, loaded->version);
}

// The view swaps in a new policy after this process's change (Reload) and after
// another process's (Refresh, through DataVersion); a stored rule that no longer
// parses keeps the policy in force.
TEST_F(AclRuleBookTest, ViewFollowsChanges) {
  AclRulesView view(*book_, *store_);
  ASSERT_OK(view.Reload());
  const std::int64_t start = view.version();
  EXPECT_EQ(view.policy()->rules().size(), 1u);
  ASSERT_OK(book_->Create(Deny("a/1"), std::nullopt, kActor));
  ASSERT_OK(view.Reload());
  EXPECT_EQ(view.policy()->rules().size(), 2u);
  EXPECT_GT(view.version(), start);

  view.Refresh();  // first look at the data version
  auto other = store::SqliteStore::Open(DatabasePath(dir_.path() / "data").string());
  ASSERT_OK(other);
  AclRuleBook cli(**other, clock_, ConfigRules());
  ASSERT_OK(cli.Create(Deny("a/2"), std::nullopt, "cli:root"));
  view.Refresh();
  EXPECT_EQ(view.policy()->rules().size(), 3u);

  const std::shared_ptr<const acl::AclPolicy> before = view.policy();
  store::StoredAclRule hand_made;  // written past the checks, as by hand in SQL
  hand_made.id = "hand-made";
  hand_made.position = 2;
  hand_made.effect = "deny";
  hand_made.who = "device";
  hand_made.action = "publish";
  hand_made.topic = "a/${nope}";
  ASSERT_OK((*other)->InsertAclRule(hand_made));
  EXPECT_FALSE(view.Reload().ok());
  EXPECT_EQ(view.policy(), before);
}

}  // namespace
}  // namespace iothub::registry
