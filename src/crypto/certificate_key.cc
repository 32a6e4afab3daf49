#include "crypto/certificate_key.h"

#include <openssl/x509.h>

#include "crypto/certificate_encoding.h"
#include "crypto/keys.h"
#include "crypto/openssl_error.h"
#include "crypto/openssl_handles.h"

namespace iothub::crypto {

absl::StatusOr<std::string> PublicKeyPemOfCertificate(std::string_view pem) {
  absl::StatusOr<std::string> der = CertificatePemToDer(pem);
  if (!der.ok()) return der.status();
  ClearOpenSslErrors();
  const auto* cursor = reinterpret_cast<const unsigned char*>(der->data());
  X509Ptr certificate(d2i_X509(nullptr, &cursor, static_cast<long>(der->size())));
  if (certificate == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "not an X.509 certificate");
  }
  EVP_PKEY* key = X509_get0_pubkey(certificate.get());  // owned by the certificate
  if (key == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "certificate has no usable key");
  }
  return PublicKeyToPem(key);
}

}  // namespace iothub::crypto
