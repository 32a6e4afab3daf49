// The PostgreSQL test server helper fails loudly, never skips, when PostgreSQL is not
// installed: tests that need it then fail with a message saying what to install.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <optional>
#include <string>

#include "support/postgres_server.h"

namespace iothub::testing {
namespace {

// Restores an environment variable when the test ends.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// Missing binaries: not ok, and the error names the package and the override.
TEST(TestServerHelperTest, MissingBinariesFailWithAClearMessage) {
  ScopedEnv bindir("IOTHUB_PG_BINDIR", "/nonexistent/postgresql/bin");
  PostgresServer server;
  EXPECT_FALSE(server.ok());
  EXPECT_NE(server.error().find("postgresql-15"), std::string::npos) << server.error();
  EXPECT_NE(server.error().find("IOTHUB_PG_BINDIR"), std::string::npos) << server.error();
}

}  // namespace
}  // namespace iothub::testing
