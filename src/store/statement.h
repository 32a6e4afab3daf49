// Statement: one prepared SQLite statement (after Chromium's sql/statement.h). Values
// are always bound as parameters, never spliced into SQL text, so any string (quotes,
// NUL bytes, "'; DROP TABLE ...") is stored verbatim.
//
// Thread-compatible: a Statement belongs to the connection it was prepared on, and the
// caller must hold that connection exclusively while using it.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace iothub::store {

class Statement {
 public:
  // Takes `stmt`. When `in_use` is non-null the statement is borrowed from a
  // connection's cache: destruction resets it and clears *in_use instead of finalizing.
  Statement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binding. `index` is 1-based, matching `?1`, `?2`... in the SQL text. A failed bind
  // (index out of range) is remembered and reported by the next Step()/Run().
  void BindInt64(int index, std::int64_t value);
  void BindText(int index, std::string_view value);  // copied; may hold NUL bytes
  void BindBlob(int index, std::string_view bytes);  // copied
  void BindNull(int index);
  void BindOptionalText(int index, const std::optional<std::string>& value);
  void BindOptionalInt64(int index, const std::optional<std::int64_t>& value);

  // Advances: true when a row is available, false when the statement is done.
  absl::StatusOr<bool> Step();
  // Steps until done, ignoring rows; for INSERT/UPDATE/DELETE.
  absl::Status Run();
  // Rewinds for another execution and clears all bindings.
  void Reset();

  // Columns of the current row; `index` is 0-based. Views stay valid until the next
  // Step() or Reset().
  bool ColumnIsNull(int index) const;
  std::int64_t ColumnInt64(int index) const;
  std::string_view ColumnTextView(int index) const;
  std::string ColumnText(int index) const { return std::string(ColumnTextView(index)); }
  std::string_view ColumnBlobView(int index) const;
  std::optional<std::string> ColumnOptionalText(int index) const;
  std::optional<std::int64_t> ColumnOptionalInt64(int index) const;

  // The SQL text, for error messages.
  std::string_view sql() const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool* in_use_;             // non-null when borrowed from a cache
  int bind_rc_ = SQLITE_OK;  // first failed bind, reported by Step()
};

}  // namespace iothub::store
