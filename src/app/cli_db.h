// `iot-hub db ...`: the configured store's schema ([store] backend).
//   db migrate [--json]   apply the missing migrations (SQLite or PostgreSQL) and print
//                         the schema version; safe while hubs run, and against another
//                         `db migrate` or hub start migrating at the same time.
// `serve` and every CLI command also migrate on open; this is for doing it ahead of a
// rolling upgrade. Thread-compatible (main thread).
#pragma once

#include "app/config.h"

namespace CLI {
class App;
}  // namespace CLI

namespace iothub::app {

class DbCommand {
 public:
  // Adds `db` and its subcommands to `app`. `app` must outlive this object.
  explicit DbCommand(CLI::App& app);

  bool parsed() const;
  int Run(const Config& config);

 private:
  CLI::App* db_ = nullptr;
  CLI::App* migrate_ = nullptr;
  bool json_ = false;
};

}  // namespace iothub::app
