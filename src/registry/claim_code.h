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
#include "model/claim_code_text.h"
#include "store/store.h"

namespace iothub::registry {

// A new random code in display form "XXXX-XXXX-XXXX-XXXX"; Internal if the random
// generator fails.
absl::StatusOr<std::string> GenerateClaimCode();

// The stored form of a canonical code: a fresh random 16-byte salt and SHA-256(salt ||
// code), both hex. Internal if the random generator fails.
absl::StatusOr<store::StoredClaimCode> HashClaimCode(std::string_view canonical,
                                                     UnixMillis issued_at);

// True when `canonical` is the code `stored` was made from. Compares the digests in
// constant time; false for a malformed stored row.
bool VerifyClaimCode(const store::StoredClaimCode& stored, std::string_view canonical);

// A lockout refusal carries the seconds until the next attempt may succeed as a status
// payload (ResourceExhausted); these set and read it.
absl::Status ClaimLockedOut(std::string message, std::int64_t retry_after_seconds);
std::optional<std::int64_t> RetryAfterSeconds(const absl::Status& status);

}  // namespace iothub::registry
