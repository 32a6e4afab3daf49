#include "acl/explanation.h"

namespace iothub::acl {
namespace {

DecidingStep StepOf(const Decision& decision) {
  if (decision.rule_index >= 0) return DecidingStep::kRule;
  switch (decision.reason) {
    case Reason::kInvalidTopic:
    case Reason::kWildcardInPublish:
    case Reason::kInvalidFilter:
      return DecidingStep::kTopic;
    case Reason::kInvalidPrincipalId:
    case Reason::kClientIdMismatch:
    case Reason::kUnknownDevice:
    case Reason::kDeviceRevoked:
    case Reason::kSysNotAdmin:
      return DecidingStep::kPrincipal;
    default:
      return DecidingStep::kBuiltin;
  }
}

}  // namespace

std::string_view ToString(DecidingStep step) {
  switch (step) {
    case DecidingStep::kTopic:
      return "topic";
    case DecidingStep::kPrincipal:
      return "principal";
    case DecidingStep::kRule:
      return "rule";
    case DecidingStep::kBuiltin:
      return "builtin";
  }
  return "builtin";
}

std::string FormatRule(const AclRule& rule) {
  std::string text;
  text.append(ToString(rule.effect)).append(" ");
  text.append(ToString(rule.who)).append(" ");
  text.append(ToString(rule.action)).append(" ");
  return text.append(rule.pattern);
}

Explanation Explain(const AclPolicy& policy, const Principal& principal, Action action,
                    std::string_view topic, const FleetSnapshot& fleet) {
  Explanation explanation;
  explanation.decision = policy.Check(principal, action, topic, fleet);
  explanation.step = StepOf(explanation.decision);
  if (explanation.step == DecidingStep::kRule) {
    const auto index = static_cast<std::size_t>(explanation.decision.rule_index);
    explanation.rule_number = explanation.decision.rule_index + 1;
    if (index < policy.rules().size()) {
      const AclRule& rule = policy.rules()[index];
      explanation.rule = FormatRule(rule);
      explanation.rule_origin = rule.origin;
      explanation.rule_id = rule.id;
    }
  }
  return explanation;
}

}  // namespace iothub::acl
