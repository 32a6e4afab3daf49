#include "support/shared_backends.h"

namespace iothub::testing {

::testing::AssertionResult SharedBackends::Prepare() {
  if (!postgres_.ok()) return ::testing::AssertionFailure() << postgres_.error();
  if (!redis_.ok()) return ::testing::AssertionFailure() << redis_.error();
  database_url_ = postgres_.CreateDatabase();
  if (database_url_.empty()) return ::testing::AssertionFailure() << postgres_.error();
  return ::testing::AssertionSuccess();
}

std::string SharedBackends::Toml() const {
  return "[store]\nbackend = \"postgres\"\npostgres_url = \"" + database_url_ +
         "\"\n[cluster]\nredis_url = \"" + redis_.Url() + "\"\n";
}

}  // namespace iothub::testing
