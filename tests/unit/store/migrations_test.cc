#include "store/migrations.h"

#include <gtest/gtest.h>

#include "store/database.h"
#include "store/schema.h"
#include "store_fixture.h"

namespace iothub::store {
namespace {

constexpr Migration kTwo[] = {
    {1, "create a", "CREATE TABLE a (x INTEGER)"},
    {2, "create b", "CREATE TABLE b (y INTEGER); INSERT INTO b VALUES (42)"},
};

class MigrationsTest : public ::testing::Test {
 protected:
  std::unique_ptr<Database> OpenDb() {
    auto db = Database::Open(dir_.File("m.db"), 1000);
    EXPECT_TRUE(db.ok()) << db.status();
    return std::move(*db);
  }
  std::int64_t Count(Database& db, std::string_view sql) {
    auto s = db.Prepare(sql);
    EXPECT_TRUE(s.ok()) << s.status();
    auto row = s->Step();
    EXPECT_TRUE(row.ok() && *row);
    return s->ColumnInt64(0);
  }

  iothub::testing::TempDir dir_;
};

// A fresh file gets every migration and records each version.
TEST_F(MigrationsTest, AppliesAllAndRecordsVersions) {
  auto db = OpenDb();
  ASSERT_OK_AND_ASSIGN(int before, ReadSchemaVersion(*db));
  EXPECT_EQ(before, 0);
  ASSERT_OK_AND_ASSIGN(int version, Migrate(*db, kTwo));
  EXPECT_EQ(version, 2);
  ASSERT_OK_AND_ASSIGN(int after, ReadSchemaVersion(*db));
  EXPECT_EQ(after, 2);
  EXPECT_EQ(Count(*db, "SELECT COUNT(*) FROM schema_version"), 2);
  EXPECT_EQ(Count(*db, "SELECT y FROM b"), 42);
}

// Migrating again (reopening) changes nothing: no duplicate rows, no re-run DDL.
TEST_F(MigrationsTest, IdempotentOnReopen) {
  ASSERT_OK(Migrate(*OpenDb(), kTwo));
  auto db = OpenDb();
  ASSERT_OK_AND_ASSIGN(int version, Migrate(*db, kTwo));
  EXPECT_EQ(version, 2);
  EXPECT_EQ(Count(*db, "SELECT COUNT(*) FROM b"), 1);
  EXPECT_EQ(Count(*db, "SELECT COUNT(*) FROM schema_version"), 2);
}

// An older database is brought forward by only the missing migrations.
TEST_F(MigrationsTest, AppliesOnlyMissingOnes) {
  ASSERT_OK(Migrate(*OpenDb(), std::span(kTwo).first(1)));
  auto db = OpenDb();
  ASSERT_OK_AND_ASSIGN(int version, Migrate(*db, kTwo));
  EXPECT_EQ(version, 2);
  EXPECT_EQ(Count(*db, "SELECT COUNT(*) FROM a"), 0);
}

// A database from a newer build is refused and left untouched.
TEST_F(MigrationsTest, RefusesNewerDatabase) {
  ASSERT_OK(Migrate(*OpenDb(), kTwo));
  auto db = OpenDb();
  auto result = Migrate(*db, std::span(kTwo).first(1));
  EXPECT_CODE(result, kFailedPrecondition);
  EXPECT_NE(result.status().message().find("newer"), absl::string_view::npos);
  EXPECT_EQ(Count(*db, "SELECT COUNT(*) FROM schema_version"), 2);
}

// A failing migration is rolled back whole; earlier ones stay applied.
TEST_F(MigrationsTest, FailedMigrationRollsBack) {
  constexpr Migration kBroken[] = {
      {1, "create a", "CREATE TABLE a (x INTEGER)"},
      {2, "half broken", "CREATE TABLE c (z INTEGER); INSERT INTO nowhere VALUES (1)"},
  };
  auto db = OpenDb();
  EXPECT_FALSE(Migrate(*db, kBroken).ok());
  ASSERT_OK_AND_ASSIGN(int version, ReadSchemaVersion(*db));
  EXPECT_EQ(version, 1);
  EXPECT_EQ(Count(*db, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'c'"), 0);
}

// Migration lists must be numbered 1, 2, 3...
TEST_F(MigrationsTest, RejectsMisnumberedList) {
  constexpr Migration kGap[] = {{1, "a", "SELECT 1"}, {3, "c", "SELECT 1"}};
  EXPECT_CODE(Migrate(*OpenDb(), kGap), kInvalidArgument);
}

// Opening a SqliteStore on a file from a newer build fails with FailedPrecondition.
TEST_F(MigrationsTest, StoreRefusesNewerDatabase) {
  const std::string path = dir_.File("hub.db");
  { ASSERT_OK(SqliteStore::Open(path)); }
  {
    auto db = Database::Open(path, 1000);
    ASSERT_TRUE(db.ok());
    ASSERT_OK((*db)->Execute(
        "INSERT INTO schema_version (version, description, applied_at) VALUES (999, 'x', 0)"));
  }
  EXPECT_CODE(SqliteStore::Open(path), kFailedPrecondition);
}

// Reopening a SqliteStore keeps its data and its schema version.
TEST_F(MigrationsTest, StoreReopenKeepsDataAndVersion) {
  const std::string path = dir_.File("hub.db");
  {
    ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::Open(path));
    ASSERT_OK(store->CreateDevice(MakeDevice("dev-1")));
  }
  ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::Open(path));
  EXPECT_OK(store->GetDevice("dev-1"));
  auto db = Database::Open(path, 1000);
  ASSERT_TRUE(db.ok());
  ASSERT_OK_AND_ASSIGN(int version, ReadSchemaVersion(**db));
  EXPECT_EQ(version, static_cast<int>(StoreMigrations(Dialect::kSqlite).size()));
  EXPECT_EQ(Count(**db, "SELECT COUNT(*) FROM schema_version"),
            static_cast<std::int64_t>(StoreMigrations(Dialect::kSqlite).size()));
}

}  // namespace
}  // namespace iothub::store
