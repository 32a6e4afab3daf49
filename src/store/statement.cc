#include "store/statement.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "store/sqlite_error.h"
#include "store/status_macros.h"

namespace iothub::store {

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use)
    : db_(db), stmt_(stmt), in_use_(in_use) {}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      bind_rc_(other.bind_rc_) {}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (in_use_ != nullptr) {
    Reset();
    *in_use_ = false;
  } else {
    sqlite3_finalize(stmt_);
  }
}

namespace {
// Remembers the first failing bind so that a mistake surfaces as an error, not as a
// silently NULL parameter.
void Note(int rc, int& first) {
  if (rc != SQLITE_OK && first == SQLITE_OK) first = rc;
}
}  // namespace

void Statement::BindInt64(int index, std::int64_t value) {
  Note(sqlite3_bind_int64(stmt_, index, value), bind_rc_);
}

void Statement::BindText(int index, std::string_view value) {
  // Explicit length: embedded NUL bytes are kept. data() of an empty view may be null,
  // which SQLite would bind as NULL, so give it a valid empty string instead.
  const char* data = value.empty() ? "" : value.data();
  Note(sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
       bind_rc_);
}

void Statement::BindBlob(int index, std::string_view bytes) {
  Note(sqlite3_bind_blob64(stmt_, index, bytes.empty() ? "" : bytes.data(), bytes.size(),
                           SQLITE_TRANSIENT),
       bind_rc_);
}

void Statement::BindNull(int index) { Note(sqlite3_bind_null(stmt_, index), bind_rc_); }

void Statement::BindOptionalText(int index, const std::optional<std::string>& value) {
  if (value) {
    BindText(index, *value);
  } else {
    BindNull(index);
  }
}

void Statement::BindOptionalInt64(int index, const std::optional<std::int64_t>& value) {
  if (value) {
    BindInt64(index, *value);
  } else {
    BindNull(index);
  }
}

absl::StatusOr<bool> Statement::Step() {
  if (bind_rc_ != SQLITE_OK) {
    return absl::InternalError(
        absl::StrCat("bind failed for `", Sv(sql()), "`: ", sqlite3_errstr(bind_rc_)));
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // Since 3.7.15 sqlite3_step returns the specific (extended) code directly.
  return SqliteError(db_, rc, sql());
}

absl::Status Statement::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

bool Statement::ColumnIsNull(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

std::int64_t Statement::ColumnInt64(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string_view Statement::ColumnTextView(int index) const {
  // Text first, then bytes: the documented order that avoids a re-conversion.
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  if (text == nullptr) return {};
  return std::string_view(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)));
}

std::string_view Statement::ColumnBlobView(int index) const {
  const auto* blob = static_cast<const char*>(sqlite3_column_blob(stmt_, index));
  if (blob == nullptr) return {};
  return std::string_view(blob, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)));
}

std::optional<std::string> Statement::ColumnOptionalText(int index) const {
  if (ColumnIsNull(index)) return std::nullopt;
  return ColumnText(index);
}

std::optional<std::int64_t> Statement::ColumnOptionalInt64(int index) const {
  if (ColumnIsNull(index)) return std::nullopt;
  return ColumnInt64(index);
}

std::string_view Statement::sql() const {
  const char* text = sqlite3_sql(stmt_);
  return text == nullptr ? std::string_view() : std::string_view(text);
}

}  // namespace iothub::store
