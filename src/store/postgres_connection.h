// PgConnection: one libpq connection with every call bounded in time, errors as
// absl::Status (SQLSTATE mapped to the Store's codes), and automatic reconnection: a
// call on a broken connection first reconnects (bounded by connect_timeout).
//
// Statements go out with PQsendQueryParams and the reply is awaited with poll() up to
// a client-side deadline, so a server that stops answering (a network partition, where
// statement_timeout on the server cannot help) costs at most that deadline: the
// connection is then dropped and the call returns Unavailable.
//
// Thread-compatible: the owner serializes calls. Only postgres_* files use this; domain
// code never sees libpq.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct pg_conn;
struct pg_result;

namespace iothub::store {

// Session limits every connection sets after connecting.
inline constexpr std::chrono::milliseconds kPgStatementTimeout{5000};
inline constexpr std::chrono::milliseconds kPgLockTimeout{5000};
// A session that dies inside a transaction (a hung hub) releases its locks after this.
inline constexpr std::chrono::milliseconds kPgIdleInTransactionTimeout{30000};
// The client-side deadline of one call: the server's statement_timeout plus a margin.
inline constexpr std::chrono::milliseconds kPgCallTimeout =
    kPgStatementTimeout + std::chrono::seconds(1);
// connect_timeout unless the URL sets one (libpq's unit: seconds).
inline constexpr int kPgConnectTimeoutSeconds = 3;

// Bound parameters of one statement ($1, $2, ... in order). Values are sent as text;
// integers are formatted here. A text value holding a NUL byte cannot be stored in a
// PostgreSQL text column and makes the call fail with InvalidArgument.
class PgParams {
 public:
  PgParams& Text(std::string_view value);
  PgParams& Int64(std::int64_t value);
  PgParams& Null();
  PgParams& OptionalText(const std::optional<std::string>& value);
  PgParams& OptionalInt64(const std::optional<std::int64_t>& value);

  std::size_t size() const { return values_.size(); }
  // Pointers for libpq, valid while this object is unchanged.
  std::vector<const char*> Pointers() const;
  // InvalidArgument when a text value holds a NUL byte.
  absl::Status Check() const;

 private:
  std::vector<std::optional<std::string>> values_;
};

// The rows of one statement (owning the PGresult). Cells are read as text.
class PgResult {
 public:
  explicit PgResult(pg_result* result);
  ~PgResult();
  PgResult(PgResult&& other) noexcept;
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const;
  // The command tag ("COMMIT", "ROLLBACK", "INSERT 0 1", ...).
  std::string_view command() const;
  // Rows the command changed (UPDATE/DELETE/INSERT), 0 for others.
  std::int64_t affected() const;
  bool IsNull(int row, int column) const;
  std::string_view TextView(int row, int column) const;
  std::string Text(int row, int column) const { return std::string(TextView(row, column)); }
  std::optional<std::string> OptionalText(int row, int column) const;
  // Internal error if the cell is not an integer (never for our schema's columns).
  absl::StatusOr<std::int64_t> Int64(int row, int column) const;
  absl::StatusOr<std::optional<std::int64_t>> OptionalInt64(int row, int column) const;

 private:
  pg_result* result_;
};

class PgConnection {
 public:
  // Notification handler of a listening connection: the notifying backend's pid.
  using NotifyHandler = std::function<void(int backend_pid)>;

  // Does not connect yet: the first call (or Connect()) does. `url` is a libpq URL or
  // key=value string.
  explicit PgConnection(std::string url);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Connects now if not connected. Unavailable when the server cannot be reached,
  // with libpq's message (which never holds the password).
  absl::Status Connect();
  bool connected() const { return conn_ != nullptr; }
  // The server process of this connection (0 when not connected); notifications carry it.
  int backend_pid() const;
  // Drops the connection; the next call reconnects. Any open transaction is lost.
  void Drop();
  // Drops the connection if a transaction is still open on it (a failed BEGIN script,
  // say), so that the next call starts clean instead of inside an aborted transaction.
  void DropIfInTransaction();
  // Counts successful connects, so callers can tell that a reconnect happened.
  std::uint64_t connects() const { return connects_; }

  // Runs one statement with bound parameters. Codes: AlreadyExists (unique key),
  // FailedPrecondition (foreign key, our triggers), InvalidArgument (check, not null,
  // bad text), Unavailable (server gone, timeouts, lock waits, serialization failures),
  // Internal otherwise. A failure that breaks the connection drops it.
  absl::StatusOr<PgResult> Exec(std::string_view sql, const PgParams& params = {},
                                std::chrono::milliseconds timeout = kPgCallTimeout);
  // Runs constant SQL text that may hold several statements (DDL, BEGIN; ...), with no
  // parameters.
  absl::Status ExecScript(std::string_view sql, std::chrono::milliseconds timeout = kPgCallTimeout);

  // For a listening connection: waits up to `timeout` for notifications and calls
  // `handler` for each. Unavailable (connection dropped) when the server went away.
  absl::Status WaitForNotifications(std::chrono::milliseconds timeout,
                                    const NotifyHandler& handler);

 private:
  // Sends with `send`, then waits for every result until `deadline`.
  absl::StatusOr<PgResult> Run(const std::function<int(pg_conn*)>& send, std::string_view what,
                               std::chrono::steady_clock::time_point deadline);
  // Waits until the socket is readable (or writable) or the deadline passes.
  absl::Status WaitSocket(bool for_write, std::chrono::steady_clock::time_point deadline);
  // Unavailable with libpq's last message; drops the connection.
  absl::Status Broken(std::string_view what);

  const std::string url_;
  pg_conn* conn_ = nullptr;
  std::uint64_t connects_ = 0;
};

}  // namespace iothub::store
