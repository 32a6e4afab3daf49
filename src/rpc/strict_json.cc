#include "rpc/strict_json.h"

#include <string>

#include "common/json_parse.h"

namespace iothub::rpc {

absl::StatusOr<nlohmann::json> ParseStrictJson(std::string_view text, const JsonLimits& limits) {
  absl::StatusOr<nlohmann::json> doc =
      ParseJson(text, {.max_bytes = limits.max_bytes, .max_depth = limits.max_depth});
  if (!doc.ok()) {
    return absl::InvalidArgumentError("payload: " + std::string(doc.status().message()));
  }
  return doc;
}

}  // namespace iothub::rpc
