#include "app/cli_user.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/cli_context.h"
#include "registry/json_views.h"
#include "registry/time_format.h"

namespace iothub::app {

UserCommand::UserCommand(CLI::App& app) {
  user_ = app.add_subcommand("user", "Users, their plans and balances");
  user_->require_subcommand(1);
  user_->add_flag("--json", json_, "Print JSON (users always print as JSON)");

  create_ = user_->add_subcommand("create", "Create a user; prints it with its new id");
  create_->add_option("--email", email_, "Email address (unique)")->required();
  create_->add_option("--name", name_, "Name, 2-100 characters")->required();
  create_->add_option("--role", role_, "admin or user (default user)")
      ->check(CLI::IsMember({"admin", "user"}));
  create_->add_option("--subject", subject_, "Identity provider subject (JWT sub)");
  create_->add_option("--avatar", avatar_, "Avatar URL");
  create_->add_option("--plan", plan_, "Plan (default free)");
  create_->add_option("--metadata", metadata_, "Metadata, a JSON object");

  list_ = user_->add_subcommand("list", "List users");
  list_->add_option("--page", page_, "Page, from 1");
  list_->add_option("--limit", limit_, "Users per page, 1-100");

  show_ = user_->add_subcommand("show", "Show a user");
  show_->add_option("id", id_, "User id")->required();

  set_plan_ = user_->add_subcommand("set-plan", "Move a user to a configured plan");
  set_plan_->add_option("id", id_, "User id")->required();
  set_plan_->add_option("plan", plan_, "Plan name")->required();
  set_plan_->add_option("--expires-at", expires_at_, "End of the plan, ISO 8601 (default never)");

  set_balance_ = user_->add_subcommand("set-balance", "Set a user's balance");
  set_balance_->add_option("id", id_, "User id")->required();
  set_balance_->add_option("amount", amount_, "Amount, e.g. 12.50")->required();

  delete_ = user_->add_subcommand("delete", "Delete a user who owns no devices");
  delete_->add_option("id", id_, "User id")->required();
}

bool UserCommand::parsed() const { return user_->parsed(); }

int UserCommand::Run(const Config& config) {
  // Input that needs no database is checked first.
  std::optional<UnixMillis> expires_at;
  if (set_plan_->parsed() && !expires_at_.empty()) {
    auto parsed = registry::ParseIso8601(expires_at_);
    if (!parsed.ok()) return Fail(parsed.status());
    expires_at = *parsed;
  }
  auto opened = CliContext::Open(config, CaUse::kNone);
  if (!opened.ok()) return Fail(opened.status());
  registry::UserDirectory& users = (*opened)->registry().users();
  const std::string actor = CliActor();

  absl::StatusOr<User> user;
  if (create_->parsed()) {
    registry::NewUser input;
    input.email = email_;
    input.name = name_;
    input.role = *ParseRole(role_);
    if (create_->get_option("--subject")->count() > 0) input.subject = subject_;
    if (create_->get_option("--avatar")->count() > 0) input.avatar = avatar_;
    if (!plan_.empty()) input.plan = plan_;
    if (!metadata_.empty()) input.metadata_json = metadata_;
    user = users.CreateUser(input, actor);
  } else if (show_->parsed()) {
    user = users.GetUser(id_);
  } else if (set_plan_->parsed()) {
    user = users.SetPlan(id_, plan_, expires_at, actor);
  } else if (set_balance_->parsed()) {
    user = users.SetBalance(id_, amount_, actor);
  } else if (delete_->parsed()) {
    if (absl::Status deleted = users.DeleteUser(id_, actor); !deleted.ok()) return Fail(deleted);
    if (json_) {
      PrintJson({{"deleted", id_}});
    } else {
      std::cout << "deleted user " << id_ << "\n";
    }
    return kExitOk;
  } else if (list_->parsed()) {
    auto page = users.ListUsers({.page = page_, .limit = limit_});
    if (!page.ok()) return Fail(page.status());
    PrintJson(registry::UserPageToJson(*page));
    return kExitOk;
  } else {
    return kExitUsage;
  }
  if (!user.ok()) return Fail(user.status());
  PrintJson(registry::UserToJson(*user));
  return kExitOk;
}

}  // namespace iothub::app
