// Claim code text (see registry/claim_code.h for what a claim code is): the alphabet,
// reading a code a person typed, the display form and the claim URI. Shared by the hub
// and device-sim. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace iothub {

inline constexpr std::size_t kClaimCodeBits = 80;
// Canonical length: 80 bits / 5 bits per base32 character.
inline constexpr std::size_t kClaimCodeLength = kClaimCodeBits / 5;
// Longest input NormalizeClaimCode looks at (dashes and spaces included).
inline constexpr std::size_t kMaxClaimCodeInput = 64;
inline constexpr std::string_view kCrockfordAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// The canonical form (16 upper-case alphabet characters) of a code typed by a person:
// case-insensitive, dashes and spaces ignored, O/I/L read as 0/1/1. InvalidArgument for
// anything else (other characters, wrong length, longer than kMaxClaimCodeInput).
absl::StatusOr<std::string> NormalizeClaimCode(std::string_view input);

// The display form of a canonical code: groups of four joined by dashes.
std::string FormatClaimCode(std::string_view canonical);

// The URI a label's QR code carries: "iothub://claim?id=ID&code=XXXX-XXXX-XXXX-XXXX".
// Device ids are [A-Za-z0-9_-] and codes base32, so nothing needs escaping.
std::string ClaimUri(std::string_view device_id, std::string_view canonical);

}  // namespace iothub
