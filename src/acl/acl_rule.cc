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

absl::Status UnknownKeyword(std::string_view field, std::string_view value,
                            std::string_view expected) {
  return absl::InvalidArgumentError(
      Cat({"unknown ", field, " \"", value, "\" (expected ", expected, ")"}));
}

absl::Status BadPattern(std::string_view pattern, std::string_view why) {
  return absl::InvalidArgumentError(Cat({"pattern \"", pattern, "\": ", why}));
}

absl::Status CheckPattern(std::string_view pattern, Who who) {
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
  return absl::OkStatus();
}

absl::Status Prefixed(const absl::Status& status, std::string_view prefix) {
  return absl::Status(
      status.code(),
      Cat({prefix, std::string_view(status.message().data(), status.message().size())}));
}

absl::StatusOr<AclRule> ParseRule(const AclRuleText& text) {
  const auto effect = ParseKeyword(text.effect, std::array{Effect::kAllow, Effect::kDeny});
  if (!effect) return UnknownKeyword("effect", text.effect, "allow or deny");
  const auto who = ParseKeyword(
      text.who, std::array{Who::kAny, Who::kDevice, Who::kUser, Who::kAdmin, Who::kService});
  if (!who) return UnknownKeyword("who", text.who, "any, device, user, admin or service");
  const auto action = ParseKeyword(
      text.action, std::array{RuleAction::kPublish, RuleAction::kSubscribe, RuleAction::kAll});
  if (!action) return UnknownKeyword("action", text.action, "publish, subscribe or all");
  if (absl::Status status = CheckPattern(text.pattern, *who); !status.ok()) return status;
  return AclRule{
      .effect = *effect, .who = *who, .action = *action, .pattern = std::string(text.pattern)};
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

absl::StatusOr<AclRule> ParseAclRule(const AclRuleText& text) {
  absl::StatusOr<AclRule> rule = ParseRule(text);
  if (!rule.ok()) return Prefixed(rule.status(), "acl rule: ");
  return rule;
}

absl::StatusOr<std::vector<AclRule>> ParseAclRules(std::span<const AclRuleText> texts) {
  std::vector<AclRule> rules;
  rules.reserve(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    absl::StatusOr<AclRule> rule = ParseRule(texts[i]);
    if (!rule.ok())
      return Prefixed(rule.status(), Cat({"acl rule #", std::to_string(i + 1), ": "}));
    rules.push_back(*std::move(rule));
  }
  return rules;
}

}  // namespace iothub::acl
