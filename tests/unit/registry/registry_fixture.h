// Shared set-up for the registry tests: a real SqliteStore on a fresh file and a real CA
// in a TempDir, a ManualClock at the real time (the openssl CLI checks what we issue
// against the real clock), a Registry on them that counts on_change calls, and the
// openssl command line as an independent peer for keys, CSRs and CRL parsing.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "model/plan.h"
#include "registry/ca_files.h"
#include "registry/data_layout.h"
#include "registry/registry.h"
#include "store/sqlite_store.h"
#include "support/temp_dir.h"

namespace iothub::registry {

#define ASSERT_OK(expr)                             \
  do {                                              \
    const auto& result_ = (expr);                   \
    ASSERT_TRUE(result_.ok()) << StatusOf(result_); \
  } while (0)
#define EXPECT_OK(expr)                             \
  do {                                              \
    const auto& result_ = (expr);                   \
    EXPECT_TRUE(result_.ok()) << StatusOf(result_); \
  } while (0)

inline absl::Status StatusOf(const absl::Status& status) { return status; }
template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// Runs a shell command; returns {exit code, stdout+stderr}.
struct Shell {
  int exit_code = -1;
  std::string output;
};
inline Shell RunShell(const std::string& command) {
  Shell result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t read;
  while ((read = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    result.output.append(buffer, read);
  }
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.Set(SystemClock().NowUnixMillis());
    auto store = store::SqliteStore::Open(DatabasePath(dir_.path() / "data").string());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    auto cas = CaKeyring::Open(dir_.path() / "data", crypto::KeyType::kEcP256,
                               clock_.NowUnixMillis(), /*create_if_missing=*/true);
    ASSERT_TRUE(cas.ok()) << cas.status();
    cas_ = *std::move(cas);
    registry_ =
        std::make_unique<Registry>(*store_, *cas_, clock_, DefaultPlans(), [this] { ++changes_; });
  }

  DeviceRegistry& devices() { return registry_->devices(); }
  CertificateService& certificates() { return registry_->certificates(); }
  UserDirectory& users() { return registry_->users(); }
  // The signing CA's certificate.
  std::string CaPem() { return cas_->set()->Signing()->ca.ca_certificate_pem(); }

  // A new user; fails the test when it cannot be made.
  User MakeUser(const std::string& email, const std::string& plan = "free") {
    auto user = users().CreateUser({.email = email, .name = "Test User", .plan = plan}, kActor);
    EXPECT_TRUE(user.ok()) << user.status();
    return user.ok() ? *user : User{};
  }

  // A key and CSR from `openssl req` (`key_args` picks the key); returns the CSR PEM.
  std::string OpensslCsr(
      const std::string& key_args = "-newkey ec -pkeyopt ec_paramgen_curve:P-256") {
    const std::string key = dir_.File("device.key");
    const std::string csr = dir_.File("device.csr");
    std::remove(key.c_str());
    std::remove(csr.c_str());
    const Shell made =
        RunShell("openssl req -new " + key_args + " -nodes -subj /CN=ignored -keyout '" + key +
                 "' -out '" + csr + "'");
    EXPECT_EQ(made.exit_code, 0) << made.output;
    return iothub::testing::ReadFile(csr);
  }

  std::int64_t AuditCount() {
    auto audit = store_->ListAudit(1'000'000);
    EXPECT_TRUE(audit.ok());
    return audit.ok() ? static_cast<std::int64_t>(audit->size()) : -1;
  }
  std::int64_t DeviceCount() {
    auto count = store_->CountDevices(std::nullopt);
    EXPECT_TRUE(count.ok());
    return count.ok() ? *count : -1;
  }
  std::int64_t UserCount() {
    auto count = store_->CountUsers();
    EXPECT_TRUE(count.ok());
    return count.ok() ? *count : -1;
  }

  static constexpr std::string_view kActor = "test:unit";

  iothub::testing::TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<CaKeyring> cas_;
  std::unique_ptr<Registry> registry_;
  int changes_ = 0;
};

}  // namespace iothub::registry
