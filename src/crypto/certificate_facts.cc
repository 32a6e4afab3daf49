#include "crypto/certificate_facts.h"

#include "crypto/certificate_encoding.h"
#include "crypto/fingerprint.h"
#include "crypto/x509_util.h"

namespace iothub::crypto {

absl::StatusOr<CertificateFacts> FactsOfPem(std::string_view pem) {
  absl::StatusOr<std::string> der = CertificatePemToDer(pem);
  if (!der.ok()) return der.status();
  const auto* bytes = reinterpret_cast<const unsigned char*>(der->data());
  X509Ptr certificate(d2i_X509(nullptr, &bytes, static_cast<long>(der->size())));
  if (certificate == nullptr) return absl::InvalidArgumentError("not a certificate");
  absl::StatusOr<UnixMillis> from = Asn1TimeToUnixMillis(X509_get0_notBefore(certificate.get()));
  if (!from.ok()) return from.status();
  absl::StatusOr<UnixMillis> to = Asn1TimeToUnixMillis(X509_get0_notAfter(certificate.get()));
  if (!to.ok()) return to.status();
  return CertificateFacts{.subject = NameToRfc4514(X509_get_subject_name(certificate.get())),
                          .not_before = *from,
                          .not_after = *to,
                          .fingerprint = Sha256Fingerprint(*der)};
}

}  // namespace iothub::crypto
