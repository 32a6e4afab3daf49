#include "model/fingerprint_text.h"

namespace iothub {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<Fingerprint> ParseFingerprint(std::string_view text) {
  const std::size_t n = std::tuple_size_v<Fingerprint>;
  // Either all colons (3n - 1 characters) or none (2n); no mixing.
  const bool colons = text.size() == 3 * n - 1;
  if (!colons && text.size() != 2 * n) return std::nullopt;
  const std::size_t stride = colons ? 3 : 2;
  Fingerprint out{};
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t at = i * stride;
    if (colons && i + 1 < n && text[at + 2] != ':') return std::nullopt;
    const int hi = HexValue(text[at]);
    const int lo = HexValue(text[at + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string FormatFingerprint(const Fingerprint& fingerprint) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(fingerprint.size() * 3);
  for (std::size_t i = 0; i < fingerprint.size(); ++i) {
    if (i != 0) out.push_back(':');
    out.push_back(kDigits[fingerprint[i] >> 4]);
    out.push_back(kDigits[fingerprint[i] & 0xF]);
  }
  return out;
}

}  // namespace iothub
