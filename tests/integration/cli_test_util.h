// Helpers for the CLI integration tests: run `iot-hub <args> --data-dir <dir>` on a
// test's data directory, run the openssl command line (keys and CSRs as a device makes
// them, parsing what the hub wrote), and check the CLI's error convention (non-zero exit,
// exactly one line "iot-hub: <reason>" on stderr). Each test uses its own TempDir.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/hub_process.h"
#include "support/temp_dir.h"

namespace iothub::testing {

// The hub CLI on one data directory.
class Cli {
 public:
  explicit Cli(std::filesystem::path data_dir) : data_dir_(std::move(data_dir)) {}

  CommandResult Run(std::vector<std::string> args) const {
    args.push_back("--data-dir");
    args.push_back(data_dir_.string());
    return RunHub(args);
  }

  // Runs with --json and parses stdout; fails the test unless it exits 0 with JSON.
  nlohmann::json Json(std::vector<std::string> args) const {
    args.push_back("--json");
    const CommandResult result = Run(args);
    EXPECT_EQ(result.status, 0) << result.err;
    nlohmann::json parsed = nlohmann::json::parse(result.out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << result.out;
    return parsed;
  }

  const std::filesystem::path& data_dir() const { return data_dir_; }

 private:
  std::filesystem::path data_dir_;
};

// Non-zero exit with exactly one stderr line "iot-hub: ..." containing `expected`.
inline ::testing::AssertionResult FailsWithOneLine(const CommandResult& result,
                                                   const std::string& expected = "") {
  if (result.status == 0) return ::testing::AssertionFailure() << "exit 0; out: " << result.out;
  if (result.err.rfind("iot-hub: ", 0) != 0 || result.err.empty() || result.err.back() != '\n' ||
      result.err.find('\n') != result.err.size() - 1) {
    return ::testing::AssertionFailure()
           << "stderr is not one 'iot-hub: ' line: [" << result.err << "]";
  }
  if (result.err.find(expected) == std::string::npos) {
    return ::testing::AssertionFailure() << "stderr lacks '" << expected << "': " << result.err;
  }
  return ::testing::AssertionSuccess();
}

struct ShellResult {
  int exit_code = -1;
  std::string output;
};

// Runs `command` with /bin/sh; stdout and stderr together.
inline ShellResult Shell(const std::string& command) {
  ShellResult result;
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

// A new key and CSR made by `openssl req` in `dir` as <name>.key / <name>.csr; returns
// the CSR path. `key_args` chooses the key.
inline std::string MakeCsr(
    const TempDir& dir, const std::string& name,
    const std::string& key_args = "-newkey ec -pkeyopt ec_paramgen_curve:P-256") {
  const std::string key = dir.File(name + ".key"), csr = dir.File(name + ".csr");
  const ShellResult made =
      Shell("openssl req -new " + key_args + " -nodes -subj /CN=whatever -keyout '" + key +
            "' -out '" + csr + "'");
  EXPECT_EQ(made.exit_code, 0) << made.output;
  return csr;
}

// The permission bits of `path`.
inline unsigned FileMode(const std::filesystem::path& path) {
  return static_cast<unsigned>(std::filesystem::status(path).permissions()) & 0777;
}

}  // namespace iothub::testing
