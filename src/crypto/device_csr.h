// Parsing and vetting a device's certificate signing request (contract section 4) before
// the CA signs it. Only the CSR's public key is used afterwards: its subject and its
// requested extensions are checked, then ignored. Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/openssl_handles.h"

namespace iothub::crypto {

// Longest CSR PEM accepted (an RSA-8192 CSR is about 3.5 KB).
inline constexpr std::size_t kMaxCsrPemSize = 16 * 1024;

// Returns the CSR's public key when `csr_pem` holds exactly one PEM "CERTIFICATE
// REQUEST" (surrounding whitespace allowed) that
//  - is signed by its own key (proof of possession),
//  - carries a key CheckDeviceKey accepts (RSA >= 2048, EC P-256/P-384),
//  - does not request basicConstraints CA:TRUE, and
//  - requests no critical extension other than basicConstraints, keyUsage,
//    extendedKeyUsage, subjectAltName and subjectKeyIdentifier.
// InvalidArgument with the reason otherwise (empty, too large, not PEM, bad signature...).
absl::StatusOr<EvpPkeyPtr> VetDeviceCsr(std::string_view csr_pem);

}  // namespace iothub::crypto
