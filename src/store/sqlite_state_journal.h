// SqliteStateJournal: the StateJournal in its own SQLite file (<data_dir>/state.db),
// apart from the registry's hub.db: the registry's change detection (data_version)
// counts commits from other connections, and a flush of sessions every second must not
// look like a registry change to the fleet reloader.
//
// Thread-safe: one connection behind a mutex; Apply is one write transaction.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "store/database.h"
#include "store/state_journal.h"

namespace iothub::store {

class SqliteStateJournal final : public StateJournal {
 public:
  // Opens or creates the journal at `path` (WAL, synchronous=NORMAL) and applies its
  // schema. FailedPrecondition when the file was written by a newer build.
  static absl::StatusOr<std::unique_ptr<SqliteStateJournal>> Open(const std::string& path);

  // StateJournal
  absl::Status Apply(std::string_view kind, std::span<const JournalChange> changes) override;
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Load(
      std::string_view kind) override;

 private:
  explicit SqliteStateJournal(std::unique_ptr<Database> db) : db_(std::move(db)) {}

  std::mutex mu_;
  std::unique_ptr<Database> db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace iothub::store
