// The hub's own MQTT identity: a client certificate its CA issues to itself, so that the
// hub's broker link (device commands, timeout replies) passes the same mTLS listener as
// the devices. The device authenticator admits exactly this certificate as the service
// principal "iot-hub". Kept in <data_dir>/hub-client/ (key 0600) and renewed when it has
// less than 30 days left or another CA than the signing one issued it (after a CA
// rotation, a restart moves the hub to the new CA before the old one is retired).
// Blocks on file I/O: call at start-up only.
#pragma once

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "crypto/ca_set.h"
#include "model/fleet_snapshot.h"

namespace iothub::app {

inline constexpr std::string_view kHubPrincipalId = "iot-hub";

struct HubIdentity {
  std::string cert_file;
  std::string key_file;
  Fingerprint fingerprint;
};

absl::StatusOr<HubIdentity> EnsureHubIdentity(const std::filesystem::path& data_dir,
                                              const crypto::CaSet& cas, UnixMillis now);

}  // namespace iothub::app
