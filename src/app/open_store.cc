#include "app/open_store.h"

#include "registry/data_layout.h"
#include "store/postgres_store.h"
#include "store/postgres_url.h"
#include "store/schema.h"
#include "store/sqlite_store.h"

namespace iothub::app {

bool StoreIsShared(const Config& config) { return config.store.backend == "postgres"; }

std::string DescribeStore(const Config& config) {
  if (StoreIsShared(config)) {
    return "postgres " + store::RedactPostgresUrl(config.store.postgres_url);
  }
  return "sqlite " + registry::DatabasePath(config.server.data_dir).string();
}

absl::StatusOr<std::unique_ptr<store::Store>> OpenStore(const Config& config) {
  absl::StatusOr<std::unique_ptr<store::Store>> opened;
  if (StoreIsShared(config)) {
    auto postgres = store::PostgresStore::Open(config.store.postgres_url);
    if (postgres.ok())
      opened = std::unique_ptr<store::Store>(std::move(*postgres));
    else
      opened = postgres.status();
  } else {
    auto sqlite = store::SqliteStore::Open(registry::DatabasePath(config.server.data_dir).string());
    if (sqlite.ok())
      opened = std::unique_ptr<store::Store>(std::move(*sqlite));
    else
      opened = sqlite.status();
  }
  if (!opened.ok()) {
    return absl::Status(opened.status().code(), "cannot open the database (" +
                                                    DescribeStore(config) +
                                                    "): " + std::string(opened.status().message()));
  }
  return opened;
}

int LatestSchemaVersion() {
  return static_cast<int>(store::StoreMigrations(store::Dialect::kSqlite).size());
}

}  // namespace iothub::app
