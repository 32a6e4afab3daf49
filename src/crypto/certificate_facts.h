// CertificateFacts: what the hub reports about a certificate it holds as PEM (a CA's,
// its own MQTT client certificate, a broker server certificate it issued): subject,
// validity and fingerprint. Parsing only, no trust decision. Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "model/fleet_snapshot.h"

namespace iothub::crypto {

struct CertificateFacts {
  std::string subject;  // RFC 4514 DN, e.g. "CN=iot-hub CA"
  UnixMillis not_before = 0;
  UnixMillis not_after = 0;
  Fingerprint fingerprint{};  // SHA-256 of the DER
};

// The facts of the first certificate in `pem`; InvalidArgument when there is none.
absl::StatusOr<CertificateFacts> FactsOfPem(std::string_view pem);

}  // namespace iothub::crypto
