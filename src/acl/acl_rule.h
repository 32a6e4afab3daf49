// AclRule: one extra authorization rule from the configuration, e.g.
//   {effect = "deny", who = "device", action = "publish", pattern =
//   "users/+/devices/${device_id}/debug"}
// and ParseAclRule, which turns the configured strings into a checked rule. Plain values
// and pure functions; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace iothub::acl {

// What a client asks to do (client.authorize's PUBLISH or SUBSCRIBE).
enum class Action { kPublish, kSubscribe };

enum class Effect { kAllow, kDeny };

// Which principals a rule applies to (kAny: every PrincipalKind).
enum class Who { kAny, kDevice, kUser, kAdmin, kService };

// Which actions a rule applies to.
enum class RuleAction { kPublish, kSubscribe, kAll };

// Where a rule comes from: the configuration file (read-only, tried first) or the
// database (managed at runtime, tried after the configured ones).
enum class RuleOrigin { kConfig, kDatabase };

std::string_view ToString(Action action);
std::string_view ToString(Effect effect);
std::string_view ToString(Who who);
std::string_view ToString(RuleAction action);
std::string_view ToString(RuleOrigin origin);  // "config" | "database"

struct AclRule {
  Effect effect = Effect::kDeny;
  Who who = Who::kAny;
  RuleAction action = RuleAction::kAll;
  // A valid topic filter whose levels may also be placeholders (see placeholder.h).
  // For PUBLISH the rule applies when it matches the topic; for SUBSCRIBE when it covers
  // the whole filter (FilterCoveredBy), so "users/${user_id}/#" allows subscribing
  // "users/u1/devices/+/telemetry" for u1 but not "users/+/devices/d".
  std::string pattern;
  // Provenance, for explanations and listings; no effect on matching.
  RuleOrigin origin = RuleOrigin::kConfig;
  std::string id;  // a database rule's id; empty for a configured rule
};

// A rule as written in the configuration, before checking. Views; nothing is owned.
struct AclRuleText {
  std::string_view effect;   // "allow" | "deny"
  std::string_view who;      // "any" | "device" | "user" | "admin" | "service"
  std::string_view action;   // "publish" | "subscribe" | "all"
  std::string_view pattern;  // a topic filter with optional placeholder levels
};

// Most levels a rule pattern may have. The rule trie is walked recursively, one call per
// level, so an unbounded pattern (a 64 KB one of '/' has 65537 levels) could overflow the
// stack on the first lookup. 128 is EMQX's default mqtt.max_topic_levels.
inline constexpr std::size_t kMaxAclPatternLevels = 128;

// Checks and converts one rule. InvalidArgument, with a message naming the bad field and
// value, when: a keyword is unknown (matching is exact and case-sensitive); the pattern
// is not a valid topic filter; a level holds "${" but is not exactly one of the four
// placeholders (an unknown name, or a placeholder inside a longer level); the pattern has
// more than kMaxAclPatternLevels levels; or a rule for
// devices, users or services names "$SYS" (no rule can open $SYS to non-admins).
absl::StatusOr<AclRule> ParseAclRule(const AclRuleText& text);

// One problem with one field of a rule: field is "effect", "who", "action" or "pattern".
struct AclRuleProblem {
  std::string_view field;
  std::string problem;
};

// The checks of ParseAclRule, field by field: every problem, in field order (empty when
// the rule is valid), so that an API can report each bad field at once.
std::vector<AclRuleProblem> CheckAclRule(const AclRuleText& text);

// Parses every rule in order; the first failure is returned as "acl rule #N: ...".
absl::StatusOr<std::vector<AclRule>> ParseAclRules(std::span<const AclRuleText> texts);

}  // namespace iothub::acl
