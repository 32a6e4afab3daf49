// What the registry subcommands of the CLI (ca, device, user) share: opening the store
// (and, for commands that sign, the CA) of the configured data directory as one
// Registry, the audit actor
// "cli:<unix user>", file output, and printing results (JSON with --json, plain text
// otherwise) and errors (one line "iot-hub: <reason>" on stderr).
//
// Exit statuses: 0 success, 1 a refused or failed operation, 2 usage or config error.
// Thread-compatible: one command runs on the main thread.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "app/config.h"
#include "registry/ca_keyring.h"
#include "registry/registry.h"
#include "store/store.h"

namespace iothub::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Whether a CLI command signs with the CA. The one rule (also in `iot-hub --help`):
// a command that signs nothing never touches the CA, so it works on a fresh data dir;
// a command that signs (device sign-csr, ca show/crl/issue-*) loads the CA and, when
// the data dir has none yet, creates it as `serve` does (key type ca.key_type).
enum class CaUse {
  kNone,
  kSigns,
};

// The store, CA and Registry of one data directory, for one CLI command.
class CliContext {
 public:
  // Opens <data_dir>/hub.db (created when absent) and, for kSigns, loads the CAs in
  // <data_dir>/ca/ or creates the first (saying so on stderr when it creates one).
  // FailedPrecondition for a half CA (one of its two files), which is never completed or replaced.
  static absl::StatusOr<std::unique_ptr<CliContext>> Open(const Config& config, CaUse use);

  // The registry refers to members: never copied or moved.
  CliContext(const CliContext&) = delete;
  CliContext& operator=(const CliContext&) = delete;

  registry::Registry& registry() { return *registry_; }
  // Opened with CaUse::kSigns only.
  registry::CaKeyring& cas() const { return *cas_; }
  const Config& config() const { return config_; }

 private:
  CliContext(const Config& config, std::unique_ptr<store::Store> store,
             std::unique_ptr<registry::CaKeyring> cas);

  Config config_;
  SystemClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<registry::CaKeyring> cas_;  // set for CaUse::kSigns
  std::unique_ptr<registry::Registry> registry_;
};

// "cli:<login name>" of the effective user ("cli:uid-<n>" when it has no name).
std::string CliActor();

// Prints "iot-hub: <message>" on one line to stderr; returns kExitFailure.
int Fail(const absl::Status& status);
int Fail(std::string_view message);

// Prints `value` to stdout: indented JSON.
void PrintJson(const nlohmann::ordered_json& value);

// Prints a JSON object as "key: value" lines (null as "-", multi-line strings such as
// PEMs as a byte count, nested values as compact JSON).
void PrintFields(const nlohmann::ordered_json& object);

// Reads a whole file of at most `max_bytes`; InvalidArgument / NotFound with the path.
absl::StatusOr<std::string> ReadSmallFile(const std::filesystem::path& path, std::size_t max_bytes);

// Writes `content` to `path` atomically (a temporary file in the same directory, then
// rename) with permission `mode` (0600 for keys), replacing an existing file.
absl::Status WriteFileAtomically(const std::filesystem::path& path, std::string_view content,
                                 unsigned mode);

}  // namespace iothub::app
