// What the registry subcommands of the CLI (ca, device, user) share: opening the store
// and the CA of the configured data directory as one Registry, the audit actor
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
#include "crypto/certificate_authority.h"
#include "registry/registry.h"
#include "store/store.h"

namespace iothub::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// The store, CA and Registry of one data directory, for one CLI command.
class CliContext {
 public:
  // Opens <data_dir>/hub.db and loads the CA from <data_dir>/ca/. The CLI never creates
  // a CA implicitly: FailedPrecondition ("run `iot-hub ca init` first") when absent.
  static absl::StatusOr<std::unique_ptr<CliContext>> Open(const Config& config);

  // The registry refers to members: never copied or moved.
  CliContext(const CliContext&) = delete;
  CliContext& operator=(const CliContext&) = delete;

  registry::Registry& registry() { return *registry_; }
  const crypto::CertificateAuthority& ca() const { return ca_; }
  const Config& config() const { return config_; }

 private:
  CliContext(const Config& config, std::unique_ptr<store::Store> store,
             crypto::CertificateAuthority ca);

  Config config_;
  SystemClock clock_;
  std::unique_ptr<store::Store> store_;
  crypto::CertificateAuthority ca_;
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
