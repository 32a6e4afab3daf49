// CertificateWatch: the housekeeper's look at the hub's own certificates.
//  - Every 2 s: the CA files are re-read when they changed (CaKeyring::Refresh), so a
//    rotation or retirement done by the CLI or another hub counts here within seconds.
//  - At start, every minute and after a CA change: the expiry of every trusted CA, of
//    the hub's MQTT client certificate and of the broker server certificates the hub
//    issued (<data_dir>/issued/) goes to the gauge
//      iothub_certificate_expiry_seconds{kind="ca"|"hub_client"|"broker_server",id=...}
//    (seconds left, negative once expired) and
//      iothub_infra_certificates_expiring{kind=...}  (how many are within 30 days);
//    each one within 30 days of expiry is logged as a warning once per day.
// Thread-compatible: called from the housekeeper thread only.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "registry/ca_keyring.h"

namespace iothub::app {

// A certificate file the hub watches (not a CA).
struct WatchedCertificate {
  std::string kind;  // "hub_client"
  std::string id;    // a label: "iot-hub", ...
  std::filesystem::path file;
};

struct CertificateWatchParts {
  registry::CaKeyring& cas;
  std::vector<WatchedCertificate> files;
  // Every *.crt in it is watched as kind "broker_server", id = the file's stem; empty:
  // none.
  std::filesystem::path issued_server_dir;
  Metrics& metrics;
  const Clock& clock;
};

// One certificate within the warning window, as CheckExpiry found it.
struct ExpiryWarning {
  std::string kind;
  std::string id;
  std::string subject;
  UnixMillis not_after = 0;
};

class CertificateWatch {
 public:
  static constexpr UnixMillis kWarnWithinMillis = 30LL * 24 * 3600 * 1000;
  static constexpr UnixMillis kWarnEveryMillis = 24LL * 3600 * 1000;

  explicit CertificateWatch(CertificateWatchParts parts) : parts_(std::move(parts)) {}

  // Called on every housekeeper tick; does its work when due.
  void Tick();

  // Sets the gauges and returns the certificates within the window (also the ones not
  // logged again today). Logs the ones not logged in the last day.
  std::vector<ExpiryWarning> CheckExpiry(UnixMillis now);

 private:
  struct Seen {
    std::string kind;
    std::string id;
    std::string subject;
    UnixMillis not_after = 0;
  };
  std::vector<Seen> Collect() const;

  CertificateWatchParts parts_;
  std::chrono::steady_clock::time_point next_refresh_{};
  std::chrono::steady_clock::time_point next_check_{};
  std::map<std::string, UnixMillis> last_warned_;  // kind/id -> when
};

}  // namespace iothub::app
