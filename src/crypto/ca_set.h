// CaSet: every CA the hub has made (CA rotation, docs/certificates.md "CA rotation"),
// each with a stable id and a retired flag. The newest trusted CA signs; every trusted
// CA is in the broker's bundle and verifies client certificates; a retired CA verifies
// nothing.
//
// Thread-safety: immutable after construction; share it as shared_ptr<const CaSet>
// (registry/ca_keyring.h swaps whole sets). Move-only, like its CAs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/certificate_authority.h"
#include "crypto/certificate_facts.h"

namespace iothub::crypto {

// One CA of a set.
struct CaEntry {
  std::string id;  // CaIdOf(ca)
  // Order of creation: 0 for the first CA, one more for each rotation.
  int generation = 0;
  CertificateAuthority ca;
  CertificateFacts facts;                // of the CA certificate
  std::optional<UnixMillis> retired_at;  // set: no longer trusted

  bool trusted() const { return !retired_at.has_value(); }
};

// A CA's id: the first 16 hex digits (lowercase) of the SHA-256 of its certificate's DER.
// Stable across restarts and hosts; what `iot-hub ca retire ID` takes.
std::string CaIdOf(std::string_view ca_certificate_pem);

// The result of CaSet::VerifyClientCertificate: what the certificate holds and which
// CA signed it.
struct VerifiedClientCertificate {
  ClientCertificateInfo info;
  std::string ca_id;
};

class CaSet {
 public:
  CaSet() = default;
  // Entries are kept oldest first (by generation, then id); a repeated id keeps its first.
  explicit CaSet(std::vector<CaEntry> entries);

  CaSet(CaSet&&) = default;
  CaSet& operator=(CaSet&&) = default;

  // Oldest first.
  const std::vector<CaEntry>& entries() const { return entries_; }
  // The CA that signs new certificates and renewals: the newest trusted one; null when
  // every CA is retired (or there is none).
  const CaEntry* Signing() const;
  // The entry with `id` (exact, lowercase); null when unknown.
  const CaEntry* Find(std::string_view id) const;
  // The entry whose certificate is `ca_certificate_pem` (compared by id, so the PEM's
  // line layout does not matter); null when unknown.
  const CaEntry* FindByPem(std::string_view ca_certificate_pem) const;
  // The PEM certificates of every trusted CA, oldest first: a broker's cafile.
  std::string TrustedBundle() const;

  // CertificateAuthority::VerifyClientCertificate against every trusted CA: accepted
  // when one accepts it. Otherwise the most precise error: the signing CA's own
  // (PermissionDenied, FailedPrecondition) when a trusted CA signed it;
  // Unauthenticated "issued by retired CA <id>" when a retired one did; Unauthenticated
  // otherwise; InvalidArgument for something that is not a certificate.
  absl::StatusOr<VerifiedClientCertificate> VerifyClientCertificate(std::string_view der,
                                                                    UnixMillis now) const;

 private:
  std::vector<CaEntry> entries_;
};

}  // namespace iothub::crypto
