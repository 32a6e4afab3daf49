#include "store/sqlite_state_journal.h"

#include "store/migrations.h"
#include "store/sqlite_setup.h"
#include "store/status_macros.h"
#include "store/transaction.h"

namespace iothub::store {
namespace {

constexpr int kBusyTimeoutMs = 5000;

// One table for every kind: the rows are few (one per connected client, one per pending
// request) and are always read whole at start-up.
constexpr Migration kStateMigrations[] = {
    {1, "ephemeral state entries", R"sql(
CREATE TABLE state_entries (
  kind  TEXT NOT NULL,
  key   TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (kind, key)
) WITHOUT ROWID;
)sql"},
};

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStateJournal>> SqliteStateJournal::Open(
    const std::string& path) {
  RETURN_IF_ERROR(CreateParentDirectory(path));
  ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(path, kBusyTimeoutMs));
  RETURN_IF_ERROR(ConfigureConnection(*db));
  RETURN_IF_ERROR(Migrate(*db, kStateMigrations).status());
  return std::unique_ptr<SqliteStateJournal>(new SqliteStateJournal(std::move(db)));
}

absl::Status SqliteStateJournal::Apply(std::string_view kind,
                                       std::span<const JournalChange> changes) {
  if (changes.empty()) return absl::OkStatus();
  std::lock_guard<std::mutex> lock(mu_);
  Transaction transaction(*db_);
  RETURN_IF_ERROR(transaction.Begin());
  for (const JournalChange& change : changes) {
    if (change.value.has_value()) {
      ASSIGN_OR_RETURN(Statement put,
                       db_->GetCachedStatement("INSERT INTO state_entries (kind, key, value) "
                                               "VALUES (?1, ?2, ?3) ON CONFLICT (kind, key) "
                                               "DO UPDATE SET value = excluded.value"));
      put.BindText(1, kind);
      put.BindText(2, change.key);
      put.BindText(3, *change.value);
      RETURN_IF_ERROR(put.Run());
    } else {
      ASSIGN_OR_RETURN(Statement erase,
                       db_->GetCachedStatement("DELETE FROM state_entries WHERE kind = ?1 AND "
                                               "key = ?2"));
      erase.BindText(1, kind);
      erase.BindText(2, change.key);
      RETURN_IF_ERROR(erase.Run());
    }
  }
  return transaction.Commit();
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> SqliteStateJournal::Load(
    std::string_view kind) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(
      Statement select,
      db_->GetCachedStatement("SELECT key, value FROM state_entries WHERE kind = ?1 ORDER BY key"));
  select.BindText(1, kind);
  std::vector<std::pair<std::string, std::string>> rows;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    rows.emplace_back(select.ColumnText(0), select.ColumnText(1));
  }
  return rows;
}

}  // namespace iothub::store
