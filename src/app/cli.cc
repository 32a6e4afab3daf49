#include "app/cli.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/cli_acl.h"
#include "app/cli_ca.h"
#include "app/cli_context.h"
#include "app/cli_db.h"
#include "app/cli_device.h"
#include "app/cli_user.h"
#include "app/config.h"
#include "app/logging.h"
#include "app/open_store.h"
#include "app/serve.h"
#include "app/version.h"
#include "cluster/redis_url.h"

namespace iothub::app {
namespace {

// Flags shared by every subcommand.
struct GlobalFlags {
  std::string config_path;
  ConfigOverrides overrides;
};

absl::StatusOr<Config> Load(const GlobalFlags& flags) {
  return LoadConfig(flags.config_path, IothubEnvironment(), flags.overrides);
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"iot-hub: device identity, topic authorization and device RPC for EMQX (ExHook)"};
  app.set_version_flag("--version", std::string("iot-hub ") + kVersion);
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the subcommand
  app.footer(
      "The CA (<data-dir>/ca/): `serve` and the commands that sign (device sign-csr, ca show,\n"
      "ca crl, ca issue-server, ca issue-client, and ca status|rotate|retire) create it when\n"
      "the data dir has none yet, with the key type ca.key_type; every other command works\n"
      "without one. `ca init` creates it explicitly (e.g. --key-type rsa-3072) and never\n"
      "replaces one; `ca rotate` adds a new CA that signs from then on.");

  GlobalFlags flags;
  app.add_option("--config", flags.config_path, "TOML config file")->check(CLI::ExistingFile);
  app.add_option("--data-dir", flags.overrides.data_dir, "Data directory (database, CA)");

  CLI::App* serve = app.add_subcommand("serve", "Run the ExHook gRPC server and the HTTP API");
  serve->add_option("--grpc-listen", flags.overrides.grpc_listen, "gRPC address host:port");
  serve->add_option("--http-listen", flags.overrides.http_listen, "HTTP address host:port");

  CLI::App* config_cmd = app.add_subcommand("config", "Inspect the configuration");
  config_cmd->require_subcommand(1);
  std::string check_path;
  CLI::App* check = config_cmd->add_subcommand("check", "Validate a config file and exit");
  check->add_option("file", check_path, "TOML config file")->required();

  // Registry commands: the CA, devices, users, the schema, access rules (cli_*.h).
  CaCommand ca_command(app);
  DeviceCommand device_command(app);
  UserCommand user_command(app);
  DbCommand db_command(app);
  AclCommand acl_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help and --version print and succeed; usage errors are one line and status 2.
    if (error.get_exit_code() == 0) return app.exit(error);
    std::cerr << "iot-hub: " << error.what() << "\n";
    return kExitUsage;
  }

  if (check->parsed()) {
    auto config = LoadConfig(check_path, IothubEnvironment(), flags.overrides);
    if (!config.ok()) {
      std::cerr << "iot-hub: " << config.status().message() << "\n";
      return 2;
    }
    std::cout << check_path << ": ok\n";
    // Which store it would open; the PostgreSQL password is never shown.
    std::cout << "store: " << DescribeStore(*config) << "\n";
    if (!config->cluster.redis_url.empty()) {
      std::cout << "shared state: " << cluster::RedactRedisUrl(config->cluster.redis_url) << "\n";
    }
    return 0;
  }

  auto config = Load(flags);
  if (!config.ok()) {
    std::cerr << "iot-hub: " << config.status().message() << "\n";
    return 2;
  }
  if (serve->parsed()) {
    SetUpLogging(config->log.level, config->log.format);
    return RunServe(*config);
  }
  // Registry commands print results on stdout; only warnings and errors are logged.
  if (ca_command.parsed() || device_command.parsed() || user_command.parsed() ||
      db_command.parsed() || acl_command.parsed()) {
    SetUpLogging("warn", config->log.format);
    if (db_command.parsed()) return db_command.Run(*config);
    if (acl_command.parsed()) return acl_command.Run(*config);
    if (ca_command.parsed()) return ca_command.Run(*config);
    if (device_command.parsed()) return device_command.Run(*config);
    return user_command.Run(*config);
  }
  return 2;
}

}  // namespace iothub::app
