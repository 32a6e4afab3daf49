// ParseStrictJson: an RPC payload (request or response) as a DOM, parsed with the hub's
// one JSON policy (common/json_parse.h: depth, size, duplicate keys, non-finite numbers,
// UTF-8) under the RPC contract's limits, with errors prefixed "payload: ". Never throws.
// Thread-safe (no shared state).
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
