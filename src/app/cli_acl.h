// `iot-hub acl ...`: the access rules as the hub applies them -- the configured rules
// ([acl] rules, read-only) followed by the database rules -- and their management.
//   acl list [--json]
//       every rule in evaluation order, with its position, origin and (database) id.
//   acl add --effect E --who W --action A --topic T [--description D] [--before ID]
//       adds a database rule at the end, or before the database rule ID; prints it.
//   acl remove ID
//   acl move ID --index N      N: 0-based among the database rules
//       Changes are audited with the actor "cli:<unix user>"; a running hub applies
//       them within about a second (registry/acl_rules_view.h).
//   acl explain (--device ID | --user ID) --action publish|subscribe --topic T [--json]
//       whether that principal may publish to / subscribe the topic, and which step or
//       rule decided: AclPolicy::Check on the store's current registry and rules, the
//       hook's own code. A connected clientid is known only to the running hub: ask
//       its API (POST /api/acl/explain).
// Thread-compatible (main thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "app/config.h"
#include "store/store.h"

namespace CLI {
class App;
}  // namespace CLI

namespace iothub::registry {
class AclRuleBook;
}  // namespace iothub::registry

namespace iothub::app {

class AclCommand {
 public:
  // Adds `acl` and its subcommands to `app`. `app` must outlive this object.
  explicit AclCommand(CLI::App& app);

  bool parsed() const;
  int Run(const Config& config);

 private:
  int Explain(registry::AclRuleBook& book, store::Store& store);
  int List(registry::AclRuleBook& book);
  int Add(registry::AclRuleBook& book);

  CLI::App* acl_ = nullptr;
  CLI::App* explain_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* add_ = nullptr;
  CLI::App* remove_ = nullptr;
  CLI::App* move_ = nullptr;
  std::string device_;
  std::string user_;
  std::string action_;
  std::string topic_;
  std::string effect_;
  std::string who_;
  std::string description_;
  std::optional<std::string> before_;
  std::string id_;
  std::int64_t index_ = 0;
  bool json_ = false;
};

}  // namespace iothub::app
