#include "crypto/fingerprint.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace iothub::crypto {

Fingerprint Sha256Fingerprint(std::string_view der) {
  Fingerprint out{};
  unsigned int size = 0;
  // EVP_Digest with a built-in algorithm only fails on allocation failure; abort
  // rather than return a fingerprint of zeros that could match something.
  if (EVP_Digest(der.data(), der.size(), out.data(), &size, EVP_sha256(), nullptr) != 1 ||
      size != out.size()) {
    std::abort();
  }
  return out;
}

absl::StatusOr<Fingerprint> ParseFingerprint(std::string_view text) {
  std::optional<Fingerprint> parsed = ::iothub::ParseFingerprint(text);
  if (!parsed) {
    return absl::InvalidArgumentError(
        "fingerprint: expected 64 hex digits, optionally colon-separated in pairs");
  }
  return *parsed;
}

}  // namespace iothub::crypto
