// Opening the configured store ([store] backend): SqliteStore on <data_dir>/hub.db or
// PostgresStore on store.postgres_url. Both apply the schema migrations on open. The
// one place in src/app that names a backend; `serve` and the CLI both open through it.
// Stateless; thread-safe.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "app/config.h"
#include "store/store.h"

namespace iothub::app {

// Opens (creating or migrating) the configured store. Errors name the store the way
// DescribeStore does, never with the database password.
absl::StatusOr<std::unique_ptr<store::Store>> OpenStore(const Config& config);

// "sqlite <path>" or "postgres <url with the password redacted>", for logs and output.
std::string DescribeStore(const Config& config);

// True when several hubs may share the store (PostgreSQL), so one hub must not create a
// CA of its own: the CA is made once (`iot-hub ca init`) and given to every hub.
bool StoreIsShared(const Config& config);

// The schema version this build brings a store to (the same for both backends).
int LatestSchemaVersion();

}  // namespace iothub::app
