// A device certificate the hub's CA issued (contract section 4). Plain value.
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"

namespace iothub {

struct Certificate {
  std::string id;  // random UUID
  std::string device_id;
  std::string client_cert_pem;
  std::string ca_cert_pem;
  std::string fingerprint;    // SHA-256 of the DER, uppercase colon hex (AB:CD:...)
  std::string serial_number;  // uppercase hex
  UnixMillis valid_from = 0;
  UnixMillis valid_to = 0;
  UnixMillis created_at = 0;
  std::optional<UnixMillis> revoked_at;
  std::optional<std::string> revocation_reason;
  // The user the device was bound to when this was signed; unset when it was unbound.
  std::optional<std::string> owner_at_issue;
  // Set on an unrevoked certificate that a renewal replaced: it still admits the device
  // until then, or until the renewed one is first used, and is then superseded.
  std::optional<UnixMillis> grace_until;
};

}  // namespace iothub
