// DeviceAuthenticator: admits a device by its client certificate, as EMQX passes it with
// `peer_cert_as_username = pem` (the username is the base64 of the certificate's DER).
//
// A certificate is public, so the username alone proves nothing: anyone can send a
// device's certificate as the username on a listener that does not override it. The
// proof that the client holds the key is the broker's TLS handshake: EMQX (and the
// Mosquitto plugin) fill ClientInfo.cn/dn from the peer certificate the listener
// verified, and a listener without a client certificate leaves them empty. So a
// certificate login is admitted only when cn and dn are present and equal the CN and
// DN of the certificate in the username. The same holds for the hub's own certificate.
// The proof covers the subject, which all certificates of one device share: on a
// listener that verifies client certificates but does not put them in the username, a
// device's older (revoked) certificate could vouch for its current one. So
// `certificate_ports` can restrict certificate logins to the pem-mode listeners
// (ClientInfo.sockport), where the username is the verified certificate itself.
//
// The hot path is a strict base64 decode, one SHA-256 and hash lookups in the fleet
// snapshot: no SQLite, no signature check. That is sound because a fingerprint enters the
// registry only when the hub's CA signs a certificate, so a registered fingerprint proves
// the CA signed exactly these bytes; validity comes from the stored record. A known
// certificate is then parsed once for its subject (the proof above). Only a refused
// certificate pays for a full CA verification, to log a precise reason. A retired CA's
// certificates are revoked when it is retired (registry/ca_service.h), so the snapshot
// refuses them too.
//
// Thread-safe (immutable after construction).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth_result.h"
#include "common/snapshot_cell.h"
#include "crypto/ca_set.h"
#include "model/fleet_snapshot.h"

namespace iothub::auth {

struct DeviceAuthOptions {
  bool require_clientid_match = true;  // the MQTT clientid must equal the device id
  // The hub's own client certificate (its broker link), admitted as the service
  // principal `hub_principal_id`; unset: no such certificate.
  std::optional<Fingerprint> hub_fingerprint;
  std::string hub_principal_id = "iot-hub";
  // Listener ports (ClientInfo.sockport) where certificate logins are accepted; empty:
  // any port (the cn/dn proof is required everywhere).
  std::vector<std::uint32_t> certificate_ports;
};

// What the broker says about a client that logs in with a certificate.
struct CertificateLogin {
  std::string_view clientid;
  std::string_view username;  // base64 of the certificate's DER (pem mode)
  std::string_view cn;        // from the TLS peer certificate the listener verified
  std::string_view dn;
  std::uint32_t sockport = 0;
};

class DeviceAuthenticator {
 public:
  // `cas`: the hub's CAs (registry/ca_keyring.h), read at each refused login.
  DeviceAuthenticator(const SnapshotCell<crypto::CaSet>& cas, DeviceAuthOptions options)
      : cas_(cas), options_(options) {}

  AuthResult Authenticate(const CertificateLogin& login, const FleetSnapshot& fleet,
                          UnixMillis now) const;

 private:
  // Nothing when the broker's verified certificate (cn, dn) is the one in `der`; the
  // refusal reason otherwise.
  static std::optional<std::string_view> CheckProof(const CertificateLogin& login,
                                                    std::string_view der);
  // The reason an unregistered certificate is refused (from a full verification against
  // every CA).
  std::string_view UnregisteredReason(std::string_view der, UnixMillis now) const;

  const SnapshotCell<crypto::CaSet>& cas_;
  const DeviceAuthOptions options_;
};

}  // namespace iothub::auth
