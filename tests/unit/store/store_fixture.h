// Shared helpers for the store tests: a SqliteStore on a fresh file in a TempDir and
// builders for rows with sensible defaults.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "model/fingerprint_text.h"
#include "store/sqlite_store.h"
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

}  // namespace iothub::store
