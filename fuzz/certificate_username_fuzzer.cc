// Fuzzes the certificate a device sends as its MQTT username (EMQX pem mode): strict
// base64, the hand-written DER walk to the subject, the subject's CN and RFC 4514 DN,
// the fingerprint; and the PEM reader used for certificates given in PEM form.
#include <cstdint>
#include <string_view>

#include "crypto/base64.h"
#include "crypto/certificate_encoding.h"
#include "crypto/fingerprint.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // The input as DER, as the username decodes to.
  (void)iothub::crypto::SubjectOfDer(input);
  // The input as the username itself.
  if (const auto der = iothub::crypto::DecodePemModeUsername(input); der.ok()) {
    (void)iothub::crypto::Sha256Fingerprint(*der);
    (void)iothub::crypto::SubjectOfDer(*der);
  }
  // The input as PEM, and the DER re-wrapped as PEM round-trips.
  if (const auto der = iothub::crypto::CertificatePemToDer(input); der.ok()) {
    (void)iothub::crypto::SubjectOfDer(*der);
    (void)iothub::crypto::CertificatePemToDer(iothub::crypto::CertificateDerToPem(*der));
  }
  return 0;
}
