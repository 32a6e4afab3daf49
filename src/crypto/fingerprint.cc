#include "crypto/fingerprint.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <tuple>

namespace iothub::crypto {
namespace {

constexpr char kHexDigits[] = "0123456789ABCDEF";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

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

std::string FormatFingerprint(const Fingerprint& fingerprint) {
  std::string out;
  out.reserve(fingerprint.size() * 3 - 1);
  for (std::size_t i = 0; i < fingerprint.size(); ++i) {
    if (i > 0) out.push_back(':');
    out.push_back(kHexDigits[fingerprint[i] >> 4]);
    out.push_back(kHexDigits[fingerprint[i] & 0x0F]);
  }
  return out;
}

absl::StatusOr<Fingerprint> ParseFingerprint(std::string_view text) {
  constexpr std::size_t kBytes = std::tuple_size_v<Fingerprint>;
  // Either "ABCD..." (2 per byte) or "AB:CD:..." (3 per byte, one colon fewer).
  std::size_t stride;
  if (text.size() == kBytes * 2) {
    stride = 2;
  } else if (text.size() == kBytes * 3 - 1) {
    stride = 3;
  } else {
    return absl::InvalidArgumentError(
        "fingerprint: expected 64 hex digits, optionally colon-separated in pairs");
  }
  Fingerprint out{};
  for (std::size_t i = 0; i < kBytes; ++i) {
    const std::size_t at = i * stride;
    if (stride == 3 && i > 0 && text[at - 1] != ':') {
      return absl::InvalidArgumentError("fingerprint: colons must separate every byte pair");
    }
    const int high = HexValue(text[at]);
    const int low = HexValue(text[at + 1]);
    if (high < 0 || low < 0) {
      return absl::InvalidArgumentError("fingerprint: not a hex digit");
    }
    out[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return out;
}

}  // namespace iothub::crypto
