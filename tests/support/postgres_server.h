// PostgresServer: a real PostgreSQL 15 server for tests, in its own temporary directory:
// initdb, then `postgres` on a free loopback port with its unix socket in that
// directory, stopped (fast shutdown) and removed with the object. Durability is off
// (fsync, synchronous_commit): tests need speed, not crash safety.
//
// PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user
// (setpriv; the directory is handed to that user). The binaries come from
// $IOTHUB_PG_BINDIR, else /usr/lib/postgresql/15/bin. Nothing is skipped: when they
// are missing ok() is false and error() says what to install, and tests ASSERT ok().
//
// SharedPostgresServer() is one server per test process, started on first use and
// stopped when the process's tests end (a gtest environment), so a binary's Postgres
// tests pay for initdb once. Thread-compatible: drive it from the test's main thread.
#pragma once

#include <memory>
#include <string>

#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace iothub::testing {

class PostgresServer {
 public:
  PostgresServer();  // initdb and Start()
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  int port() const { return port_; }

  // A libpq URL of database `db` for the superuser `postgres` (no password: trust).
  std::string Url(const std::string& db = "postgres") const;
  // A fresh, empty database (test_1, test_2, ...); returns its URL, or "" (and error())
  // on failure.
  std::string CreateDatabase();
  // Runs `sql` with psql on `db`; status 0 on success, psql's messages in err.
  ProcessResult Psql(const std::string& sql, const std::string& db = "postgres") const;

  // Fast shutdown (clients are disconnected); Start() brings it back on the same port
  // and data. Both return false (with error()) on failure.
  bool Stop();
  bool Start();

 private:
  // argv run as the postgres user when this process is root.
  std::vector<std::string> AsPostgres(std::vector<std::string> argv) const;
  std::string Binary(const std::string& name) const;

  TempDir dir_;
  std::string bindir_;
  int port_ = 0;
  int databases_ = 0;
  std::string error_;
  std::unique_ptr<Subprocess> server_;
};

// The process's shared server (see above); never null.
PostgresServer& SharedPostgresServer();

}  // namespace iothub::testing
