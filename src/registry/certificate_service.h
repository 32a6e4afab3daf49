// CertificateService: device certificates (contract section 4): signing a device's CSR
// with the hub's CA, looking certificates up and revoking them by fingerprint,
// validating a fingerprint, and the CRL.
//
// Mutations validate their input first and run in ONE store transaction with their
// audit row; nothing is written on error. Fingerprints are accepted in any case, with
// or without colons, and returned as uppercase colon hex.
//
// Thread-safety: thread-safe (see RegistryContext).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/certificate_authority.h"
#include "model/certificate.h"
#include "model/device.h"
#include "registry/registry_context.h"

namespace iothub::registry {

// Why ValidateFingerprint refused a certificate. A closed set: callers may branch on it.
enum class CertificateRejection { kUnknown, kRevoked, kNotYetValid, kExpired };

// "unknown", "revoked", "not_yet_valid", "expired" (the JSON `reason`).
std::string_view ToString(CertificateRejection rejection);

// The answer of ValidateFingerprint: {valid, deviceId?, fingerprint, reason?}.
struct FingerprintValidation {
  bool valid = false;
  std::optional<std::string> device_id{};        // set whenever the certificate is known
  std::string fingerprint{};                     // canonical uppercase colon hex
  std::optional<CertificateRejection> reason{};  // set exactly when !valid
};

// Input of SignCsr.
struct CsrRequest {
  std::string device_id{};
  std::string csr_pem{};
  int days = 365;                                 // 1-3650
  std::optional<std::string> firmware_version{};  // 1-64 characters; replaces the device's
};

// The steps signing shares with renewal (registry/certificate_renewal.h):
// InvalidArgument unless 1 <= days <= 3650;
absl::Status CheckDays(int days);
// the device as signing needs it: NotFound when unknown, FailedPrecondition when revoked;
absl::StatusOr<Device> SignableDevice(store::Store& tx, std::string_view device_id);
// the CA that signs now: the newest trusted one, after re-reading the CA files (the one
// place that says which CA signs device certificates);
absl::StatusOr<std::shared_ptr<const crypto::CertificateAuthority>> SigningCaNow(CaKeyring& cas);
// the CA's certificate for the CSR's key ("CSR refused: ..." InvalidArgument when the
// CSR fails the vetting);
absl::StatusOr<crypto::IssuedCertificate> SignForDevice(const crypto::CertificateAuthority& ca,
                                                        std::string_view csr_pem,
                                                        std::string_view device_id, int days,
                                                        UnixMillis now);
// the stored form of a certificate the CA just issued for `device` at `now`; a
// certificate signed while the device is bound records its owner (owner_at_issue).
Certificate MakeCertificate(std::string_view id, const Device& device,
                            const crypto::IssuedCertificate& issued, std::string_view ca_pem,
                            UnixMillis now);

class CertificateService {
 public:
  static constexpr std::string_view kSignAction = "certificate.sign";
  static constexpr std::string_view kRevokeAction = "certificate.revoke";
  // A CRL's nextUpdate, in days after it is made.
  static constexpr int kCrlNextUpdateDays = 7;

  explicit CertificateService(const RegistryContext& context) : context_(context) {}

  // Signs `request.csr_pem` for the device (which must exist and not be revoked) with the
  // signing CA (the newest trusted one, CaKeyring::SigningCa), stores the certificate -- the store
  // supersedes the device's previous one -- and sets the device's public key (and firmware version
  // when given). A certificate signed while the device is bound records its owner (owner_at_issue):
  // unbinding revokes it. Returns the stored certificate. InvalidArgument for a refused CSR (bad
  // signature, weak key, ...) or `days` out of range; NotFound for an unknown device;
  // FailedPrecondition for a revoked one, or when the registry has no CA.
  absl::StatusOr<Certificate> SignCsr(const CsrRequest& request, std::string_view actor);

  // The certificate with `fingerprint` (any format); NotFound when unknown.
  absl::StatusOr<Certificate> GetCertificate(std::string_view fingerprint);

  // Revokes the certificate at now with `reason` (1-100 characters). FailedPrecondition
  // when it is already revoked (the first revocation stands).
  absl::StatusOr<Certificate> RevokeCertificate(std::string_view fingerprint,
                                                std::string_view reason, std::string_view actor);

  // Whether the certificate with `fingerprint` is usable at `now`: known, not revoked,
  // and within its validity window. InvalidArgument only for a malformed fingerprint.
  absl::StatusOr<FingerprintValidation> ValidateFingerprint(std::string_view fingerprint,
                                                            UnixMillis now);

  // The CRLs (PEM, concatenated) of every trusted CA, oldest first, each listing the
  // revoked certificates that CA signed, made at now. FailedPrecondition when the
  // registry has no CA.
  absl::StatusOr<std::string> MakeCrl();

 private:
  // The canonical form of `fingerprint`, or InvalidArgument.
  static absl::StatusOr<std::string> Canonical(std::string_view fingerprint);

  RegistryContext context_;
};

}  // namespace iothub::registry
