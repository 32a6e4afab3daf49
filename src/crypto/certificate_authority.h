// CertificateAuthority: the hub's own CA (contract section 4). It creates or loads a CA
// key and self-signed certificate in a directory, signs device CSRs, issues server and
// client certificates with keys it generates, verifies client certificates it issued,
// and signs CRLs.
//
// Thread-safety: after Create or Load the object is never modified; every method is
// const and may be called from any number of threads at once (the OpenSSL 3 key and
// certificate are only read, and OpenSSL guards its own lazily computed caches).
// Move-only. Errors are returned as statuses; nothing throws.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "crypto/keys.h"
#include "crypto/openssl_handles.h"
#include "model/fleet_snapshot.h"

namespace iothub::crypto {

// A certificate the CA issued, in the forms the store and the API need.
struct IssuedCertificate {
  std::string pem;
  std::string der;
  Fingerprint fingerprint{};  // SHA-256 of `der`
  std::string serial_hex;     // uppercase, as `openssl x509 -serial` prints it
  UnixMillis valid_from = 0;  // notBefore, whole seconds
  UnixMillis valid_to = 0;    // notAfter, whole seconds
  std::string public_key_pem;
};

// A certificate together with the private key the CA generated for it.
struct IssuedKeyPair {
  IssuedCertificate certificate;
  std::string private_key_pem;  // unencrypted PKCS#8
};

// What VerifyClientCertificate learned from a certificate it accepted.
struct ClientCertificateInfo {
  Fingerprint fingerprint{};
  std::string common_name;  // empty when the subject has no CN
  std::string serial_hex;
  UnixMillis valid_from = 0;
  UnixMillis valid_to = 0;
};

// One entry of a CRL.
struct RevokedSerial {
  std::string serial_hex;  // any case
  UnixMillis revoked_at = 0;
};

class CertificateAuthority {
 public:
  // File names inside the CA directory.
  static constexpr std::string_view kKeyFile = "ca.key";
  static constexpr std::string_view kCertificateFile = "ca.crt";
  // Validity of a new CA certificate.
  static constexpr int kCaValidityDays = 3650;
  // Bounds for `days` of every certificate issued, and for a CRL's next update.
  static constexpr int kMinDays = 1;
  static constexpr int kMaxDays = 3650;
  // Longest device id SignDeviceCsr accepts: "device-" + id must fit X.509's 64-character
  // limit on a CN (RFC 5280 ub-common-name), 7 fewer than IsValidId allows.
  static constexpr std::size_t kMaxDeviceIdLength = 57;
  // notBefore of issued certificates is set this far before `now`, so that a device
  // whose clock is a little behind still accepts its new certificate.
  static constexpr UnixMillis kClockSkewMillis = 5 * 60 * 1000;

  // The CN of the first CA; rotated CAs add their creation time (registry/ca_keyring.h),
  // so that the CAs of one hub have distinct subjects.
  static constexpr std::string_view kCaCommonName = "iot-hub CA";

  // Makes a new CA in `dir` (created if missing): a key of `type` in ca.key (PKCS#8
  // PEM, mode 0600) and a self-signed certificate in ca.crt (CN `common_name`, 10 years,
  // basicConstraints critical CA:TRUE, keyUsage critical keyCertSign+cRLSign, SKI).
  // Files are created with O_EXCL: AlreadyExists when either exists, never overwritten.
  static absl::StatusOr<CertificateAuthority> Create(const std::filesystem::path& dir, KeyType type,
                                                     UnixMillis now,
                                                     std::string_view common_name = kCaCommonName);
  static absl::StatusOr<CertificateAuthority> Create(const std::filesystem::path& dir,
                                                     UnixMillis now) {
    return Create(dir, KeyType::kEcP256, now);
  }

  // Loads ca.key and ca.crt from `dir`. NotFound when a file is missing;
  // InvalidArgument when one is not a PEM key / certificate, the certificate is not a
  // CA, or the key does not match the certificate.
  static absl::StatusOr<CertificateAuthority> Load(const std::filesystem::path& dir);

  CertificateAuthority(CertificateAuthority&&) = default;
  CertificateAuthority& operator=(CertificateAuthority&&) = default;

  // Signs a device CSR after VetDeviceCsr accepts it (self-signature, key policy,
  // requested extensions). The certificate certifies the CSR's key only: subject
  // CN=device-{device_id} (no other field is taken from the CSR), basicConstraints
  // critical CA:FALSE, keyUsage critical digitalSignature+keyEncipherment,
  // extendedKeyUsage clientAuth, SAN DNS:{device_id}, SKI, AKI keyid; a random 128-bit
  // serial; valid from now - kClockSkewMillis to now + `days`. InvalidArgument when the
  // CSR is refused, `device_id` is not a valid id (common/ids.h) or is longer than
  // kMaxDeviceIdLength, or `days` is outside kMinDays..kMaxDays.
  absl::StatusOr<IssuedCertificate> SignDeviceCsr(std::string_view csr_pem,
                                                  std::string_view device_id, int days,
                                                  UnixMillis now) const;

  // A new EC P-256 key and a certificate for it with CN=`common_name` (1-64 printable
  // ASCII characters), the given SANs ("DNS:emqx", "IP:127.0.0.1"; see
  // ParseSubjectAltNames) and extendedKeyUsage serverAuth + clientAuth: the same
  // certificate can serve the hub's TLS listeners and identify the hub as a client to
  // the broker. InvalidArgument for a bad name, SAN or `days`.
  absl::StatusOr<IssuedKeyPair> IssueServerCertificate(std::vector<std::string> sans,
                                                       std::string_view common_name, int days,
                                                       UnixMillis now) const;

  // A new EC P-256 key and a client certificate (extendedKeyUsage clientAuth, no SAN)
  // with CN=`common_name`: for the hub's own MQTT client and for test fixtures.
  absl::StatusOr<IssuedKeyPair> IssueClientCertificate(std::string_view common_name, int days,
                                                       UnixMillis now) const;

  // Accepts `der` when it is exactly one DER certificate (no trailing bytes) signed by
  // this CA, not itself a CA, usable for TLS client authentication, and valid at `now`.
  // Errors, by code:
  //   InvalidArgument     not a certificate
  //   Unauthenticated     not issued by this CA (other issuer, bad signature, self-signed)
  //   PermissionDenied    issued by this CA but not a client certificate (a CA, or an
  //                       extendedKeyUsage without clientAuth)
  //   FailedPrecondition  outside its validity window: the message starts with
  //                       "certificate expired" or "certificate not yet valid"
  absl::StatusOr<ClientCertificateInfo> VerifyClientCertificate(std::string_view der,
                                                                UnixMillis now) const;

  // A version 2 CRL listing `revoked`, signed by this CA, with thisUpdate = now,
  // nextUpdate = now + `next_update_days`, an authorityKeyIdentifier, and as CRL number
  // `now` in milliseconds (so later CRLs have larger numbers while the clock moves
  // forward). PEM. InvalidArgument for a malformed serial or `next_update_days`.
  absl::StatusOr<std::string> MakeCrl(const std::vector<RevokedSerial>& revoked, UnixMillis now,
                                      int next_update_days) const;

  // The CA certificate, PEM.
  const std::string& ca_certificate_pem() const { return certificate_pem_; }

 private:
  CertificateAuthority(EvpPkeyPtr key, X509Ptr certificate, std::string certificate_pem);

  // Builds, signs and describes a certificate for `subject_key` with CN=`common_name`.
  // `extended_key_usage` is OpenSSL config text ("clientAuth"); `sans` may be null.
  absl::StatusOr<IssuedCertificate> Issue(EVP_PKEY* subject_key, std::string_view common_name,
                                          const char* extended_key_usage, GENERAL_NAMES* sans,
                                          int days, UnixMillis now) const;
  absl::StatusOr<IssuedKeyPair> IssueWithNewKey(std::string_view common_name,
                                                const char* extended_key_usage, GENERAL_NAMES* sans,
                                                int days, UnixMillis now) const;

  EvpPkeyPtr key_;
  X509Ptr certificate_;
  std::string certificate_pem_;
};

}  // namespace iothub::crypto
