// `iot-hub user ...`: the hub's users, through the registry.
//   user create --email E --name N [--role admin|user] [--subject SUB] [--avatar URL]
//               [--plan P] [--metadata JSON]
//   user list [--page N] [--limit N]
//   user show ID
//   user set-plan ID PLAN [--expires-at ISO8601]
//   user set-balance ID AMOUNT            (decimal, at most two decimals: 12.50)
//   user delete ID                        (refused while the user owns devices)
// A user is always printed as the contract's JSON (it carries a metadata object), with
// or without --json; `list` prints {users, total, page, limit}.
// Thread-compatible (main thread).
#pragma once

#include <cstdint>
#include <string>

#include "app/config.h"

namespace CLI {
class App;
}  // namespace CLI

namespace iothub::app {

class UserCommand {
 public:
  // Adds `user` and its subcommands to `app`. `app` must outlive this object.
  explicit UserCommand(CLI::App& app);

  bool parsed() const;

  // Runs the parsed subcommand; returns the exit status.
  int Run(const Config& config);

 private:
  CLI::App* user_ = nullptr;
  CLI::App* create_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* show_ = nullptr;
  CLI::App* set_plan_ = nullptr;
  CLI::App* set_balance_ = nullptr;
  CLI::App* delete_ = nullptr;

  bool json_ = false;
  std::string id_;
  std::string email_;
  std::string name_;
  std::string role_ = "user";
  std::string subject_;
  std::string avatar_;
  std::string plan_;
  std::string metadata_;
  std::string expires_at_;
  std::string amount_;
  std::int64_t page_ = 1;
  std::int64_t limit_ = 10;
};

}  // namespace iothub::app
