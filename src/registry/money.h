// Account balances as exact integer cents (contract section 5: balance >= 0, two
// decimals). Amounts cross the API as decimal strings, never as floating point.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace iothub::registry {

// Largest balance accepted: 999,999,999,999.99.
inline constexpr std::int64_t kMaxBalanceCents = 99'999'999'999'999;

// Parses a non-negative decimal amount with at most two decimals into cents, strictly:
// "0", "12", "12.5", "12.50" are accepted; a sign, an exponent, leading zeros ("01"),
// a bare point (".5", "5."), spaces, more than two decimals or more than
// kMaxBalanceCents are InvalidArgument.
absl::StatusOr<std::int64_t> ParseAmountCents(std::string_view text);

// Cents as a decimal string with exactly two decimals: 1250 -> "12.50".
std::string FormatCents(std::int64_t cents);

}  // namespace iothub::registry
