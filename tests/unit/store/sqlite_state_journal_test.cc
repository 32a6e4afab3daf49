#include "store/sqlite_state_journal.h"

#include <gtest/gtest.h>

#include "store_fixture.h"

namespace iothub::store {
namespace {

using Rows = std::vector<std::pair<std::string, std::string>>;

class StateJournalTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteStateJournal> Open() {
    auto journal = SqliteStateJournal::Open(dir_.File("data/state.db"));
    EXPECT_TRUE(journal.ok()) << journal.status();
    return journal.ok() ? std::move(*journal) : nullptr;
  }

  iothub::testing::TempDir dir_;
};

// What was applied is there after the file is closed and opened again (a restart).
TEST_F(StateJournalTest, EntriesSurviveReopening) {
  {
    auto journal = Open();
    const JournalChange changes[] = {{"c2", "two"}, {"c1", "one"}};
    ASSERT_OK(journal->Apply("sessions", changes));
  }
  auto journal = Open();
  ASSERT_OK_AND_ASSIGN(Rows rows, journal->Load("sessions"));
  EXPECT_EQ(rows, (Rows{{"c1", "one"}, {"c2", "two"}}));
}

// A later value replaces an earlier one; an erase removes it; erasing twice is fine.
TEST_F(StateJournalTest, UpsertAndErase) {
  auto journal = Open();
  const JournalChange first[] = {{"c1", "one"}, {"c2", "two"}};
  ASSERT_OK(journal->Apply("sessions", first));
  const JournalChange second[] = {{"c1", "uno"}, {"c2", std::nullopt}, {"c3", std::nullopt}};
  ASSERT_OK(journal->Apply("sessions", second));
  ASSERT_OK(journal->Apply("sessions", second));
  ASSERT_OK_AND_ASSIGN(Rows rows, journal->Load("sessions"));
  EXPECT_EQ(rows, (Rows{{"c1", "uno"}}));
}

// Kinds are separate name spaces; keys and values are stored verbatim, whatever they hold.
TEST_F(StateJournalTest, KindsAreSeparateAndValuesVerbatim) {
  auto journal = Open();
  const std::string odd_key = std::string("a'; DROP TABLE state_entries; --\0/#+", 36);
  const JournalChange sessions[] = {{odd_key, "{\"x\":1}"}};
  const JournalChange pending[] = {{odd_key, std::string("\0\xff", 2)}};
  ASSERT_OK(journal->Apply("sessions", sessions));
  ASSERT_OK(journal->Apply("pending_rpc", pending));
  ASSERT_OK_AND_ASSIGN(Rows s, journal->Load("sessions"));
  ASSERT_OK_AND_ASSIGN(Rows p, journal->Load("pending_rpc"));
  EXPECT_EQ(s, (Rows{{odd_key, "{\"x\":1}"}}));
  EXPECT_EQ(p, (Rows{{odd_key, std::string("\0\xff", 2)}}));
  ASSERT_OK_AND_ASSIGN(Rows none, journal->Load("other"));
  EXPECT_TRUE(none.empty());
}

// The journal lives in its own file: writing it is not a change of the registry.
TEST_F(StateJournalTest, WritesDoNotChangeTheRegistrysDataVersion) {
  auto store = SqliteStore::Open(dir_.File("data/hub.db"));
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_OK_AND_ASSIGN(std::int64_t before, (*store)->DataVersion());
  auto journal = Open();
  const JournalChange changes[] = {{"c1", "one"}};
  ASSERT_OK(journal->Apply("sessions", changes));
  ASSERT_OK_AND_ASSIGN(std::int64_t after, (*store)->DataVersion());
  EXPECT_EQ(before, after);
}

}  // namespace
}  // namespace iothub::store
