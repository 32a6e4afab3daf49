// ParseStrictJson: parses untrusted JSON text into a DOM in one pass, refusing what
// nlohmann's default parser accepts but the hub must not: duplicate object keys, nesting
// deeper than a limit (checked while parsing, before the deep part is built, so 1000
// levels cost nothing), non-finite numbers (1e309), and text over a size limit. Invalid
// UTF-8 and trailing garbage are refused too. Never throws. Thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "absl/status/statusor.h"

namespace iothub::rpc {

struct JsonLimits {
  std::size_t max_bytes = 10240;  // contract: RPC payload limit 10 KB
  std::size_t max_depth = 32;     // objects and arrays nested in each other
};

// The document, or InvalidArgument with a short reason that echoes no input bytes:
// `payload: larger than 10240 bytes`, `payload: nesting deeper than 32`,
// `payload: duplicate key`, `payload: number out of range`,
// `payload: invalid JSON or UTF-8 at byte 7`.
absl::StatusOr<nlohmann::json> ParseStrictJson(std::string_view text, const JsonLimits& limits);

}  // namespace iothub::rpc
