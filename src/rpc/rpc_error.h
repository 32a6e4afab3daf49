// RPC error codes and the JSON error payload the hub publishes on a device's response
// topic when it answers a request itself (contract section 2; the full table with the
// codes the hub adds is in docs/rpc.md). Pure functions; thread-safe.
//   -32600 Invalid request     ours: too large, not a JSON object, duplicate keys, too
//                              deep, bad id/method/deviceId/timestamp, unknown field
//   -32601 Unknown method: <m>
//   -32602 Invalid parameters  `data` names the field and the rule
//   -32603 Internal error
//   -32000 Request timeout     no reply before the deadline
//   -32001 Device unavailable  offline, unknown, unbound, revoked or another user's
//   -32002 (device's message)  sent by devices, never by the hub
//   -32003 Too many pending requests   ours: a pending-table bound is full
//   -32029 Rate limit exceeded         ours: the user's plan rpc_per_minute
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"

namespace iothub::rpc {

enum class RpcErrorCode : int {
  kInvalidRequest = -32600,
  kUnknownMethod = -32601,
  kInvalidParams = -32602,
  kInternalError = -32603,
  kTimeout = -32000,
  kDeviceUnavailable = -32001,
  kExecutionError = -32002,
  kTooManyPending = -32003,
  kRateLimited = -32029,
};

// The fixed message of a code ("Invalid parameters", ...). For kUnknownMethod the
// caller appends the method name; for kExecutionError it is "Execution error".
std::string_view DefaultMessage(RpcErrorCode code);

// One error as it goes on the wire. An empty `data` is left out of the payload.
struct RpcError {
  RpcErrorCode code = RpcErrorCode::kInternalError;
  std::string message;
  std::string data;
};

// An error with the code's default message (and `Unknown method: <m>` for that code
// when `method` is given).
RpcError MakeError(RpcErrorCode code, std::string data = {});
RpcError UnknownMethodError(std::string_view method);

// The JSON-RPC error payload:
//   {"id":<id or null>,"error":{"code":..,"message":..,"data"?:..},"timestamp":<ms>}
// `id` empty means the request's id was unusable: the payload carries null. Never throws
// (invalid UTF-8 in message or data is replaced).
std::string MakeErrorPayload(std::string_view id, const RpcError& error, UnixMillis timestamp);

}  // namespace iothub::rpc
