#include "app/cli_acl.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "acl/explainer.h"
#include "app/cli_context.h"
#include "app/open_store.h"
#include "app/wiring.h"
#include "registry/acl_rule_book.h"
#include "registry/json_views.h"

namespace iothub::app {
namespace {

// "#3 database 0b1f...  deny device publish users/+/devices/${device_id}/debug  -- why"
void PrintRule(const registry::ListedAclRule& listed) {
  const store::StoredAclRule& rule = listed.stored;
  std::cout << '#' << listed.position + 1 << ' ' << acl::ToString(listed.origin) << ' '
            << (rule.id.empty() ? "-" : rule.id) << "  " << rule.effect << ' ' << rule.who << ' '
            << rule.action << ' ' << rule.topic;
  if (!rule.description.empty()) std::cout << "  -- " << rule.description;
  std::cout << '\n';
}

}  // namespace

AclCommand::AclCommand(CLI::App& app) {
  acl_ = app.add_subcommand("acl", "Access rules: list, add, remove, move, explain a decision");
  acl_->require_subcommand(1);

  list_ =
      acl_->add_subcommand("list", "Every rule in evaluation order (configured, then database)");
  list_->add_flag("--json", json_, "Print JSON");

  add_ = acl_->add_subcommand("add", "Add a database rule (last, or before --before ID)");
  add_->add_option("--effect", effect_, "allow or deny")->required();
  add_->add_option("--who", who_, "any, device, user, admin or service")->required();
  add_->add_option("--action", action_, "publish, subscribe or all")->required();
  add_->add_option("--topic", topic_,
                   "A topic filter; levels may be ${clientid}, ${username}, ${device_id}, "
                   "${user_id}")
      ->required();
  add_->add_option("--description", description_, "Free text");
  add_->add_option("--before", before_, "Insert before this database rule");
  add_->add_flag("--json", json_, "Print JSON");

  remove_ = acl_->add_subcommand("remove", "Delete a database rule");
  remove_->add_option("id", id_, "Rule id")->required();

  move_ = acl_->add_subcommand("move", "Move a database rule");
  move_->add_option("id", id_, "Rule id")->required();
  move_->add_option("--index", index_, "0-based place among the database rules")->required();

  explain_ = acl_->add_subcommand(
      "explain", "May this device or user publish/subscribe this topic, and what decided?");
  auto* device = explain_->add_option("--device", device_, "A device id (as it would connect)");
  auto* user = explain_->add_option("--user", user_, "A user id");
  device->excludes(user);
  explain_->add_option("--action", action_, "publish or subscribe")
      ->required()
      ->check(CLI::IsMember({"publish", "subscribe"}));
  explain_->add_option("--topic", topic_, "A topic (publish) or filter (subscribe)")->required();
  explain_->add_flag("--json", json_, "Print JSON");
}

bool AclCommand::parsed() const { return acl_->parsed(); }

int AclCommand::Run(const Config& config) {
  if (explain_->parsed() && device_.empty() == user_.empty()) {
    std::cerr << "iot-hub: acl explain: name exactly one of --device and --user\n";
    return kExitUsage;
  }
  auto rules = MakeAclRules(config.acl);
  if (!rules.ok()) return Fail(rules.status());
  auto store = OpenStore(config);
  if (!store.ok()) return Fail(store.status());
  SystemClock clock;
  registry::AclRuleBook book(**store, clock, *std::move(rules));
  if (explain_->parsed()) return Explain(book, **store);
  if (list_->parsed()) return List(book);
  if (add_->parsed()) return Add(book);
  if (remove_->parsed()) {
    if (absl::Status s = book.Delete(id_, CliActor()); !s.ok()) return Fail(s);
    std::cout << "removed access rule " << id_ << '\n';
    return kExitOk;
  }
  auto moved = book.Move(id_, index_, CliActor());
  if (!moved.ok()) return Fail(moved.status());
  for (const registry::ListedAclRule& rule : *moved) PrintRule(rule);
  return kExitOk;
}

int AclCommand::List(registry::AclRuleBook& book) {
  auto listed = book.List();
  if (!listed.ok()) return Fail(listed.status());
  if (json_) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const registry::ListedAclRule& rule : *listed)
      out.push_back(registry::AclRuleToJson(rule));
    PrintJson({{"rules", std::move(out)}});
    return kExitOk;
  }
  if (listed->empty()) std::cout << "no access rules: the built-in policy decides\n";
  for (const registry::ListedAclRule& rule : *listed) PrintRule(rule);
  return kExitOk;
}

int AclCommand::Add(registry::AclRuleBook& book) {
  auto added = book.Create({.effect = effect_,
                            .who = who_,
                            .action = action_,
                            .topic = topic_,
                            .description = description_},
                           before_, CliActor());
  if (!added.ok()) return Fail(added.status());
  if (json_) {
    PrintJson({{"rule", registry::AclRuleToJson(*added)}});
  } else {
    PrintRule(*added);
  }
  return kExitOk;
}

int AclCommand::Explain(registry::AclRuleBook& book, store::Store& store) {
  auto policy = book.LoadPolicy();
  if (!policy.ok()) return Fail(policy.status());
  auto fleet = store.LoadFleet();
  if (!fleet.ok()) return Fail(fleet.status());
  const std::shared_ptr<const FleetSnapshot> snapshot = *std::move(fleet);
  const acl::AclExplainer explainer([&policy] { return policy->policy; },
                                    [&snapshot] { return snapshot; });
  auto answer = explainer.Explain(
      {device_.empty() ? acl::ExplainSubject::kUser : acl::ExplainSubject::kDevice,
       device_.empty() ? user_ : device_,
       action_ == "publish" ? acl::Action::kPublish : acl::Action::kSubscribe, topic_});
  if (!answer.ok()) return Fail(answer.status());
  const acl::Explanation& e = answer->explanation;
  const std::string_view verdict = e.decision.allow ? "allow" : "deny";
  const std::string_view reason = acl::ToString(e.decision.reason);
  if (json_) {
    nlohmann::ordered_json out{
        {"allow", e.decision.allow},
        {"reason", reason},
        {"decidedBy", acl::ToString(e.step)},
        {"principal", {{"kind", ToString(answer->principal.kind)}, {"id", answer->principal.id}}}};
    out["rule"] =
        e.step == acl::DecidingStep::kRule
            ? nlohmann::ordered_json{{"number", e.rule_number},
                                     {"text", e.rule},
                                     {"id", e.rule_id.empty() ? nlohmann::ordered_json(nullptr)
                                                              : nlohmann::ordered_json(e.rule_id)},
                                     {"origin", acl::ToString(e.rule_origin)}}
            : nlohmann::ordered_json(nullptr);
    PrintJson(out);
    return kExitOk;
  }
  std::cout << verdict << ": " << reason << " (decided by ";
  switch (e.step) {
    case acl::DecidingStep::kRule:
      std::cout << "acl rule #" << e.rule_number << " (" << acl::ToString(e.rule_origin)
                << (e.rule_id.empty() ? "" : " " + e.rule_id) << "): " << e.rule;
      break;
    case acl::DecidingStep::kBuiltin:
      std::cout << "the built-in policy";
      break;
    case acl::DecidingStep::kTopic:
      std::cout << "the topic check";
      break;
    case acl::DecidingStep::kPrincipal:
      std::cout << "the principal check";
      break;
  }
  std::cout << ")\n";
  return kExitOk;
}

}  // namespace iothub::app
