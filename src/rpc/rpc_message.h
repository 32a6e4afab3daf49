// Parsing of RPC request and response payloads (contract section 2) from untrusted MQTT
// messages. One strict parse per payload (see strict_json.h); errors are values, ready to
// be answered on the response topic. Pure functions; thread-safe.
//
// Requests: `{"id", "method", "params"?, "deviceId"?, "timestamp"?}`.
// - `id`: string of 1-64 [A-Za-z0-9_-]. While it is missing or unusable, errors carry a
//   null id.
// - `method`: string; unknown names give -32601.
// - `params`: object when present (an explicit null is refused, -32602); checked against
//   the method's schema (method_catalog.h), -32602 naming the field and rule.
// - `deviceId`: when present, must equal the topic's device.
// - `timestamp`: when present, a number.
// - Any other top-level field is refused (-32600): the request format is ours and closed,
//   so a typo (`param`) fails loudly instead of running a method without its params.
//
// Responses: `{"id", "result"? | "error"?, "timestamp"?}` with exactly one of `result`
// (an object) and `error` (`{"code": integer, "message": string, "data"?: any}`). Other
// top-level fields are tolerated: device firmware is not ours to fix, and the hub only
// routes the reply.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "rpc/method_catalog.h"
#include "rpc/rpc_error.h"
#include "rpc/strict_json.h"

namespace iothub::rpc {

// A parsed request, or why it is refused.
struct ParsedRequest {
  std::string id;                 // empty while the id is missing or unusable
  std::optional<Method> method;   // set once the method is known
  nlohmann::json params;          // null when absent
  std::optional<RpcError> error;  // set when the request must be refused

  bool ok() const { return !error.has_value(); }
};

// Parses and validates a request published on the request topic of `topic_device_id`.
ParsedRequest ParseRequest(std::string_view payload, std::string_view topic_device_id,
                           const JsonLimits& limits = {});

struct ParsedResponse {
  std::string id;
  bool is_error = false;  // carries `error` rather than `result`
};

// Parses a device's reply. InvalidArgument naming the problem when malformed.
absl::StatusOr<ParsedResponse> ParseResponse(std::string_view payload,
                                             const JsonLimits& limits = {});

}  // namespace iothub::rpc
