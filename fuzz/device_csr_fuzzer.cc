// Fuzzes CSR vetting (what a device sends to get a certificate signed): PEM framing,
// the PKCS#10 structure, its key, signature and requested extensions. The input is
// vetted as it stands (PEM) and, wrapped as PEM, as DER, so that mutations reach the
// ASN.1 structure instead of breaking the base64.
#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/base64.h"
#include "crypto/device_csr.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)iothub::crypto::VetDeviceCsr(input);
  std::string pem = "-----BEGIN CERTIFICATE REQUEST-----\n";
  const std::string base64 = iothub::crypto::Base64Encode(input);
  for (std::size_t i = 0; i < base64.size(); i += 64) {
    pem.append(base64, i, 64);
    pem.push_back('\n');
  }
  pem += "-----END CERTIFICATE REQUEST-----\n";
  (void)iothub::crypto::VetDeviceCsr(pem);
  return 0;
}
