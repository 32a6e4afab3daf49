#include "store/statement.h"

#include <gtest/gtest.h>

#include "store/database.h"
#include "store_fixture.h"

namespace iothub::store {
namespace {

class StatementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(dir_.File("t.db"), 1000);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    ASSERT_OK(db_->Execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT, b BLOB)"));
  }

  // Inserts `v` as text and returns what reading it back gives.
  std::string RoundTrip(std::string_view v) {
    auto insert = db_->GetCachedStatement("INSERT INTO t (v) VALUES (?1)");
    EXPECT_TRUE(insert.ok());
    insert->BindText(1, v);
    EXPECT_OK(insert->Run());
    auto select = db_->GetCachedStatement("SELECT v FROM t WHERE k = last_insert_rowid()");
    EXPECT_TRUE(select.ok());
    auto row = select->Step();
    EXPECT_TRUE(row.ok() && *row);
    return select->ColumnText(0);
  }

  iothub::testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

// Bound text is stored verbatim: quotes, SQL, NUL bytes and non-ASCII survive.
TEST_F(StatementTest, TextIsStoredVerbatim) {
  const std::string with_nul("a\0b\0", 4);
  for (std::string_view v :
       {std::string_view("'; DROP TABLE t; --"), std::string_view("\"'\\"),
        std::string_view(with_nul), std::string_view("Grüße, 世界 🚀"), std::string_view("")}) {
    EXPECT_EQ(RoundTrip(v), v);
  }
  ASSERT_OK_AND_ASSIGN(Statement count, db_->Prepare("SELECT COUNT(*) FROM t"));
  ASSERT_OK_AND_ASSIGN(bool row, count.Step());
  ASSERT_TRUE(row);
  EXPECT_EQ(count.ColumnInt64(0), 5);  // the table is still there
}

// An empty string binds as '' and NULL stays distinguishable from it.
TEST_F(StatementTest, EmptyIsNotNull) {
  ASSERT_OK_AND_ASSIGN(Statement s, db_->Prepare("SELECT ?1, ?2, ?3"));
  s.BindText(1, "");
  s.BindNull(2);
  s.BindOptionalInt64(3, std::nullopt);
  ASSERT_OK_AND_ASSIGN(bool row, s.Step());
  ASSERT_TRUE(row);
  EXPECT_FALSE(s.ColumnIsNull(0));
  EXPECT_EQ(s.ColumnOptionalText(0), std::optional<std::string>(""));
  EXPECT_TRUE(s.ColumnIsNull(1));
  EXPECT_EQ(s.ColumnOptionalInt64(2), std::nullopt);
}

// Blobs keep every byte, including NULs and high bytes.
TEST_F(StatementTest, BlobRoundTrip) {
  const std::string bytes("\x00\xff\x10\x00", 4);
  ASSERT_OK_AND_ASSIGN(Statement s, db_->Prepare("SELECT ?1"));
  s.BindBlob(1, bytes);
  ASSERT_OK_AND_ASSIGN(bool row, s.Step());
  ASSERT_TRUE(row);
  EXPECT_EQ(s.ColumnBlobView(0), bytes);
}

// A bind to a parameter that does not exist is reported by Step, not ignored.
TEST_F(StatementTest, BadBindIndexIsAnError) {
  ASSERT_OK_AND_ASSIGN(Statement s, db_->Prepare("SELECT ?1"));
  s.BindInt64(2, 7);
  EXPECT_FALSE(s.Step().ok());
}

// Invalid SQL fails to prepare with SQLite's message.
TEST_F(StatementTest, PrepareErrorCarriesMessage) {
  auto s = db_->Prepare("SELEC nonsense");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(s.status().message().find("syntax error"), absl::string_view::npos);
}

// A cached statement is reused after its handle dies, and nested use of the same SQL
// gets an independent statement instead of clobbering the first.
TEST_F(StatementTest, CachedStatementsAreResetAndNestable) {
  ASSERT_OK(db_->Execute("INSERT INTO t (v) VALUES ('x'), ('y')"));
  constexpr char kSql[] = "SELECT v FROM t ORDER BY k";
  {
    ASSERT_OK_AND_ASSIGN(Statement outer, db_->GetCachedStatement(kSql));
    ASSERT_OK_AND_ASSIGN(bool row, outer.Step());
    ASSERT_TRUE(row);
    ASSERT_OK_AND_ASSIGN(Statement inner, db_->GetCachedStatement(kSql));
    ASSERT_OK_AND_ASSIGN(bool inner_row, inner.Step());
    ASSERT_TRUE(inner_row);
    EXPECT_EQ(inner.ColumnText(0), "x");
    EXPECT_EQ(outer.ColumnText(0), "x");
    ASSERT_OK_AND_ASSIGN(row, outer.Step());
    ASSERT_TRUE(row);
    EXPECT_EQ(outer.ColumnText(0), "y");
  }
  ASSERT_OK_AND_ASSIGN(Statement again, db_->GetCachedStatement(kSql));
  ASSERT_OK_AND_ASSIGN(bool row, again.Step());
  ASSERT_TRUE(row);
  EXPECT_EQ(again.ColumnText(0), "x");  // started over
}

// Constraint failures map to status codes callers can branch on.
TEST_F(StatementTest, ConstraintErrorsMapToCodes) {
  ASSERT_OK(db_->Execute(
      "CREATE TABLE p (id TEXT PRIMARY KEY);"
      "CREATE TABLE c (id TEXT UNIQUE, p TEXT REFERENCES p(id), n INTEGER CHECK (n > 0));"
      "PRAGMA foreign_keys = ON; INSERT INTO p VALUES ('a');"
      "INSERT INTO c VALUES ('one', 'a', 1)"));
  auto run = [&](std::string_view id, std::string_view p, int n) {
    auto s = db_->Prepare("INSERT INTO c VALUES (?1, ?2, ?3)");
    EXPECT_TRUE(s.ok());
    s->BindText(1, id);
    s->BindText(2, p);
    s->BindInt64(3, n);
    return s->Run();
  };
  EXPECT_CODE(run("one", "a", 1), kAlreadyExists);
  EXPECT_CODE(run("two", "missing", 1), kFailedPrecondition);
  EXPECT_CODE(run("three", "a", 0), kInvalidArgument);
  EXPECT_OK(run("four", "a", 2));
}

}  // namespace
}  // namespace iothub::store
