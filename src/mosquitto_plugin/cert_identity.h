// CertIdentity: what EMQX 5.3 derives from a client certificate on a listener with
// `peer_cert_as_username = pem`: the username (base64 of the DER on one line), the
// subject CN and the subject DN in RFC 4514 order. Pure; thread-safe (no shared state).
#pragma once

#include <openssl/x509.h>

#include <string>

#include "absl/status/statusor.h"

namespace iothub::mosquitto_plugin {

struct CertIdentity {
  std::string pem_username;  // base64(DER), no newlines, no BEGIN/END lines
  std::string cn;            // subject CN as UTF-8; empty when absent
  std::string dn;            // e.g. "CN=device-001,OU=Devices,O=ExhookTest,C=US"
};

// Derives the identity of `cert` (not consumed). Errors when the DER cannot be encoded.
absl::StatusOr<CertIdentity> IdentityFromCertificate(X509* cert);

// The RFC 4514 string of a name: last RDN first, "," between RDNs, "+" inside one,
// special characters backslash-escaped, UTF-8 kept as UTF-8 (not \XX).
std::string NameToRfc4514(const X509_NAME* name);

}  // namespace iothub::mosquitto_plugin
