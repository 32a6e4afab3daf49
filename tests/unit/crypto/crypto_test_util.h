// Helpers for the crypto tests: the openssl command line as an independent peer (to make
// keys and CSRs, and to check what we produce), a CA per test, and DER/PEM plumbing.
// Not thread-safe across tests that share a directory; each test uses its own TempDir.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "crypto/base64.h"
#include "crypto/certificate_authority.h"
#include "support/temp_dir.h"

namespace iothub::crypto::test {

using ::iothub::testing::ReadFile;
using ::iothub::testing::TempDir;
using ::iothub::testing::WriteFile;

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `command` with /bin/sh, capturing its output.
inline CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t read;
  while ((read = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    result.output.append(buffer, read);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Quotes a path for the shell (temp paths have no quotes, but be safe).
inline std::string Q(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

// The real time: the openssl CLI checks validity against it.
inline UnixMillis Now() { return SystemClock().NowUnixMillis(); }

// Writes a new key and CSR with `openssl req` in `dir` and returns the CSR PEM.
// `key_args` chooses the key, e.g. "-newkey ec -pkeyopt ec_paramgen_curve:P-256".
inline std::string OpensslCsr(const TempDir& dir, const std::string& key_args,
                              const std::string& extra = "",
                              const std::string& subject = "/CN=whatever") {
  const auto key = dir.path() / "device.key";
  const auto csr = dir.path() / "device.csr";
  std::filesystem::remove(key);
  std::filesystem::remove(csr);
  const CommandResult made =
      RunCommand("openssl req -new " + key_args + " -nodes -subj '" + subject + "' " + extra +
                 " -keyout " + Q(key) + " -out " + Q(csr));
  EXPECT_EQ(made.exit_code, 0) << made.output;
  return ReadFile(csr);
}

inline std::string OpensslEcCsr(const TempDir& dir) {
  return OpensslCsr(dir, "-newkey ec -pkeyopt ec_paramgen_curve:P-256");
}

// A new EC P-256 CA in `dir`; aborts the test binary when that fails (nothing else
// could run).
inline CertificateAuthority MakeCa(const std::filesystem::path& dir,
                                   KeyType type = KeyType::kEcP256, UnixMillis now = Now()) {
  absl::StatusOr<CertificateAuthority> ca = CertificateAuthority::Create(dir, type, now);
  if (!ca.ok()) {
    std::cerr << "cannot create CA: " << ca.status() << "\n";
    std::abort();
  }
  return *std::move(ca);
}

// PEM text with an arbitrary label, for inputs our own helpers would not produce.
inline std::string ToPem(std::string_view label, std::string_view der) {
  const std::string base64 = Base64Encode(der);
  std::string out = "-----BEGIN " + std::string(label) + "-----\n";
  for (std::size_t i = 0; i < base64.size(); i += 64) out += base64.substr(i, 64) + "\n";
  return out + "-----END " + std::string(label) + "-----\n";
}

}  // namespace iothub::crypto::test
