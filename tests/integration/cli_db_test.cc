// `iot-hub db migrate` on both backends, and the PostgreSQL URL's password kept out of
// every output: `db migrate`, `config check`, errors and the server's log.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "support/hub_process.h"
#include "support/postgres_server.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace iothub::testing {
namespace {

constexpr char kSecret[] = "s3cret-pw";

std::map<std::string, std::string> PostgresEnv(const std::string& url) {
  return {{"IOTHUB_STORE__BACKEND", "postgres"}, {"IOTHUB_STORE__POSTGRES_URL", url}};
}

// `postgresql://postgres@host...` with a password added (the test server trusts any).
std::string WithPassword(const std::string& url) {
  const std::string scheme = "postgresql://postgres";
  return scheme + ":" + kSecret + url.substr(scheme.size());
}

// On SQLite, `db migrate` creates <data_dir>/hub.db at the latest version, and again is
// a no-op.
TEST(CliDbTest, MigratesSqlite) {
  TempDir dir;
  for (int i = 0; i < 2; ++i) {
    const CommandResult migrated = RunHub({"db", "migrate", "--data-dir", dir.File("data")});
    EXPECT_EQ(migrated.status, 0) << migrated.err;
    EXPECT_NE(migrated.out.find("sqlite " + dir.File("data/hub.db") + ": schema at version 5"),
              std::string::npos)
        << migrated.out;
  }
  EXPECT_TRUE(std::filesystem::exists(dir.File("data/hub.db")));
}

// On PostgreSQL, `db migrate` creates the schema (JSON output too), never printing the
// password; a server that is not there fails in bounded time, also without it.
TEST(CliDbTest, MigratesPostgresWithoutShowingThePassword) {
  PostgresServer server;
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string url = WithPassword(server.CreateDatabase());
  TempDir dir;
  const CommandResult migrated =
      RunHub({"db", "migrate", "--json", "--data-dir", dir.File("data")}, PostgresEnv(url));
  EXPECT_EQ(migrated.status, 0) << migrated.err;
  EXPECT_NE(migrated.out.find("\"schema_version\": 5"), std::string::npos) << migrated.out;
  EXPECT_NE(migrated.out.find("postgres postgresql://postgres:****@127.0.0.1"), std::string::npos)
      << migrated.out;
  EXPECT_EQ((migrated.out + migrated.err).find(kSecret), std::string::npos);
  EXPECT_EQ(server.Psql("SELECT 1 FROM devices", "test_1").status, 0);

  ASSERT_TRUE(server.Stop());
  const auto start = std::chrono::steady_clock::now();
  const CommandResult down =
      RunHub({"db", "migrate", "--data-dir", dir.File("data")}, PostgresEnv(url));
  EXPECT_EQ(down.status, 1);
  EXPECT_NE(down.err.find("cannot open the database (postgres postgresql://postgres:****@"),
            std::string::npos)
      << down.err;
  EXPECT_EQ((down.out + down.err).find(kSecret), std::string::npos) << down.err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

// `config check` names the store with the password redacted, and refuses a bad URL or
// backend without echoing the URL.
TEST(CliDbTest, ConfigCheckRedactsTheUrl) {
  TempDir dir;
  WriteFile(dir.File("pg.toml"), std::string("[store]\nbackend = \"postgres\"\npostgres_url = "
                                             "\"postgresql://hub:") +
                                     kSecret + "@db.example:5432/iothub\"\n");
  const CommandResult ok = RunHub({"config", "check", dir.File("pg.toml")});
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_NE(ok.out.find("store: postgres postgresql://hub:****@db.example:5432/iothub"),
            std::string::npos)
      << ok.out;
  EXPECT_EQ(ok.out.find(kSecret), std::string::npos);

  WriteFile(dir.File("bad.toml"), std::string("[store]\nbackend = \"postgres\"\npostgres_url = "
                                              "\"host=db password=") +
                                      kSecret + "\"\n");
  const CommandResult bad = RunHub({"config", "check", dir.File("bad.toml")});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("store.postgres_url"), std::string::npos) << bad.err;
  EXPECT_EQ(bad.err.find(kSecret), std::string::npos) << bad.err;

  WriteFile(dir.File("missing.toml"), "[store]\nbackend = \"postgres\"\n");
  const CommandResult missing = RunHub({"config", "check", dir.File("missing.toml")});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("store.postgres_url: required"), std::string::npos) << missing.err;

  WriteFile(dir.File("backend.toml"), "[store]\nbackend = \"mysql\"\n");
  const CommandResult backend = RunHub({"config", "check", dir.File("backend.toml")});
  EXPECT_EQ(backend.status, 2);
  EXPECT_NE(backend.err.find("store.backend: 'mysql' is not sqlite or postgres"), std::string::npos)
      << backend.err;
}

}  // namespace
}  // namespace iothub::testing
