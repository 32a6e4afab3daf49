// SharedBackends: what several hubs of one test share, all real: a PostgreSQL server
// with a fresh database of the test's own, and a Redis server; plus the TOML that
// points a hub at both. Thread-compatible: one test thread uses it.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "support/postgres_server.h"
#include "support/redis_server.h"

namespace iothub::testing {

class SharedBackends {
 public:
  // Both servers running and the database created; the failure says what is missing.
  ::testing::AssertionResult Prepare();
  // [store] backend = "postgres" on the database, [cluster] redis_url (after Prepare).
  std::string Toml() const;

  PostgresServer& postgres() { return postgres_; }
  RedisServer& redis() { return redis_; }

 private:
  PostgresServer postgres_;
  RedisServer redis_;
  std::string database_url_;
};

}  // namespace iothub::testing
