#include "app/cli_acl.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "acl/explainer.h"
#include "app/cli_context.h"
#include "app/open_store.h"
#include "app/wiring.h"

namespace iothub::app {

AclCommand::AclCommand(CLI::App& app) {
  acl_ = app.add_subcommand("acl", "Access rules: explain a decision");
  acl_->require_subcommand(1);
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
  if (device_.empty() == user_.empty()) {
    std::cerr << "iot-hub: acl explain: name exactly one of --device and --user\n";
    return kExitUsage;
  }
  auto rules = MakeAclRules(config.acl);
  if (!rules.ok()) return Fail(rules.status());
  auto store = OpenStore(config);
  if (!store.ok()) return Fail(store.status());
  auto fleet = (*store)->LoadFleet();
  if (!fleet.ok()) return Fail(fleet.status());
  const acl::AclPolicy policy(*std::move(rules));
  const std::shared_ptr<const FleetSnapshot> snapshot = *std::move(fleet);
  const acl::AclExplainer explainer(policy, [&snapshot] { return snapshot; });
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
    out["rule"] = e.step == acl::DecidingStep::kRule
                      ? nlohmann::ordered_json{{"number", e.rule_number}, {"text", e.rule}}
                      : nlohmann::ordered_json(nullptr);
    PrintJson(out);
    return kExitOk;
  }
  std::cout << verdict << ": " << reason << " (decided by ";
  switch (e.step) {
    case acl::DecidingStep::kRule:
      std::cout << "acl rule #" << e.rule_number << ": " << e.rule;
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
