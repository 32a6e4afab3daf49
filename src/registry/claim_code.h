// Claim codes: the proof of possession a user presents to claim an unbound device
// (DeviceRegistry::ClaimDevice). A code is 80 random bits (OpenSSL RAND_bytes) written
// as 16 Crockford base32 characters (no I, L, O, U, so nothing reads as another
// character), shown in groups as "XXXX-XXXX-XXXX-XXXX". Input is accepted in any case,
// with or without dashes, and Crockford's look-alikes (O -> 0, I and L -> 1) are read
// as the digits they resemble.
//
// Only a salted SHA-256 of the canonical code is stored. With 80 bits of entropy a
// per-device salt is enough (no slow hash needed): guessing is limited by the lockouts,
// and a leaked hash cannot be inverted in practice. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "store/store.h"

namespace iothub::registry {

inline constexpr std::size_t kClaimCodeBits = 80;
// Canonical length: 80 bits / 5 bits per base32 character.
inline constexpr std::size_t kClaimCodeLength = kClaimCodeBits / 5;
// Longest input NormalizeClaimCode looks at (dashes and spaces included).
inline constexpr std::size_t kMaxClaimCodeInput = 64;
inline constexpr std::string_view kCrockfordAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// A new random code in display form "XXXX-XXXX-XXXX-XXXX"; Internal if the random
// generator fails.
absl::StatusOr<std::string> GenerateClaimCode();

// The canonical form (16 upper-case alphabet characters) of a code typed by a person:
// case-insensitive, dashes and spaces ignored, O/I/L read as 0/1/1. InvalidArgument for
// anything else (other characters, wrong length, longer than kMaxClaimCodeInput).
absl::StatusOr<std::string> NormalizeClaimCode(std::string_view input);

// The display form of a canonical code: groups of four joined by dashes.
std::string FormatClaimCode(std::string_view canonical);

// The stored form of a canonical code: a fresh random 16-byte salt and SHA-256(salt ||
// code), both hex. Internal if the random generator fails.
absl::StatusOr<store::StoredClaimCode> HashClaimCode(std::string_view canonical,
                                                     UnixMillis issued_at);

// True when `canonical` is the code `stored` was made from. Compares the digests in
// constant time; false for a malformed stored row.
bool VerifyClaimCode(const store::StoredClaimCode& stored, std::string_view canonical);

// The URI a label's QR code carries: "iothub://claim?id=ID&code=XXXX-XXXX-XXXX-XXXX".
// Device ids are [A-Za-z0-9_-] and codes base32, so nothing needs escaping.
std::string ClaimUri(std::string_view device_id, std::string_view canonical);

// A lockout refusal carries the seconds until the next attempt may succeed as a status
// payload (ResourceExhausted); these set and read it.
absl::Status ClaimLockedOut(std::string message, std::int64_t retry_after_seconds);
std::optional<std::int64_t> RetryAfterSeconds(const absl::Status& status);

}  // namespace iothub::registry
