#include "acl/acl_rule.h"

#include <array>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "acl/placeholder.h"
#include "acl/topic.h"
#include "acl/topic_levels.h"

namespace iothub::acl {
namespace {

// absl::StrCat does not take std::string_view with Debian's Abseil (its string_view is
// its own type), so messages are joined by hand.
std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) out += part;
  return out;
}

template <typename Enum, std::size_t N>
std::optional<Enum> ParseKeyword(std::string_view text, const std::array<Enum, N>& values) {
  for (Enum value : values) {
    if (text == ToString(value)) return value;
  }
  return std::nullopt;
}

std::string UnknownKeyword(std::string_view field, std::string_view value,
                           std::string_view expected) {
  return Cat({"unknown ", field, " \"", value, "\" (expected ", expected, ")"});
}

std::string BadPattern(std::string_view pattern, std::string_view why) {
  return Cat({"pattern \"", pattern, "\": ", why});
}

// Why `pattern` is not a valid rule pattern for `who`, or nullopt.
std::optional<std::string> CheckPattern(std::string_view pattern, Who who) {
  if (const TopicError error = CheckTopicFilter(pattern); error != TopicError::kOk) {
    return BadPattern(pattern, ToString(error));
  }
  TopicLevels levels(pattern);
  std::string_view level;
  std::size_t count = 0;
  while (levels.Next(&level)) {
    if (++count > kMaxAclPatternLevels) {
      // Quote only the start: such a pattern may be 64 KB.
      return BadPattern(Cat({pattern.substr(0, 64), "..."}),
                        Cat({"more than ", std::to_string(kMaxAclPatternLevels), " levels"}));
    }
    if (level.find("${") == std::string_view::npos) continue;
    if (ParsePlaceholder(level)) continue;
    if (level.starts_with("${") && level.ends_with("}")) {
      return BadPattern(pattern, Cat({"unknown placeholder \"", level,
                                      "\" (known: ${clientid}, ${username}, ${device_id}, "
                                      "${user_id})"}));
    }
    return BadPattern(pattern,
                      Cat({"a placeholder must be a whole level, not part of \"", level, "\""}));
  }
  if (IsSysTopic(pattern) && who != Who::kAny && who != Who::kAdmin) {
    return BadPattern(pattern, Cat({"$SYS topics are for admins only; a rule for who = ",
                                    ToString(who), " could never apply"}));
  }
  return std::nullopt;
}

absl::Status Prefixed(std::string_view message, std::string_view prefix) {
  return absl::InvalidArgumentError(Cat({prefix, message}));
}

constexpr std::array kEffects{Effect::kAllow, Effect::kDeny};
constexpr std::array kWhos{Who::kAny, Who::kDevice, Who::kUser, Who::kAdmin, Who::kService};
constexpr std::array kRuleActions{RuleAction::kPublish, RuleAction::kSubscribe, RuleAction::kAll};

// The rule, or its first problem's message.
absl::StatusOr<AclRule> ParseRule(const AclRuleText& text, std::string_view prefix) {
  std::vector<AclRuleProblem> problems = CheckAclRule(text);
  if (!problems.empty()) return Prefixed(problems.front().problem, prefix);
  AclRule rule;  // field by field: origin and id keep their defaults
  rule.effect = *ParseKeyword(text.effect, kEffects);
  rule.who = *ParseKeyword(text.who, kWhos);
  rule.action = *ParseKeyword(text.action, kRuleActions);
  rule.pattern = std::string(text.pattern);
  return rule;
}

}  // namespace

std::string_view ToString(Action action) {
  return action == Action::kPublish ? "publish" : "subscribe";
}

std::string_view ToString(Effect effect) { return effect == Effect::kAllow ? "allow" : "deny"; }

std::string_view ToString(Who who) {
  switch (who) {
    case Who::kAny:
      return "any";
    case Who::kDevice:
      return "device";
    case Who::kUser:
      return "user";
    case Who::kAdmin:
      return "admin";
    case Who::kService:
      return "service";
  }
  return "?";
}

std::string_view ToString(RuleAction action) {
  switch (action) {
    case RuleAction::kPublish:
      return "publish";
    case RuleAction::kSubscribe:
      return "subscribe";
    case RuleAction::kAll:
      return "all";
  }
  return "?";
}

std::string_view ToString(RuleOrigin origin) {
  return origin == RuleOrigin::kConfig ? "config" : "database";
}

std::vector<AclRuleProblem> CheckAclRule(const AclRuleText& text) {
  std::vector<AclRuleProblem> problems;
  if (!ParseKeyword(text.effect, kEffects)) {
    problems.push_back({"effect", UnknownKeyword("effect", text.effect, "allow or deny")});
  }
  const std::optional<Who> who = ParseKeyword(text.who, kWhos);
  if (!who) {
    problems.push_back(
        {"who", UnknownKeyword("who", text.who, "any, device, user, admin or service")});
  }
  if (!ParseKeyword(text.action, kRuleActions)) {
    problems.push_back(
        {"action", UnknownKeyword("action", text.action, "publish, subscribe or all")});
  }
  // With an unknown `who`, the $SYS check is left to the rule as corrected.
  if (std::optional<std::string> bad = CheckPattern(text.pattern, who.value_or(Who::kAny))) {
    problems.push_back({"pattern", *std::move(bad)});
  }
  return problems;
}

absl::StatusOr<AclRule> ParseAclRule(const AclRuleText& text) {
  return ParseRule(text, "acl rule: ");
}

absl::StatusOr<std::vector<AclRule>> ParseAclRules(std::span<const AclRuleText> texts) {
  std::vector<AclRule> rules;
  rules.reserve(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    absl::StatusOr<AclRule> rule =
        ParseRule(texts[i], Cat({"acl rule #", std::to_string(i + 1), ": "}));
    if (!rule.ok()) return rule.status();
    rules.push_back(*std::move(rule));
  }
  return rules;
}

}  // namespace iothub::acl
