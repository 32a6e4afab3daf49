// Certificate encodings: PEM <-> DER, and the username EMQX sends when a listener's zone
// sets `mqtt.peer_cert_as_username = pem` (the base64 of the client certificate's DER
// on one line, without BEGIN/END lines; exhook-protocol.md "What the provider sees").
// Stateless functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace iothub::crypto {

// Longest pem-mode username accepted, checked before decoding. A real certificate is
// 1-2 KB of base64; the cap bounds the work an unauthenticated client can cause.
inline constexpr std::size_t kMaxPemModeUsernameSize = 16 * 1024;

// Returns the DER bytes of the first "CERTIFICATE" PEM block in `pem`, exactly as
// encoded (not re-encoded, so fingerprints match the original). InvalidArgument when
// there is no such block or its content is not one complete X.509 certificate.
absl::StatusOr<std::string> CertificatePemToDer(std::string_view pem);

// PEM text for certificate DER bytes: header, base64 in 64-character lines, footer.
// Does not check that `der` is a certificate.
std::string CertificateDerToPem(std::string_view der);

// Decodes a pem-mode username into DER bytes with strict base64. Refuses, with
// InvalidArgument: an empty username, one longer than kMaxPemModeUsernameSize, a PEM
// with "-----BEGIN" lines (the zone is then not in pem mode as we expect), and
// anything that is not canonical base64. Does not parse the DER: pass it to
// CertificateAuthority::VerifyClientCertificate or Sha256Fingerprint.
absl::StatusOr<std::string> DecodePemModeUsername(std::string_view username);

// The subject of a certificate as EMQX describes a verified peer certificate in
// ClientInfo: the first CN (UTF-8) and the DN in RFC 4514 form (see NameToRfc4514).
struct CertificateSubject {
  std::string cn;
  std::string dn;
};

// The subject of the certificate `der` (one DER SEQUENCE, nothing after it), read from
// its TBSCertificate without decoding or checking the rest (signature, key): callers
// pass certificates they already trust by fingerprint. InvalidArgument when the
// structure up to the subject is not a certificate's.
absl::StatusOr<CertificateSubject> SubjectOfDer(std::string_view der);

}  // namespace iothub::crypto
