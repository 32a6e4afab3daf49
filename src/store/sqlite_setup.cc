#include "store/sqlite_setup.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "store/status_macros.h"

namespace iothub::store {

absl::Status CreateParentDirectory(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return absl::OkStatus();
  std::error_code error;
  std::filesystem::create_directories(parent, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create directory ", parent.string(), ": ", error.message()));
  }
  return absl::OkStatus();
}

absl::Status ConfigureConnection(Database& db) {
  absl::StatusOr<Statement> wal = db.Prepare("PRAGMA journal_mode = WAL");
  if (!wal.ok()) return wal.status();
  absl::StatusOr<bool> row = wal->Step();
  if (!row.ok()) return row.status();
  if (!*row || wal->ColumnTextView(0) != "wal") {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot use WAL journal mode (got '",
                     Sv(*row ? wal->ColumnTextView(0) : std::string_view()),
                     "'); is the path on a local file system?"));
  }
  return db.Execute("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON");
}

}  // namespace iothub::store
