// Argument checks every Store backend makes the same way, so that SQLite and PostgreSQL
// refuse the same inputs with the same errors. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace iothub::store {

// InvalidArgument for a negative offset or limit.
absl::Status CheckPage(std::int64_t offset, std::int64_t limit);

// The canonical text of a fingerprint given in any accepted form (any case, with or
// without colons); InvalidArgument unless it is 32 bytes of hex.
absl::StatusOr<std::string> CanonicalFingerprint(std::string_view text);

}  // namespace iothub::store
