#include "app/cli_db.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/cli_context.h"
#include "app/open_store.h"

namespace iothub::app {

DbCommand::DbCommand(CLI::App& app) {
  db_ = app.add_subcommand("db", "The database schema of the configured store");
  db_->require_subcommand(1);
  db_->add_flag("--json", json_, "Print JSON");
  migrate_ = db_->add_subcommand(
      "migrate", "Apply the missing schema migrations ([store] backend sqlite or postgres)");
}

bool DbCommand::parsed() const { return db_->parsed(); }

int DbCommand::Run(const Config& config) {
  // Opening migrates (both backends), under the backend's own lock against
  // concurrent migrators.
  auto opened = OpenStore(config);
  if (!opened.ok()) return Fail(opened.status());
  const std::string store = DescribeStore(config);
  if (json_) {
    PrintJson({{"store", store}, {"schema_version", LatestSchemaVersion()}});
  } else {
    std::cout << store << ": schema at version " << LatestSchemaVersion() << "\n";
  }
  return kExitOk;
}

}  // namespace iothub::app
