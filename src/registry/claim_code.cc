#include "registry/claim_code.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"

namespace iothub::registry {
namespace {

constexpr char kRetryAfterPayload[] = "iothub/claim-retry-after-seconds";
constexpr std::size_t kSaltBytes = 16;

std::string ToHex(const unsigned char* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0xF]);
  }
  return out;
}

std::optional<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int value = 0;
    for (char c : hex.substr(i, 2)) {
      int digit = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
      if (digit < 0) return std::nullopt;
      value = value * 16 + digit;
    }
    out.push_back(static_cast<char>(value));
  }
  return out;
}

// SHA-256(salt || code), raw bytes.
std::array<unsigned char, 32> Digest(std::string_view salt, std::string_view canonical) {
  std::string input(salt);
  input.append(canonical);
  std::array<unsigned char, 32> digest{};
  unsigned int size = 0;
  EVP_Digest(input.data(), input.size(), digest.data(), &size, EVP_sha256(), nullptr);
  return digest;
}

}  // namespace

absl::StatusOr<std::string> GenerateClaimCode() {
  std::array<unsigned char, kClaimCodeBits / 8> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return absl::InternalError("the random generator failed");
  }
  // 80 bits -> 16 groups of 5 bits, most significant first.
  std::string canonical;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      canonical.push_back(kCrockfordAlphabet[(buffer >> bits) & 0x1F]);
    }
  }
  return FormatClaimCode(canonical);
}

absl::StatusOr<store::StoredClaimCode> HashClaimCode(std::string_view canonical,
                                                     UnixMillis issued_at) {
  std::array<unsigned char, kSaltBytes> salt{};
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
    return absl::InternalError("the random generator failed");
  }
  const std::string salt_bytes(reinterpret_cast<const char*>(salt.data()), salt.size());
  const std::array<unsigned char, 32> digest = Digest(salt_bytes, canonical);
  return store::StoredClaimCode{.salt = ToHex(salt.data(), salt.size()),
                                .hash = ToHex(digest.data(), digest.size()),
                                .issued_at = issued_at};
}

bool VerifyClaimCode(const store::StoredClaimCode& stored, std::string_view canonical) {
  std::optional<std::string> salt = FromHex(stored.salt);
  std::optional<std::string> expected = FromHex(stored.hash);
  if (!salt || !expected || expected->size() != 32) return false;
  const std::array<unsigned char, 32> digest = Digest(*salt, canonical);
  return CRYPTO_memcmp(digest.data(), expected->data(), digest.size()) == 0;
}

absl::Status ClaimLockedOut(std::string message, std::int64_t retry_after_seconds) {
  absl::Status status = absl::ResourceExhaustedError(std::move(message));
  status.SetPayload(kRetryAfterPayload, absl::Cord(std::to_string(retry_after_seconds)));
  return status;
}

std::optional<std::int64_t> RetryAfterSeconds(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryAfterPayload);
  std::int64_t seconds = 0;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &seconds)) return std::nullopt;
  return seconds;
}

}  // namespace iothub::registry
