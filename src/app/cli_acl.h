// `iot-hub acl ...`: the access rules as the hub applies them.
//   acl explain (--device ID | --user ID) --action publish|subscribe --topic T [--json]
//       whether that principal may publish to / subscribe the topic, and which step or
//       configured rule ([acl] rules) decided: AclPolicy::Check on the store's current
//       registry, the hook's own code. A connected clientid is known only to the
//       running hub: ask its API (POST /api/acl/explain). Thread-compatible (main thread).
#pragma once

#include <string>

#include "app/config.h"

namespace CLI {
class App;
}  // namespace CLI

namespace iothub::app {

class AclCommand {
 public:
  // Adds `acl` and its subcommands to `app`. `app` must outlive this object.
  explicit AclCommand(CLI::App& app);

  bool parsed() const;
  int Run(const Config& config);

 private:
  CLI::App* acl_ = nullptr;
  CLI::App* explain_ = nullptr;
  std::string device_;
  std::string user_;
  std::string action_;
  std::string topic_;
  bool json_ = false;
};

}  // namespace iothub::app
