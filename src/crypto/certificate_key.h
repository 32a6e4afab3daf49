// The public key a certificate certifies, as the canonical SubjectPublicKeyInfo PEM that
// PublicKeyToPem writes: two keys are the same key exactly when these texts are equal
// (renewal refuses a reused key this way). Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace iothub::crypto {

// The public key of the first certificate in `pem`; InvalidArgument when it holds none.
absl::StatusOr<std::string> PublicKeyPemOfCertificate(std::string_view pem);

}  // namespace iothub::crypto
