#include "model/claim_code_text.h"

#include <cctype>

namespace iothub {
namespace {

// The alphabet character a typed character stands for, or 0.
char CanonicalChar(char c) {
  c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (c == 'O') return '0';
  if (c == 'I' || c == 'L') return '1';
  return kCrockfordAlphabet.find(c) == std::string_view::npos ? 0 : c;
}

}  // namespace

absl::StatusOr<std::string> NormalizeClaimCode(std::string_view input) {
  const absl::Status bad = absl::InvalidArgumentError(
      "a claim code is 16 characters of 0-9 and A-Z without I, L, O, U, like "
      "ABCD-EFGH-JKMN-PQRS");
  if (input.size() > kMaxClaimCodeInput) return bad;
  std::string canonical;
  for (char c : input) {
    if (c == '-' || c == ' ') continue;
    const char mapped = CanonicalChar(c);
    if (mapped == 0) return bad;
    canonical.push_back(mapped);
  }
  if (canonical.size() != kClaimCodeLength) return bad;
  return canonical;
}

std::string FormatClaimCode(std::string_view canonical) {
  std::string out;
  for (std::size_t i = 0; i < canonical.size(); ++i) {
    if (i > 0 && i % 4 == 0) out.push_back('-');
    out.push_back(canonical[i]);
  }
  return out;
}

std::string ClaimUri(std::string_view device_id, std::string_view canonical) {
  return "iothub://claim?id=" + std::string(device_id) + "&code=" + FormatClaimCode(canonical);
}

}  // namespace iothub
