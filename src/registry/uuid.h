// Random identifiers: RFC 4122 version 4 UUIDs from OpenSSL's CSPRNG, for user and
// certificate ids. Thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace iothub::registry {

// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" in lowercase hex. Internal when the CSPRNG
// fails (never silently weaker randomness).
absl::StatusOr<std::string> NewUuidV4();

}  // namespace iothub::registry
