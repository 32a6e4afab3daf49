// Shared helpers for the store tests: the Store contract fixture (each test once per
// backend: a SqliteStore on a fresh file, a PostgresStore on a fresh database of the
// process's shared PostgreSQL server), a SqliteStore-only fixture, and builders for
// rows with sensible defaults.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "model/fingerprint_text.h"
#include "store/database.h"
#include "store/postgres_connection.h"
#include "store/postgres_store.h"
#include "store/sqlite_store.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

namespace iothub::store {

inline const absl::Status& AsStatus(const absl::Status& s) { return s; }
template <typename T>
absl::Status AsStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

// gtest helpers for absl::Status and absl::StatusOr; `expr` is evaluated once.
#define EXPECT_OK(expr)                                             \
  do {                                                              \
    const absl::Status status_ = ::iothub::store::AsStatus((expr)); \
    EXPECT_TRUE(status_.ok()) << status_;                           \
  } while (0)
#define ASSERT_OK(expr)                                             \
  do {                                                              \
    const absl::Status status_ = ::iothub::store::AsStatus((expr)); \
    ASSERT_TRUE(status_.ok()) << status_;                           \
  } while (0)
#define EXPECT_CODE(expr, code_name) \
  EXPECT_EQ(::iothub::store::AsStatus((expr)).code(), absl::StatusCode::code_name)
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(IOTHUB_TEST_CONCAT(statusor_, __LINE__), lhs, expr)
#define IOTHUB_TEST_CONCAT_INNER(a, b) a##b
#define IOTHUB_TEST_CONCAT(a, b) IOTHUB_TEST_CONCAT_INNER(a, b)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  ASSERT_TRUE(tmp.ok()) << tmp.status();          \
  lhs = std::move(*tmp)

inline Device MakeDevice(std::string id, UnixMillis created_at = 1000,
                         std::optional<std::string> owner = std::nullopt) {
  Device d;
  d.id = std::move(id);
  d.model = "sensor-v1";
  d.public_key = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
  d.owner_id = std::move(owner);
  d.status = d.owner_id ? DeviceStatus::kBound : DeviceStatus::kUnbound;
  d.created_at = created_at;
  return d;
}

inline User MakeUser(std::string id, std::string email, std::string subject = "",
                     UnixMillis created_at = 1000) {
  User u;
  u.id = std::move(id);
  u.email = std::move(email);
  u.subject = std::move(subject);
  u.name = "Test User";
  u.created_at = created_at;
  u.updated_at = created_at;
  return u;
}

// A fingerprint whose 32 bytes are all `fill` except the last, which is `tag`.
inline Fingerprint MakeFingerprint(std::uint8_t fill, std::uint8_t tag = 0) {
  Fingerprint f;
  f.fill(fill);
  f.back() = tag;
  return f;
}

inline Certificate MakeCertificate(std::string id, std::string device_id, const Fingerprint& fp,
                                   std::string serial, UnixMillis created_at = 2000) {
  Certificate c;
  c.id = std::move(id);
  c.device_id = std::move(device_id);
  c.client_cert_pem = "-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n";
  c.ca_cert_pem = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
  c.fingerprint = FormatFingerprint(fp);
  c.serial_number = std::move(serial);
  c.valid_from = created_at;
  c.valid_to = created_at + 365LL * 24 * 3600 * 1000;
  c.created_at = created_at;
  return c;
}

// A SqliteStore on <tempdir>/data/hub.db (the data directory does not exist yet).
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("data/hub.db");
    auto opened = SqliteStore::Open(path_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
  }

  iothub::testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<SqliteStore> store_;
};

enum class Backend { kSqlite, kPostgres };

// Test names and gtest's printout ("/sqlite", "/postgres").
inline std::string BackendName(Backend backend) {
  return backend == Backend::kPostgres ? "postgres" : "sqlite";
}
inline void PrintTo(Backend backend, std::ostream* os) { *os << BackendName(backend); }

// The Store contract: tests written once against Store and instantiated for every
// backend with INSTANTIATE_STORE_CONTRACT (instantiations Sqlite/... and Postgres/...).
class StoreContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (backend() == Backend::kPostgres) {
      iothub::testing::PostgresServer& server = iothub::testing::SharedPostgresServer();
      ASSERT_TRUE(server.ok()) << server.error();
      url_ = server.CreateDatabase();
      ASSERT_FALSE(url_.empty()) << server.error();
    } else {
      path_ = dir_.File("data/hub.db");
    }
    auto opened = OpenAnother();
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
  }

  Backend backend() const { return GetParam(); }

  // Another store on the same database, as another process (the CLI, a second hub)
  // would open it.
  absl::StatusOr<std::unique_ptr<Store>> OpenAnother() {
    if (backend() == Backend::kPostgres) {
      auto opened = PostgresStore::Open(url_);
      if (!opened.ok()) return opened.status();
      return std::unique_ptr<Store>(std::move(*opened));
    }
    auto opened = SqliteStore::Open(path_);
    if (!opened.ok()) return opened.status();
    return std::unique_ptr<Store>(std::move(*opened));
  }

  // Runs raw SQL on a connection of its own, bypassing the Store.
  absl::Status ExecuteSql(const std::string& sql) {
    if (backend() == Backend::kPostgres) return PgConnection(url_).ExecScript(sql);
    auto db = Database::Open(path_, 1000);
    if (!db.ok()) return db.status();
    return (*db)->Execute(sql);
  }

  iothub::testing::TempDir dir_;
  std::string path_;  // SQLite
  std::string url_;   // PostgreSQL
  std::unique_ptr<Store> store_;
};

#define INSTANTIATE_STORE_CONTRACT(Suite)                                                       \
  INSTANTIATE_TEST_SUITE_P(Sqlite, Suite, ::testing::Values(::iothub::store::Backend::kSqlite), \
                           [](const auto& info) { return BackendName(info.param); });           \
  INSTANTIATE_TEST_SUITE_P(Postgres, Suite,                                                     \
                           ::testing::Values(::iothub::store::Backend::kPostgres),              \
                           [](const auto& info) { return BackendName(info.param); })

}  // namespace iothub::store
