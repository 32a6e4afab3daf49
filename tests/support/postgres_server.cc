#include "support/postgres_server.h"

#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

namespace iothub::testing {
namespace {

constexpr char kDefaultBinDir[] = "/usr/lib/postgresql/15/bin";
constexpr auto kStartTimeout = std::chrono::seconds(30);

}  // namespace

PostgresServer::PostgresServer() {
  const char* bindir = std::getenv("IOTHUB_PG_BINDIR");
  bindir_ = bindir != nullptr && *bindir != '\0' ? bindir : kDefaultBinDir;
  for (const char* tool : {"initdb", "postgres", "psql", "pg_isready"}) {
    if (access(Binary(tool).c_str(), X_OK) != 0) {
      error_ = "PostgreSQL 15 is not installed (no " + Binary(tool) +
               "): run scripts/install-deps.sh (postgresql-15) or set IOTHUB_PG_BINDIR";
      return;
    }
  }
  if (geteuid() == 0) {
    const passwd* user = getpwnam("postgres");
    if (user == nullptr) {
      error_ = "running as root and there is no `postgres` user to run PostgreSQL as";
      return;
    }
    if (chown(dir_.path().c_str(), user->pw_uid, user->pw_gid) != 0) {
      error_ = "cannot hand " + dir_.path().string() + " to the postgres user";
      return;
    }
  }
  const ProcessResult init = RunProcess(
      AsPostgres({Binary("initdb"), "-D", dir_.File("data"), "-U", "postgres", "-A", "trust", "-E",
                  "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"}),
      std::chrono::seconds(120));
  if (init.status != 0) {
    error_ = "initdb failed: " + init.err;
    return;
  }
  port_ = FreeTcpPort();
  Start();
}

PostgresServer::~PostgresServer() { Stop(); }

std::string PostgresServer::Binary(const std::string& name) const { return bindir_ + "/" + name; }

std::vector<std::string> PostgresServer::AsPostgres(std::vector<std::string> argv) const {
  if (geteuid() != 0) return argv;
  // setpriv execs the program itself (no intermediate process), so the Subprocess's pid
  // is the server's.
  std::vector<std::string> out = {"/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres",
                                  "--init-groups", "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

bool PostgresServer::Start() {
  if (server_ != nullptr) return true;
  server_ = std::make_unique<Subprocess>(
      AsPostgres({Binary("postgres"), "-D", dir_.File("data"), "-p", std::to_string(port_), "-k",
                  dir_.path().string(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
                  "synchronous_commit=off", "-c", "full_page_writes=off", "-c",
                  "max_connections=200"}),
      dir_.File("server.log"), dir_.File("server.log"));
  // The port opens before the server accepts sessions ("the database system is starting
  // up"): wait until pg_isready says it does.
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (server_->started() && server_->Running()) {
    const ProcessResult ready =
        RunProcess({Binary("pg_isready"), "-q", "-h", "127.0.0.1", "-p", std::to_string(port_)},
                   std::chrono::seconds(5));
    if (ready.status == 0) return true;
    if (std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  error_ = "PostgreSQL did not start: " + ReadFile(dir_.File("server.log"));
  server_.reset();
  return false;
}

bool PostgresServer::Stop() {
  if (server_ == nullptr) return true;
  server_->Signal(SIGINT);  // fast shutdown: does not wait for clients
  const bool stopped = server_->WaitExit(kStartTimeout).has_value();
  server_->Stop();
  server_.reset();
  return stopped;
}

std::string PostgresServer::Url(const std::string& db) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + db;
}

ProcessResult PostgresServer::Psql(const std::string& sql, const std::string& db) const {
  return RunProcess({Binary("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", Url(db), "-c", sql},
                    std::chrono::seconds(60));
}

std::string PostgresServer::CreateDatabase() {
  const std::string name = "test_" + std::to_string(++databases_);
  const ProcessResult made = Psql("CREATE DATABASE " + name);
  if (made.status != 0) {
    error_ = "CREATE DATABASE failed: " + made.err;
    return "";
  }
  return Url(name);
}

namespace {

// Stops the shared server after the last test of the process.
class SharedServerEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { server.reset(); }
  std::unique_ptr<PostgresServer> server;
};

SharedServerEnvironment* TheEnvironment() {
  // gtest owns and deletes registered environments.
  static auto* environment = static_cast<SharedServerEnvironment*>(
      ::testing::AddGlobalTestEnvironment(new SharedServerEnvironment));
  return environment;
}

}  // namespace

PostgresServer& SharedPostgresServer() {
  SharedServerEnvironment* environment = TheEnvironment();
  if (environment->server == nullptr) environment->server = std::make_unique<PostgresServer>();
  return *environment->server;
}

}  // namespace iothub::testing
