#include "acl/acl_rule.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace iothub::acl {
namespace {

using ::testing::HasSubstr;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

// A well-formed rule converts field by field, placeholders kept as written.
TEST(ParseAclRuleTest, ParsesValidRule) {
  absl::StatusOr<AclRule> rule =
      ParseAclRule({.effect = "allow",
                    .who = "device",
                    .action = "publish",
                    .pattern = "users/${user_id}/devices/${device_id}/debug"});
  ASSERT_TRUE(rule.ok()) << rule.status();
  EXPECT_EQ(rule->effect, Effect::kAllow);
  EXPECT_EQ(rule->who, Who::kDevice);
  EXPECT_EQ(rule->action, RuleAction::kPublish);
  EXPECT_EQ(rule->pattern, "users/${user_id}/devices/${device_id}/debug");
}

// Every keyword of every field is accepted.
TEST(ParseAclRuleTest, AcceptsAllKeywords) {
  for (const char* effect : {"allow", "deny"}) {
    for (const char* who : {"any", "device", "user", "admin", "service"}) {
      for (const char* action : {"publish", "subscribe", "all"}) {
        EXPECT_TRUE(
            ParseAclRule({.effect = effect, .who = who, .action = action, .pattern = "a/#"}).ok())
            << effect << " " << who << " " << action;
      }
    }
  }
  EXPECT_TRUE(ParseAclRule({"deny", "any", "all", "${clientid}/${username}/+/#"}).ok());
}

// Unknown keywords (matching is case-sensitive) name the field and the bad value.
TEST(ParseAclRuleTest, RejectsUnknownKeywords) {
  const absl::Status effect = ParseAclRule({"permit", "any", "all", "a"}).status();
  EXPECT_EQ(effect.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(effect), HasSubstr("unknown effect \"permit\""));
  EXPECT_THAT(Message(ParseAclRule({"Allow", "any", "all", "a"}).status()),
              HasSubstr("unknown effect"));
  EXPECT_THAT(Message(ParseAclRule({"allow", "robot", "all", "a"}).status()),
              HasSubstr("unknown who \"robot\""));
  EXPECT_THAT(Message(ParseAclRule({"allow", "any", "read", "a"}).status()),
              HasSubstr("unknown action \"read\""));
}

// Patterns must be valid topic filters; the message quotes the pattern and the reason.
TEST(ParseAclRuleTest, RejectsInvalidPatterns) {
  EXPECT_THAT(Message(ParseAclRule({"allow", "any", "all", "a/#/b"}).status()),
              HasSubstr("'#' must be the whole last level"));
  EXPECT_THAT(Message(ParseAclRule({"allow", "any", "all", "a+"}).status()),
              HasSubstr("'+' must be a whole level"));
  EXPECT_THAT(Message(ParseAclRule({"allow", "any", "all", ""}).status()),
              HasSubstr("it is empty"));
  EXPECT_THAT(Message(ParseAclRule({"allow", "any", "all", "a/#/b"}).status()),
              HasSubstr("pattern \"a/#/b\""));
}

// A pattern deeper than kMaxAclPatternLevels is refused (fuzz finding: a 64 KB pattern of
// '/' overflowed the stack in the rule trie's walk); the limit itself is accepted.
TEST(ParseAclRuleTest, RejectsPatternsWithTooManyLevels) {
  const std::string deepest(kMaxAclPatternLevels - 1, '/');  // 128 empty levels
  EXPECT_TRUE(ParseAclRule({"allow", "any", "all", deepest}).ok());
  EXPECT_TRUE(ParseAclRule({"allow", "any", "all", deepest + "#"}).ok());
  EXPECT_THAT(Message(ParseAclRule({"allow", "any", "all", deepest + "/"}).status()),
              HasSubstr("more than 128 levels"));
  const std::string crash_input(65000, '/');
  const auto status = ParseAclRules(std::vector<AclRuleText>{{"deny", "any", "all", crash_input}});
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(Message(status.status()), HasSubstr("acl rule #1: pattern"));
  EXPECT_LT(status.status().message().size(), 200u);  // the pattern is not echoed whole
}

// Unknown placeholders and placeholders that are not a whole level are refused.
TEST(ParseAclRuleTest, RejectsBadPlaceholders) {
  EXPECT_THAT(Message(ParseAclRule({"allow", "any", "all", "x/${tenant}/y"}).status()),
              HasSubstr("unknown placeholder \"${tenant}\""));
  EXPECT_THAT(Message(ParseAclRule({"allow", "any", "all", "x/${ClientId}"}).status()),
              HasSubstr("unknown placeholder"));
  EXPECT_THAT(Message(ParseAclRule({"allow", "any", "all", "x/dev-${clientid}"}).status()),
              HasSubstr("whole level"));
  EXPECT_THAT(Message(ParseAclRule({"allow", "any", "all", "x/${clientid"}).status()),
              HasSubstr("whole level"));
  // A '$' that does not open a placeholder is an ordinary character.
  EXPECT_TRUE(ParseAclRule({"allow", "any", "all", "x/$price/{y}"}).ok());
}

// $SYS patterns are refused for principals that can never get $SYS.
TEST(ParseAclRuleTest, RejectsSysForNonAdmins) {
  for (const char* who : {"device", "user", "service"}) {
    EXPECT_THAT(Message(ParseAclRule({"allow", who, "subscribe", "$SYS/#"}).status()),
                HasSubstr("admins only"))
        << who;
  }
  EXPECT_TRUE(ParseAclRule({"deny", "admin", "subscribe", "$SYS/brokers/#"}).ok());
  EXPECT_TRUE(ParseAclRule({"deny", "any", "subscribe", "$SYS/#"}).ok());
}

// ParseAclRules keeps order and numbers the failing rule from 1.
TEST(ParseAclRulesTest, NumbersTheFailingRule) {
  const std::vector<AclRuleText> good = {{"allow", "any", "all", "a"},
                                         {"deny", "user", "publish", "b/#"}};
  absl::StatusOr<std::vector<AclRule>> rules = ParseAclRules(good);
  ASSERT_TRUE(rules.ok());
  ASSERT_EQ(rules->size(), 2u);
  EXPECT_EQ((*rules)[1].pattern, "b/#");

  const std::vector<AclRuleText> bad = {{"allow", "any", "all", "a"},
                                        {"allow", "any", "all", "b/${nope}"}};
  const absl::Status status = ParseAclRules(bad).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(status), HasSubstr("acl rule #2: pattern \"b/${nope}\""));
}

// CheckAclRule reports every bad field at once, with the field's name, and nothing for
// a valid rule; ParseAclRule's message is its first problem.
TEST(CheckAclRuleTest, OneProblemPerBadField) {
  EXPECT_TRUE(CheckAclRule({"deny", "device", "publish", "a/${device_id}"}).empty());
  const std::vector<AclRuleProblem> problems = CheckAclRule({"nope", "root", "read", "a/#/b"});
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(problems[0].field, "effect");
  EXPECT_EQ(problems[1].field, "who");
  EXPECT_EQ(problems[2].field, "action");
  EXPECT_EQ(problems[3].field, "pattern");
  EXPECT_THAT(Message(ParseAclRule({"nope", "root", "read", "a/#/b"}).status()),
              HasSubstr(problems[0].problem));
  // The $SYS check uses `who` when it is known.
  const std::vector<AclRuleProblem> sys = CheckAclRule({"allow", "user", "all", "$SYS/#"});
  ASSERT_EQ(sys.size(), 1u);
  EXPECT_EQ(sys[0].field, "pattern");
}

// A parsed rule comes from the configuration until the caller says otherwise.
TEST(ParseAclRuleTest, ParsedRulesAreConfigRules) {
  absl::StatusOr<AclRule> rule = ParseAclRule({"allow", "any", "all", "a"});
  ASSERT_TRUE(rule.ok());
  EXPECT_EQ(rule->origin, RuleOrigin::kConfig);
  EXPECT_TRUE(rule->id.empty());
  EXPECT_EQ(ToString(RuleOrigin::kDatabase), "database");
}

}  // namespace
}  // namespace iothub::acl
