#include "registry/acl_rule_book.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "registry/input_checks.h"
#include "registry/registry_context.h"
#include "registry/uuid.h"
#include "store/status_macros.h"

namespace iothub::registry {
namespace {

constexpr std::string_view kConfigIdPrefix = "config-";

acl::AclRuleText TextOf(const AclRuleInput& input) {
  return {input.effect, input.who, input.action, input.topic};
}

// The audit form of a database rule.
nlohmann::json AuditJson(const store::StoredAclRule& rule) {
  return {{"position", rule.position}, {"effect", rule.effect}, {"who", rule.who},
          {"action", rule.action},     {"topic", rule.topic},   {"description", rule.description}};
}

absl::Status FirstProblem(const AclRuleInput& input) {
  std::vector<AclRuleFieldProblem> problems = CheckAclRuleInput(input);
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(problems.front().field + ": " + problems.front().problem);
}

}  // namespace

std::vector<AclRuleFieldProblem> CheckAclRuleInput(const AclRuleInput& input) {
  std::vector<AclRuleFieldProblem> problems;
  const bool too_long = input.topic.size() > kMaxAclRuleTopicBytes;
  if (too_long) {
    problems.push_back(
        {"topic", "must be at most " + std::to_string(kMaxAclRuleTopicBytes) + " bytes"});
  }
  for (acl::AclRuleProblem& problem : acl::CheckAclRule(TextOf(input))) {
    if (problem.field == "pattern" && too_long) continue;  // one problem per field
    problems.push_back({problem.field == "pattern" ? "topic" : std::string(problem.field),
                        std::move(problem.problem)});
  }
  if (absl::Status s = CheckText("description", input.description, 0, kMaxAclRuleDescription);
      !s.ok()) {
    problems.push_back({"description", std::string(s.message())});
  }
  return problems;
}

AclRuleBook::AclRuleBook(store::Store& store, const Clock& clock,
                         std::vector<acl::AclRule> config_rules, std::function<void()> on_change)
    : store_(store),
      clock_(clock),
      config_rules_(std::move(config_rules)),
      on_change_(std::move(on_change)) {}

absl::Status AclRuleBook::CheckWritable(std::string_view id) const {
  if (!id.starts_with(kConfigIdPrefix)) return absl::OkStatus();
  const std::string_view number = id.substr(kConfigIdPrefix.size());
  std::size_t position = 0;
  for (char c : number) {
    if (c < '0' || c > '9' || position > config_rules_.size()) return absl::OkStatus();
    position = position * 10 + static_cast<std::size_t>(c - '0');
  }
  if (number.empty() || position >= config_rules_.size()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      "rules from the configuration file are read-only: change them in the file");
}

absl::Status AclRuleBook::Commit(const std::function<absl::Status(store::Store&)>& body) {
  const RegistryContext context{store_, nullptr, clock_, {}, on_change_};
  return CommitChange(context, body);
}

ListedAclRule AclRuleBook::FromStored(store::StoredAclRule stored) const {
  const auto position = static_cast<std::int64_t>(config_rules_.size()) + stored.position;
  return {.origin = acl::RuleOrigin::kDatabase, .position = position, .stored = std::move(stored)};
}

absl::StatusOr<std::vector<ListedAclRule>> AclRuleBook::List() {
  ASSIGN_OR_RETURN(store::StoredAclRules stored, store_.ListAclRules());
  std::vector<ListedAclRule> out;
  out.reserve(config_rules_.size() + stored.rules.size());
  for (std::size_t i = 0; i < config_rules_.size(); ++i) {
    const acl::AclRule& rule = config_rules_[i];
    store::StoredAclRule text;  // a configured rule has only its text
    text.position = static_cast<std::int64_t>(i);
    text.effect = acl::ToString(rule.effect);
    text.who = acl::ToString(rule.who);
    text.action = acl::ToString(rule.action);
    text.topic = rule.pattern;
    out.push_back({.origin = acl::RuleOrigin::kConfig,
                   .position = static_cast<std::int64_t>(i),
                   .stored = std::move(text)});
  }
  for (store::StoredAclRule& rule : stored.rules) out.push_back(FromStored(std::move(rule)));
  return out;
}

absl::StatusOr<ListedAclRule> AclRuleBook::Create(const AclRuleInput& input,
                                                  std::optional<std::string> before,
                                                  std::string_view actor) {
  RETURN_IF_ERROR(CheckActor(actor));
  RETURN_IF_ERROR(FirstProblem(input));
  ASSIGN_OR_RETURN(std::string id, NewUuidV4());
  const UnixMillis now = clock_.NowUnixMillis();
  store::StoredAclRule row{.id = id,
                           .position = 0,  // set in the transaction
                           .effect = input.effect,
                           .who = input.who,
                           .action = input.action,
                           .topic = input.topic,
                           .description = input.description,
                           .created_at = now,
                           .updated_at = now,
                           .updated_by = std::string(actor)};
  RETURN_IF_ERROR(Commit([&](store::Store& tx) -> absl::Status {
    ASSIGN_OR_RETURN(store::StoredAclRules current, tx.ListAclRules());
    if (current.rules.size() >= kMaxDatabaseAclRules) {
      return absl::ResourceExhaustedError("at most " + std::to_string(kMaxDatabaseAclRules) +
                                          " database access rules");
    }
    row.position = static_cast<std::int64_t>(current.rules.size());
    if (before) {
      absl::StatusOr<store::StoredAclRule> next = tx.GetAclRule(*before);
      if (!next.ok()) {
        if (!absl::IsNotFound(next.status())) return next.status();
        return absl::InvalidArgumentError("before: no database rule " + Quote(*before));
      }
      row.position = next->position;
    }
    RETURN_IF_ERROR(tx.InsertAclRule(row));
    return tx.AppendAudit(MakeAudit(now, actor, "acl.rule.create", id,
                                    {{"before", nullptr}, {"after", AuditJson(row)}}));
  }));
  return FromStored(std::move(row));
}

absl::StatusOr<ListedAclRule> AclRuleBook::Update(std::string_view id, const AclRuleInput& input,
                                                  std::string_view actor) {
  RETURN_IF_ERROR(CheckActor(actor));
  RETURN_IF_ERROR(CheckWritable(id));
  RETURN_IF_ERROR(FirstProblem(input));
  store::StoredAclRule after;
  RETURN_IF_ERROR(Commit([&](store::Store& tx) -> absl::Status {
    ASSIGN_OR_RETURN(store::StoredAclRule before, tx.GetAclRule(id));
    after = before;
    after.effect = input.effect;
    after.who = input.who;
    after.action = input.action;
    after.topic = input.topic;
    after.description = input.description;
    after.updated_at = clock_.NowUnixMillis();
    after.updated_by = std::string(actor);
    RETURN_IF_ERROR(tx.UpdateAclRule(after));
    return tx.AppendAudit(MakeAudit(after.updated_at, actor, "acl.rule.update", id,
                                    {{"before", AuditJson(before)}, {"after", AuditJson(after)}}));
  }));
  return FromStored(std::move(after));
}

absl::Status AclRuleBook::Delete(std::string_view id, std::string_view actor) {
  RETURN_IF_ERROR(CheckActor(actor));
  RETURN_IF_ERROR(CheckWritable(id));
  return Commit([&](store::Store& tx) -> absl::Status {
    ASSIGN_OR_RETURN(store::StoredAclRule before, tx.GetAclRule(id));
    RETURN_IF_ERROR(tx.DeleteAclRule(id));
    return tx.AppendAudit(MakeAudit(clock_.NowUnixMillis(), actor, "acl.rule.delete", id,
                                    {{"before", AuditJson(before)}, {"after", nullptr}}));
  });
}

absl::StatusOr<std::vector<ListedAclRule>> AclRuleBook::Move(std::string_view id,
                                                             std::int64_t index,
                                                             std::string_view actor) {
  RETURN_IF_ERROR(CheckActor(actor));
  RETURN_IF_ERROR(CheckWritable(id));
  RETURN_IF_ERROR(Commit([&](store::Store& tx) -> absl::Status {
    ASSIGN_OR_RETURN(store::StoredAclRule before, tx.GetAclRule(id));
    const UnixMillis now = clock_.NowUnixMillis();
    RETURN_IF_ERROR(tx.MoveAclRule(id, index, now, actor));
    store::StoredAclRule after = before;
    after.position = index;
    return tx.AppendAudit(MakeAudit(now, actor, "acl.rule.move", id,
                                    {{"before", AuditJson(before)}, {"after", AuditJson(after)}}));
  }));
  return List();
}

absl::StatusOr<LoadedAclPolicy> AclRuleBook::LoadPolicy() {
  ASSIGN_OR_RETURN(store::StoredAclRules stored, store_.ListAclRules());
  std::vector<acl::AclRule> rules = config_rules_;
  rules.reserve(rules.size() + stored.rules.size());
  for (const store::StoredAclRule& row : stored.rules) {
    absl::StatusOr<acl::AclRule> rule =
        acl::ParseAclRule({row.effect, row.who, row.action, row.topic});
    if (!rule.ok()) {
      return absl::FailedPreconditionError("database access rule " + row.id +
                                           " is invalid: " + std::string(rule.status().message()));
    }
    rule->origin = acl::RuleOrigin::kDatabase;
    rule->id = row.id;
    rules.push_back(*std::move(rule));
  }
  return LoadedAclPolicy{std::make_shared<const acl::AclPolicy>(std::move(rules)), stored.version};
}

}  // namespace iothub::registry
