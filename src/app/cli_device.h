// `iot-hub device ...`: devices and their certificates, through the registry.
//   device create ID [--model M] [--firmware V]
//   device list [--page N] [--limit N] [--owner USER_ID]
//   device show ID
//   device sign-csr ID CSR_FILE [--days N] [--firmware V]   prints the certificate PEM
//   device revoke ID
//   device bind DEVICE_ID USER_ID
//   device unbind DEVICE_ID                      prints the device's new claim code
//   device claim-code ID --rotate                 a new claim code (a lost label)
//   device label ID (--code CODE | --rotate) [--format txt|svg|png] [--out FILE]
// create and unbind show the device's claim code once (only its hash is stored); label
// draws the claim URI iothub://claim?id=ID&code=CODE as a QR code for a device label.
// --json prints the contract's JSON; otherwise "key: value" lines (a table for list).
// Thread-compatible (main thread).
#pragma once

#include <cstdint>
#include <string>

#include "app/config.h"

namespace CLI {
class App;
}  // namespace CLI

namespace iothub::registry {
class Registry;
}  // namespace iothub::registry

namespace iothub::app {

class DeviceCommand {
 public:
  // Adds `device` and its subcommands to `app`. `app` must outlive this object.
  explicit DeviceCommand(CLI::App& app);

  bool parsed() const;

  // Runs the parsed subcommand; returns the exit status.
  int Run(const Config& config);

 private:
  // `device label`: checks or rotates the code, renders, writes.
  int RunLabel(registry::Registry& registry, const std::string& actor);

  CLI::App* device_ = nullptr;
  CLI::App* create_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* show_ = nullptr;
  CLI::App* sign_csr_ = nullptr;
  CLI::App* revoke_ = nullptr;
  CLI::App* bind_ = nullptr;
  CLI::App* unbind_ = nullptr;
  CLI::App* claim_code_ = nullptr;
  CLI::App* label_ = nullptr;

  bool json_ = false;
  std::string id_;
  std::string user_id_;
  std::string model_;
  std::string firmware_;
  std::string csr_file_;
  int days_ = 0;  // when --days is given; else config ca.default_days
  std::int64_t page_ = 1;
  std::int64_t limit_ = 10;
  std::string owner_;
  std::string expiring_within_;  // "30d" or "30" (when given)
  bool rotate_ = false;
  std::string code_;
  std::string format_ = "txt";
  std::string out_;
};

}  // namespace iothub::app
