// DeviceAuthenticator: admits a device by its client certificate, as EMQX passes it with
// `peer_cert_as_username = pem` (the username is the base64 of the certificate's DER).
//
// The hot path is a strict base64 decode, one SHA-256 and hash lookups in the fleet
// snapshot: no SQLite, no signature check. That is sound because a fingerprint enters the
// registry only when the hub's CA signs a certificate, so a registered fingerprint proves
// the CA signed exactly these bytes; validity comes from the stored record. Only a refused
// certificate pays for a full CA verification, to log a precise reason.
//
// Thread-safe (immutable after construction).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "auth/auth_result.h"
#include "crypto/certificate_authority.h"
#include "model/fleet_snapshot.h"

namespace iothub::auth {

struct DeviceAuthOptions {
  bool require_clientid_match = true;  // the MQTT clientid must equal the device id
  // The hub's own client certificate (its broker link), admitted as the service
  // principal `hub_principal_id`; unset: no such certificate.
  std::optional<Fingerprint> hub_fingerprint;
  std::string hub_principal_id = "iot-hub";
};

class DeviceAuthenticator {
 public:
  DeviceAuthenticator(const crypto::CertificateAuthority& ca, DeviceAuthOptions options)
      : ca_(ca), options_(options) {}

  AuthResult Authenticate(std::string_view clientid, std::string_view username,
                          const FleetSnapshot& fleet, UnixMillis now) const;

 private:
  // The reason an unregistered certificate is refused (from a full CA verification).
  std::string_view UnregisteredReason(std::string_view der, UnixMillis now) const;

  const crypto::CertificateAuthority& ca_;
  const DeviceAuthOptions options_;
};

}  // namespace iothub::auth
