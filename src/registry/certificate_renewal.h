// CertificateRenewal: a device renews its own certificate (over MQTT, mqtt/renewal_*):
// the CSR is vetted exactly as sign-device vets it (CertificateAuthority::SignDeviceCsr),
// its key must be new to the device (not the key of any certificate it ever had), and
// the new certificate becomes the device's current one while the certificate the device
// renewed with stays in grace (store.h, InsertRenewedCertificate) until the new one is
// first used or the grace ends. Audited as "certificate.renew".
//
// Signing goes through RegistryContext::ca, the one place that says which CA signs.
// Thread-safe (see RegistryContext).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "model/certificate.h"
#include "registry/registry_context.h"

namespace iothub::registry {

struct RenewalRequest {
  std::string device_id{};
  // The certificate the device is connected with, which keeps working for the grace;
  // empty: the device's current certificate.
  std::string renewing_fingerprint{};
  std::string csr_pem{};
  int days = 365;  // validity of the new certificate, 1-3650
  std::chrono::seconds grace{7 * 24 * 3600};
};

// What Renew did: the new certificate, and until when the one renewed stays in grace.
struct Renewed {
  Certificate certificate{};
  std::string renewed_fingerprint{};
  UnixMillis grace_until = 0;
};

class CertificateRenewal {
 public:
  static constexpr std::string_view kRenewAction = "certificate.renew";
  static constexpr std::string_view kGraceEndAction = "certificate.grace_end";

  explicit CertificateRenewal(const RegistryContext& context) : context_(context) {}

  // The new certificate and the grace. InvalidArgument for a refused CSR or `days` out of range;
  // AlreadyExists when the CSR's key is one of the device's certificates' keys;
  // NotFound for an unknown device; FailedPrecondition for a revoked device, a renewing
  // certificate that is not an unrevoked one of the device, or a registry without a CA.
  absl::StatusOr<Renewed> Renew(const RenewalRequest& request, std::string_view actor);

  // The end of a grace: supersedes the device's certificates in grace, because its
  // current one was used (audited when there was one). Returns how many.
  absl::StatusOr<std::int64_t> EndGrace(std::string_view device_id);
  // Supersedes the certificates whose grace ended by now; returns how many.
  absl::StatusOr<std::int64_t> EndExpiredGraces();

 private:
  // Runs `supersede` with its audit row (when it superseded any) in one transaction.
  absl::StatusOr<std::int64_t> SupersedeInGrace(
      const std::function<absl::StatusOr<std::int64_t>(store::Store&)>& supersede, UnixMillis now,
      std::string_view target, std::string_view why);
  // AlreadyExists when `csr_pem`'s key is the key of one of `history`'s certificates.
  static absl::Status CheckKeyIsNew(std::string_view csr_pem,
                                    const std::vector<Certificate>& history);

  RegistryContext context_;
};

}  // namespace iothub::registry
