// Explanation: an authorization decision told for a broker admin ("why was this client
// denied?"): the answer of AclPolicy::Check itself -- the same code the hook runs, not a
// copy -- plus which step decided and, for a configured rule, the rule as written.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "acl/acl_policy.h"
#include "acl/acl_rule.h"
#include "acl/decision.h"

namespace iothub::acl {

// The step of AclPolicy::Check that decided (see its comment).
enum class DecidingStep {
  kTopic,      // 1. the topic or filter itself is refused
  kPrincipal,  // 2. the principal is refused (revoked device, $SYS for non-admins, ...)
  kRule,       // 3. a configured rule
  kBuiltin,    // 4. the built-in policy
};

// "topic", "principal", "rule", "builtin" (stable, for JSON and scripts).
std::string_view ToString(DecidingStep step);

struct Explanation {
  Decision decision;
  DecidingStep step = DecidingStep::kBuiltin;
  // 1-based place in the evaluation order (configured rules, then database rules), as
  // in "acl rule #N"; 0 unless step is kRule.
  std::int32_t rule_number = 0;
  std::string rule;  // the deciding rule as written (FormatRule); kRule only
  RuleOrigin rule_origin = RuleOrigin::kConfig;  // kRule only
  std::string rule_id;  // kRule only: the database rule's id (empty for a configured rule)
};

// "deny user subscribe users/+/secret/#": effect, who, action, pattern.
std::string FormatRule(const AclRule& rule);

// Decides with `policy` exactly as client.authorize does and says how.
Explanation Explain(const AclPolicy& policy, const Principal& principal, Action action,
                    std::string_view topic, const FleetSnapshot& fleet);

}  // namespace iothub::acl
