// AclRuleBook: the access rules as broker admins manage them. The evaluation order is
// the configured rules ([acl] rules in the TOML file: read-only, origin "config") and
// then the database rules (origin "database") in their stored order; the first rule
// that applies decides, then the built-in policy (acl/acl_policy.h).
//
// Every change is checked with acl::CheckAclRule (the configuration's own checks) and
// committed in one store transaction with its audit row ("acl.rule.create", "update",
// "delete", "move"; target the rule id; details {"before", "after"}), then on_change
// runs. LoadPolicy builds the AclPolicy that the hook and explain use.
//
//   AclRuleBook book(store, clock, config_rules, [&] { view.Reload(); });
//   book.Create({.effect = "deny", .who = "device", .action = "publish",
//                .topic = "users/+/devices/${device_id}/debug"}, std::nullopt, "cli:root");
//
// Thread-safety: thread-safe (no mutable state); the store and the clock must outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "acl/acl_policy.h"
#include "acl/acl_rule.h"
#include "common/clock.h"
#include "store/store.h"

namespace iothub::registry {

// Limits of a database rule (the checks of acl::CheckAclRule apply as well).
inline constexpr std::size_t kMaxAclRuleTopicBytes = 1024;
inline constexpr std::size_t kMaxAclRuleDescription = 500;  // characters
inline constexpr std::size_t kMaxDatabaseAclRules = 1000;

// A rule as an admin writes it.
struct AclRuleInput {
  std::string effect;
  std::string who;
  std::string action;
  std::string topic;
  std::string description;
};

// One rule in evaluation order. For a configured rule, `stored` holds only its text
// (no id, no times, position among the configured rules).
struct ListedAclRule {
  acl::RuleOrigin origin = acl::RuleOrigin::kDatabase;
  std::int64_t position = 0;  // 0-based in the whole evaluation order
  store::StoredAclRule stored;
};

// One problem with one field of an AclRuleInput ("effect", "who", "action", "topic",
// "description").
struct AclRuleFieldProblem {
  std::string field;
  std::string problem;
};

// Every problem of `input`, field by field (empty when it may be stored).
std::vector<AclRuleFieldProblem> CheckAclRuleInput(const AclRuleInput& input);

// The policy built from the rules, and the database rules' version it reflects.
struct LoadedAclPolicy {
  std::shared_ptr<const acl::AclPolicy> policy;
  std::int64_t version = 0;
};

class AclRuleBook {
 public:
  // `config_rules` come from acl::ParseAclRules of the configuration. `on_change` runs
  // after every committed change, on the caller's thread (may be empty).
  AclRuleBook(store::Store& store, const Clock& clock, std::vector<acl::AclRule> config_rules,
              std::function<void()> on_change = {});

  // Every rule in evaluation order.
  absl::StatusOr<std::vector<ListedAclRule>> List();

  // Adds a database rule at the end, or just before the database rule `before`.
  // InvalidArgument for a bad input ("field: problem") or an unknown `before`
  // ("before: ..."); ResourceExhausted past kMaxDatabaseAclRules.
  absl::StatusOr<ListedAclRule> Create(const AclRuleInput& input, std::optional<std::string> before,
                                       std::string_view actor);
  // Replaces a database rule's text. NotFound for an unknown id; FailedPrecondition for
  // a configured rule ("config-<position>": they are read-only); InvalidArgument as
  // for Create.
  absl::StatusOr<ListedAclRule> Update(std::string_view id, const AclRuleInput& input,
                                       std::string_view actor);
  // Deletes a database rule. NotFound / FailedPrecondition as for Update.
  absl::Status Delete(std::string_view id, std::string_view actor);
  // Moves a database rule to `index` among the database rules and returns every rule.
  // InvalidArgument for an index out of range; NotFound / FailedPrecondition as for
  // Update.
  absl::StatusOr<std::vector<ListedAclRule>> Move(std::string_view id, std::int64_t index,
                                                  std::string_view actor);

  // The policy of the configured rules followed by the database rules, read in one
  // statement with their version. FailedPrecondition when a stored rule no longer
  // passes the checks (the caller keeps its previous policy: nothing is dropped).
  absl::StatusOr<LoadedAclPolicy> LoadPolicy();

  std::size_t config_rule_count() const { return config_rules_.size(); }

 private:
  // FailedPrecondition for the id of a configured rule, else OK.
  absl::Status CheckWritable(std::string_view id) const;
  absl::Status Commit(const std::function<absl::Status(store::Store&)>& body);
  ListedAclRule FromStored(store::StoredAclRule stored) const;

  store::Store& store_;
  const Clock& clock_;
  const std::vector<acl::AclRule> config_rules_;
  const std::function<void()> on_change_;
};

}  // namespace iothub::registry
