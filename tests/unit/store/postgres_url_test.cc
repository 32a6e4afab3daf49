// Checking and redacting PostgreSQL URLs: the password never survives redaction, and
// the check's errors never echo the URL.
#include "store/postgres_url.h"

#include <gtest/gtest.h>

namespace iothub::store {
namespace {

// The password part of user:password@ and password= parameters become ****.
TEST(RedactUrlTest, HidesPasswords) {
  EXPECT_EQ(RedactPostgresUrl("postgresql://hub:s3cr%40t@db:5432/iothub"),
            "postgresql://hub:****@db:5432/iothub");
  EXPECT_EQ(RedactPostgresUrl("postgres://hub@db/iothub"), "postgres://hub@db/iothub");
  EXPECT_EQ(RedactPostgresUrl("postgresql://db/iothub?user=hub&password=s3cret&sslmode=require"),
            "postgresql://db/iothub?user=hub&password=****&sslmode=require");
  EXPECT_EQ(RedactPostgresUrl("postgresql://a:b@c@db/x"), "postgresql://a:****@db/x");
  // Not a URL at all (a key=value string may hold password=...): shown as nothing.
  EXPECT_EQ(RedactPostgresUrl("host=db password=s3cret"), "(not a postgresql:// URL)");
}

// Only postgresql:// URLs with a host pass; errors do not contain the value.
TEST(RedactUrlTest, CheckRefusesBadUrlsWithoutEchoingThem) {
  EXPECT_TRUE(CheckPostgresUrl("postgresql://hub:pw@db:5432/iothub").ok());
  EXPECT_TRUE(CheckPostgresUrl("postgres://db/iothub?sslmode=verify-full").ok());
  for (const char* bad : {"", "host=db password=s3cret", "mysql://u:s3cret@db/x",
                          "postgresql://u:s3cret@/x", "postgresql://u:s3cret@db/x\n"}) {
    const absl::Status status = CheckPostgresUrl(bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(std::string(status.message()).find("s3cret"), std::string::npos) << status;
  }
}

}  // namespace
}  // namespace iothub::store
