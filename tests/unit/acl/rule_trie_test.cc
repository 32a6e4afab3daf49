#include "acl/rule_trie.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "acl/topic.h"

namespace iothub::acl {
namespace {

using namespace std::string_view_literals;

AclRule Rule(std::string_view pattern, Who who = Who::kAny, RuleAction action = RuleAction::kAll,
             Effect effect = Effect::kAllow) {
  return {.effect = effect, .who = who, .action = action, .pattern = std::string(pattern)};
}

std::optional<std::size_t> Find(const RuleTrie& trie, std::string_view topic,
                                Action action = Action::kPublish,
                                const PlaceholderValues& values = {},
                                PrincipalKind kind = PrincipalKind::kUser) {
  return trie.FindFirst(kind, action, topic, values);
}

// The lowest-numbered applicable rule wins, wherever it sits in the trie.
TEST(RuleTrieTest, ReturnsLowestIndex) {
  const RuleTrie trie({Rule("a/b/c"), Rule("a/#"), Rule("a/+/c"), Rule("#")});
  EXPECT_EQ(Find(trie, "a/b/c"), 0u);
  EXPECT_EQ(Find(trie, "a/x/c"), 1u);
  EXPECT_EQ(Find(trie, "a"), 1u);
  EXPECT_EQ(Find(trie, "b"), 3u);
  const RuleTrie reversed({Rule("#"), Rule("a/+/c"), Rule("a/#"), Rule("a/b/c")});
  EXPECT_EQ(Find(reversed, "a/b/c"), 0u);
}

// Rules apply only to their principal kinds and actions.
TEST(RuleTrieTest, FiltersByWhoAndAction) {
  const RuleTrie trie({Rule("t", Who::kDevice, RuleAction::kPublish),
                       Rule("t", Who::kUser, RuleAction::kSubscribe),
                       Rule("t", Who::kAny, RuleAction::kAll)});
  EXPECT_EQ(Find(trie, "t", Action::kPublish, {}, PrincipalKind::kDevice), 0u);
  EXPECT_EQ(Find(trie, "t", Action::kSubscribe, {}, PrincipalKind::kDevice), 2u);
  EXPECT_EQ(Find(trie, "t", Action::kSubscribe, {}, PrincipalKind::kUser), 1u);
  EXPECT_EQ(Find(trie, "t", Action::kPublish, {}, PrincipalKind::kUser), 2u);
  EXPECT_EQ(Find(trie, "t", Action::kPublish, {}, PrincipalKind::kAdmin), 2u);
  const RuleTrie admin_only({Rule("t", Who::kAdmin)});
  EXPECT_EQ(Find(admin_only, "t", Action::kPublish, {}, PrincipalKind::kService), std::nullopt);
  EXPECT_EQ(Find(admin_only, "t", Action::kPublish, {}, PrincipalKind::kAdmin), 0u);
}

// No rules, no match.
TEST(RuleTrieTest, EmptyTrieMatchesNothing) {
  const RuleTrie trie;
  EXPECT_TRUE(trie.empty());
  EXPECT_EQ(Find(trie, "a"), std::nullopt);
}

// A placeholder matches exactly the level equal to its value, at any position.
TEST(RuleTrieTest, PlaceholdersMatchTheirValue) {
  const RuleTrie trie(
      {Rule("in/${clientid}/#"), Rule("${username}/x"), Rule("u/${user_id}/d/${device_id}")});
  PlaceholderValues values;
  values.Set(Placeholder::kClientId, "c1");
  values.Set(Placeholder::kUsername, "alice");
  values.Set(Placeholder::kUserId, "u1");
  values.Set(Placeholder::kDeviceId, "d1");
  EXPECT_EQ(Find(trie, "in/c1", Action::kPublish, values), 0u);
  EXPECT_EQ(Find(trie, "in/c1/a/b", Action::kPublish, values), 0u);
  EXPECT_EQ(Find(trie, "in/c2/a", Action::kPublish, values), std::nullopt);
  EXPECT_EQ(Find(trie, "alice/x", Action::kPublish, values), 1u);
  EXPECT_EQ(Find(trie, "bob/x", Action::kPublish, values), std::nullopt);
  EXPECT_EQ(Find(trie, "u/u1/d/d1", Action::kPublish, values), 2u);
  EXPECT_EQ(Find(trie, "u/u1/d/d2", Action::kPublish, values), std::nullopt);
  // Unset placeholders match nothing, not even an empty level.
  EXPECT_EQ(Find(trie, "u/u1/d/", Action::kPublish, PlaceholderValues{}), std::nullopt);
  EXPECT_EQ(Find(trie, "in//x", Action::kPublish, PlaceholderValues{}), std::nullopt);
}

// Values holding '+', '#', '/', NUL or nothing never match: they cannot widen a rule.
TEST(RuleTrieTest, UnsafePlaceholderValuesNeverMatch) {
  const RuleTrie trie({Rule("in/${clientid}"), Rule("in/${clientid}/x")});
  for (std::string_view bad : {"+"sv, "#"sv, "a/b"sv, "/"sv, ""sv, "a\0b"sv, "a+"sv, "#a"sv}) {
    PlaceholderValues values;
    values.Set(Placeholder::kClientId, bad);
    EXPECT_EQ(values.Get(Placeholder::kClientId), "");
    const std::string own = "in/" + std::string(bad);
    EXPECT_EQ(Find(trie, own, Action::kPublish, values), std::nullopt) << own;
    EXPECT_EQ(Find(trie, own + "/x", Action::kPublish, values), std::nullopt) << own;
    for (std::string_view filter : {"in/+", "in/#", "in/+/x", "#", "in/a/b"}) {
      EXPECT_EQ(Find(trie, filter, Action::kSubscribe, values), std::nullopt) << filter;
    }
  }
}

// A 65,000-byte value matches only that exact level.
TEST(RuleTrieTest, HugePlaceholderValueMatchesOnlyItself) {
  const RuleTrie trie({Rule("in/${clientid}")});
  const std::string huge(65000, 'c');
  PlaceholderValues values;
  values.Set(Placeholder::kClientId, huge);
  EXPECT_EQ(Find(trie, "in/" + huge, Action::kPublish, values), 0u);
  EXPECT_EQ(Find(trie, "in/" + huge + "c", Action::kPublish, values), std::nullopt);
  EXPECT_EQ(Find(trie, "in/c", Action::kPublish, values), std::nullopt);
  EXPECT_EQ(Find(trie, "in/+", Action::kSubscribe, values), std::nullopt);
}

// '$' topics are out of reach of leading wildcards and of placeholders at the first level.
TEST(RuleTrieTest, DollarTopicsNeedALiteralFirstLevel) {
  const RuleTrie trie({Rule("#"), Rule("+/x"), Rule("${clientid}/#"), Rule("$SYS/x")});
  PlaceholderValues values;
  values.Set(Placeholder::kClientId, "$SYS");
  EXPECT_EQ(Find(trie, "$SYS/x", Action::kPublish, values), 3u);
  EXPECT_EQ(Find(trie, "$SYS/y", Action::kPublish, values), std::nullopt);
  EXPECT_EQ(Find(trie, "$SYS/#", Action::kSubscribe, values), std::nullopt);
  EXPECT_EQ(Find(trie, "a/x", Action::kPublish, values), 0u);
}

// SUBSCRIBE needs the pattern to cover the whole filter.
TEST(RuleTrieTest, SubscribeRequiresCoverage) {
  const RuleTrie trie({Rule("users/${user_id}/#"), Rule("pub/+/x")});
  PlaceholderValues values;
  values.Set(Placeholder::kUserId, "u1");
  EXPECT_EQ(Find(trie, "users/u1/devices/+/telemetry", Action::kSubscribe, values), 0u);
  EXPECT_EQ(Find(trie, "users/u1", Action::kSubscribe, values), 0u);
  EXPECT_EQ(Find(trie, "users/+/devices/d", Action::kSubscribe, values), std::nullopt);
  EXPECT_EQ(Find(trie, "users/#", Action::kSubscribe, values), std::nullopt);
  EXPECT_EQ(Find(trie, "pub/+/x", Action::kSubscribe, values), 1u);
  EXPECT_EQ(Find(trie, "pub/a/x", Action::kSubscribe, values), 1u);
  EXPECT_EQ(Find(trie, "pub/#", Action::kSubscribe, values), std::nullopt);
  const RuleTrie plus_hash({Rule("+/#")});
  EXPECT_EQ(Find(plus_hash, "#", Action::kSubscribe), 0u);
}

// Without placeholders, the trie agrees with a linear scan using TopicMatches (publish)
// and FilterCoveredBy (subscribe).
TEST(RuleTrieTest, AgreesWithLinearScan) {
  const std::vector<std::string_view> patterns = {
      "a/b/c", "a/+/c", "a/#", "+/b/#",  "#",      "a//c",    "/#",      "+", "+/+",
      "a/b",   "a/b/",  "+/#", "$SYS/#", "$SYS/+", "x/y/z/#", "a/+/+/#", "/", "+/b/c"};
  const std::vector<std::string_view> inputs = {
      "a",    "a/b",    "a/b/c",    "a/x/c", "a//c",  "/",      "/a",      "b/b/c",  "a/b/",
      "$SYS", "$SYS/x", "$SYS/x/y", "x/y/z", "q",     "a/+",    "a/#",     "+/b/c",  "#",
      "+/#",  "+",      "a/+/c",    "/#",    "a/b/#", "$SYS/#", "x/y/z/+", "a/+/+/+"};
  for (std::size_t skip = 0; skip < patterns.size(); ++skip) {
    std::vector<AclRule> rules;
    for (std::size_t i = skip; i < patterns.size(); ++i) rules.push_back(Rule(patterns[i]));
    const RuleTrie trie(rules);
    for (std::string_view input : inputs) {
      for (Action action : {Action::kPublish, Action::kSubscribe}) {
        if (action == Action::kPublish && CheckTopicName(input) != TopicError::kOk) continue;
        std::optional<std::size_t> expected;
        for (std::size_t i = 0; i < rules.size() && !expected; ++i) {
          if (FilterCoveredBy(rules[i].pattern, input)) expected = i;
        }
        EXPECT_EQ(Find(trie, input, action), expected)
            << "input \"" << input << "\" action " << ToString(action) << " skip " << skip;
      }
    }
  }
}

// Lookups stay correct with many rules sharing prefixes.
TEST(RuleTrieTest, ManyRules) {
  std::vector<AclRule> rules;
  for (int i = 0; i < 10000; ++i) {
    rules.push_back(Rule("tenants/t" + std::to_string(i) + "/+/data", Who::kUser,
                         RuleAction::kPublish, i % 2 ? Effect::kDeny : Effect::kAllow));
  }
  rules.push_back(Rule("tenants/#", Who::kUser, RuleAction::kPublish));
  const RuleTrie trie(std::move(rules));
  EXPECT_EQ(Find(trie, "tenants/t4321/x/data"), 4321u);
  EXPECT_EQ(Find(trie, "tenants/t4321/x/other"), 10000u);
  EXPECT_EQ(Find(trie, "tenants/t4321/x/data", Action::kSubscribe), std::nullopt);
  EXPECT_EQ(Find(trie, "other"), std::nullopt);
}

// The fuzzer's crash input (rule and topic of 65000 '/'), cut to the deepest pattern that
// ParseAclRule lets through: the walk recurses once per pattern level and answers.
TEST(RuleTrieTest, DeepestAllowedPatternMatches) {
  const std::string pattern(kMaxAclPatternLevels - 1, '/');
  const RuleTrie trie({Rule(pattern)});
  EXPECT_EQ(Find(trie, pattern), 0u);
  EXPECT_EQ(Find(trie, std::string(65000, '/')), std::nullopt);
  EXPECT_EQ(Find(trie, pattern, Action::kSubscribe), 0u);
}

}  // namespace
}  // namespace iothub::acl
