// Checking a device public key given directly (HTTP sign-device `publicKey`) rather than
// inside a CSR. Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace iothub::registry {

// Longest public key PEM accepted (an RSA-8192 key is about 1.5 KB).
inline constexpr std::size_t kMaxPublicKeyPemSize = 8 * 1024;

// The canonical SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY") of `pem` when it holds
// one public key that crypto::CheckDeviceKey accepts (RSA 2048-8192, EC P-256/P-384);
// InvalidArgument with the reason otherwise.
absl::StatusOr<std::string> CanonicalDevicePublicKey(std::string_view pem);

}  // namespace iothub::registry
