// ISO 8601 / RFC 3339 timestamps for the JSON views: UTC with milliseconds
// ("2024-05-01T12:00:00.000Z"). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/clock.h"

namespace iothub::registry {

// "YYYY-MM-DDTHH:MM:SS.mmmZ" for `at` (UTC).
std::string FormatIso8601(UnixMillis at);

// Accepts "YYYY-MM-DDTHH:MM:SS[.fff]" followed by "Z" or "+HH:MM"/"-HH:MM" (years
// 1970-9999; fractional digits beyond milliseconds are truncated). InvalidArgument
// otherwise.
absl::StatusOr<UnixMillis> ParseIso8601(std::string_view text);

}  // namespace iothub::registry
