// ParseJson: the one way the hub turns JSON text it did not write itself (HTTP bodies,
// RPC payloads, JWT headers and claims, JWKS documents, stored metadata) into a DOM.
// nlohmann's default parser accepts nesting of any depth, and the DOM's copy, dump and
// comparison recurse per level, so a 1 MB body of '[' overflowed the stack. This parser
// refuses, while parsing and before the deep part is built: nesting deeper than a limit,
// text over a size limit, duplicate object keys, non-finite numbers (1e309), binary
// values, invalid UTF-8 and trailing garbage. Never throws. Thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace iothub {

struct JsonParseLimits {
  std::size_t max_bytes = 1024 * 1024;  // callers with a smaller contract pass theirs
  std::size_t max_depth = 32;           // objects and arrays nested in each other
};

// The document, or InvalidArgument with a short reason that echoes no input bytes:
// `larger than 1048576 bytes`, `nesting deeper than 32`, `duplicate key`,
// `number out of range`, `binary values not allowed`, `invalid JSON or UTF-8 at byte 7`.
absl::StatusOr<nlohmann::json> ParseJson(std::string_view text, const JsonParseLimits& limits = {});

// Typed reads of one member of `object` (an object): nullptr / nullopt when the member
// is missing or of another type, so a decoder can refuse what it did not write.
const std::string* StringMember(const nlohmann::json& object, const char* name);
std::optional<std::int64_t> IntegerMember(const nlohmann::json& object, const char* name);

}  // namespace iothub
