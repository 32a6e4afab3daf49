#include "store/postgres_connection.h"

#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "store/status_macros.h"

namespace iothub::store {
namespace {

using Clock = std::chrono::steady_clock;

// The Store's code for a server error, by SQLSTATE (PostgreSQL's Appendix A).
absl::StatusCode CodeOf(std::string_view sqlstate) {
  if (sqlstate == "23505") return absl::StatusCode::kAlreadyExists;       // unique_violation
  if (sqlstate == "23503") return absl::StatusCode::kFailedPrecondition;  // foreign_key
  // raise_exception: our triggers guard invariants (the append-only audit log).
  if (sqlstate == "P0001") return absl::StatusCode::kFailedPrecondition;
  if (sqlstate == "23514" || sqlstate == "23502") return absl::StatusCode::kInvalidArgument;
  if (sqlstate.starts_with("22")) return absl::StatusCode::kInvalidArgument;  // data exception
  if (sqlstate.starts_with("08")) return absl::StatusCode::kUnavailable;      // connection
  if (sqlstate.starts_with("53")) return absl::StatusCode::kUnavailable;      // resources
  if (sqlstate.starts_with("57")) return absl::StatusCode::kUnavailable;      // timeout, shutdown
  if (sqlstate == "55P03") return absl::StatusCode::kUnavailable;             // lock_not_available
  if (sqlstate.starts_with("40")) return absl::StatusCode::kUnavailable;      // serialization
  return absl::StatusCode::kInternal;
}

std::string_view Field(const PGresult* result, int field) {
  const char* value = PQresultErrorField(result, field);
  return value != nullptr ? std::string_view(value) : std::string_view();
}

// libpq's message on one line (they end in, and may hold, newlines and tabs).
std::string OneLine(const char* message) {
  std::string out;
  for (const char* c = message != nullptr ? message : ""; *c != '\0'; ++c) {
    const bool space = *c == '\n' || *c == '\t' || *c == ' ';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : *c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

// --- PgParams ---

PgParams& PgParams::Text(std::string_view value) {
  values_.emplace_back(std::string(value));
  return *this;
}
PgParams& PgParams::Int64(std::int64_t value) {
  values_.emplace_back(absl::StrCat(value));
  return *this;
}
PgParams& PgParams::Null() {
  values_.emplace_back(std::nullopt);
  return *this;
}
PgParams& PgParams::OptionalText(const std::optional<std::string>& value) {
  return value ? Text(*value) : Null();
}
PgParams& PgParams::OptionalInt64(const std::optional<std::int64_t>& value) {
  return value ? Int64(*value) : Null();
}

std::vector<const char*> PgParams::Pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& value : values_) out.push_back(value ? value->c_str() : nullptr);
  return out;
}

absl::Status PgParams::Check() const {
  for (std::size_t i = 0; i < values_.size(); ++i) {
    if (values_[i] && values_[i]->find('\0') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter $", i + 1, " holds a NUL byte, which PostgreSQL text cannot"));
    }
  }
  return absl::OkStatus();
}

// --- PgResult ---

PgResult::PgResult(PGresult* result) : result_(result) {}
PgResult::~PgResult() { PQclear(result_); }
PgResult::PgResult(PgResult&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

int PgResult::rows() const { return PQntuples(result_); }

std::string_view PgResult::command() const { return PQcmdStatus(result_); }

std::int64_t PgResult::affected() const {
  std::int64_t n = 0;
  return absl::SimpleAtoi(PQcmdTuples(result_), &n) ? n : 0;
}

bool PgResult::IsNull(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

std::string_view PgResult::TextView(int row, int column) const {
  return std::string_view(PQgetvalue(result_, row, column),
                          static_cast<std::size_t>(PQgetlength(result_, row, column)));
}

std::optional<std::string> PgResult::OptionalText(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  return Text(row, column);
}

absl::StatusOr<std::int64_t> PgResult::Int64(int row, int column) const {
  std::int64_t n = 0;
  if (IsNull(row, column) || !absl::SimpleAtoi(Sv(TextView(row, column)), &n)) {
    return absl::InternalError(absl::StrCat("column ", column, " is not an integer"));
  }
  return n;
}

absl::StatusOr<std::optional<std::int64_t>> PgResult::OptionalInt64(int row, int column) const {
  if (IsNull(row, column)) return std::optional<std::int64_t>();
  absl::StatusOr<std::int64_t> n = Int64(row, column);
  if (!n.ok()) return n.status();
  return std::optional<std::int64_t>(*n);
}

// --- PgConnection ---

PgConnection::PgConnection(std::string url) : url_(std::move(url)) {}

PgConnection::~PgConnection() { Drop(); }

void PgConnection::Drop() {
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = nullptr;
}

void PgConnection::DropIfInTransaction() {
  if (conn_ != nullptr && PQtransactionStatus(conn_) != PQTRANS_IDLE) Drop();
}

int PgConnection::backend_pid() const { return conn_ != nullptr ? PQbackendPID(conn_) : 0; }

absl::Status PgConnection::Connect() {
  if (conn_ != nullptr) return absl::OkStatus();
  // Our defaults first: the URL (expanded from dbname) overrides any of them. Keepalives
  // let an idle listening connection notice a vanished server.
  const std::string connect_timeout = absl::StrCat(kPgConnectTimeoutSeconds);
  const char* keywords[] = {
      "connect_timeout",     "application_name", "client_encoding", "keepalives_idle",
      "keepalives_interval", "keepalives_count", "dbname",          nullptr};
  const char* values[] = {
      connect_timeout.c_str(), "iot-hub", "UTF8", "10", "5", "3", url_.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) return absl::UnavailableError("PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    absl::Status status = absl::UnavailableError(
        absl::StrCat("cannot connect to PostgreSQL: ", OneLine(PQerrorMessage(conn))));
    PQfinish(conn);
    return status;
  }
  // Server notices ("relation already exists, skipping") are not errors; keep them out
  // of stderr.
  PQsetNoticeReceiver(
      conn,
      [](void*, const PGresult* notice) {
        spdlog::debug("PostgreSQL notice: {}", OneLine(PQresultErrorMessage(notice)));
      },
      nullptr);
  if (PQsetnonblocking(conn, 1) != 0) {
    PQfinish(conn);
    return absl::InternalError("PostgreSQL: cannot make the connection non-blocking");
  }
  conn_ = conn;
  ++connects_;
  // Every statement is bounded on the server too, and a session stuck in a transaction
  // (a hung client) gives its locks back.
  absl::Status limits = ExecScript(absl::StrCat(
      "SET statement_timeout = ", kPgStatementTimeout.count(),
      "; SET lock_timeout = ", kPgLockTimeout.count(),
      "; SET idle_in_transaction_session_timeout = ", kPgIdleInTransactionTimeout.count()));
  if (!limits.ok()) Drop();
  return limits;
}

absl::Status PgConnection::Broken(std::string_view what) {
  absl::Status status = absl::UnavailableError(
      absl::StrCat(Sv(what), ": PostgreSQL connection lost: ", OneLine(PQerrorMessage(conn_))));
  Drop();
  return status;
}

absl::Status PgConnection::WaitSocket(bool for_write, Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return absl::DeadlineExceededError("timed out");
  pollfd fd{.fd = PQsocket(conn_),
            .events = static_cast<short>(for_write ? POLLOUT : POLLIN),
            .revents = 0};
  const int n = ::poll(&fd, 1, static_cast<int>(left));
  if (n < 0 && errno != EINTR) return absl::InternalError("poll failed");
  if (n == 0) return absl::DeadlineExceededError("timed out");
  return absl::OkStatus();
}

absl::StatusOr<PgResult> PgConnection::Run(const std::function<int(pg_conn*)>& send,
                                           std::string_view what, Clock::time_point deadline) {
  if (absl::Status s = Connect(); !s.ok()) return s;
  const auto timed_out = [&] {
    // The server may still be working (or gone): drop the connection, which also ends
    // its transaction, rather than wait for it.
    Drop();
    return absl::UnavailableError(absl::StrCat(Sv(what), ": PostgreSQL did not answer in time"));
  };
  if (send(conn_) != 1) return Broken(what);
  while (true) {  // flush the request
    const int flushed = PQflush(conn_);
    if (flushed == 0) break;
    if (flushed < 0) return Broken(what);
    if (!WaitSocket(/*for_write=*/true, deadline).ok()) return timed_out();
  }
  // Collect every result; the first error wins, otherwise the last result is kept.
  std::optional<PgResult> kept;
  absl::Status error;
  while (true) {
    while (PQisBusy(conn_)) {
      if (!WaitSocket(/*for_write=*/false, deadline).ok()) return timed_out();
      if (PQconsumeInput(conn_) != 1) return Broken(what);
    }
    PGresult* raw = PQgetResult(conn_);
    if (raw == nullptr) break;
    PgResult result(raw);
    const ExecStatusType status = PQresultStatus(raw);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      kept = std::move(result);
    } else if (error.ok()) {
      const std::string_view sqlstate = Field(raw, PG_DIAG_SQLSTATE);
      error =
          absl::Status(sqlstate.empty() ? absl::StatusCode::kUnavailable : CodeOf(sqlstate),
                       absl::StrCat(Sv(what), ": ", Sv(Field(raw, PG_DIAG_MESSAGE_PRIMARY)),
                                    " (sqlstate ", sqlstate.empty() ? "none" : Sv(sqlstate), ")"));
    }
  }
  if (PQstatus(conn_) != CONNECTION_OK) return Broken(what);
  if (!error.ok()) return error;
  if (!kept) return absl::InternalError(absl::StrCat(Sv(what), ": no result"));
  return std::move(*kept);
}

absl::StatusOr<PgResult> PgConnection::Exec(std::string_view sql, const PgParams& params,
                                            std::chrono::milliseconds timeout) {
  if (absl::Status s = params.Check(); !s.ok()) return s;
  const std::string text(sql);
  const std::vector<const char*> values = params.Pointers();
  return Run(
      [&](pg_conn* conn) {
        return PQsendQueryParams(conn, text.c_str(), static_cast<int>(values.size()), nullptr,
                                 values.data(), nullptr, nullptr, /*resultFormat=*/0);
      },
      sql.substr(0, sql.find(' ')), Clock::now() + timeout);
}

absl::Status PgConnection::ExecScript(std::string_view sql, std::chrono::milliseconds timeout) {
  const std::string text(sql);
  return Run([&](pg_conn* conn) { return PQsendQuery(conn, text.c_str()); },
             sql.substr(0, sql.find(' ')), Clock::now() + timeout)
      .status();
}

absl::Status PgConnection::WaitForNotifications(std::chrono::milliseconds timeout,
                                                const NotifyHandler& handler) {
  if (absl::Status s = Connect(); !s.ok()) return s;
  const auto drain = [&] {
    while (PGnotify* notify = PQnotifies(conn_)) {
      const int pid = notify->be_pid;
      PQfreemem(notify);
      handler(pid);
    }
  };
  drain();  // notifications that arrived with an earlier result
  absl::Status waited = WaitSocket(/*for_write=*/false, Clock::now() + timeout);
  if (waited.code() == absl::StatusCode::kDeadlineExceeded) return absl::OkStatus();
  if (!waited.ok()) return waited;
  if (PQconsumeInput(conn_) != 1) return Broken("LISTEN");
  drain();
  return absl::OkStatus();
}

}  // namespace iothub::store
