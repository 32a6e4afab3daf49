// RPC topics (contract section 1): `users/{userId}/devices/{deviceId}/rpc/request` and
// `.../rpc/response`. Parsing borrows from the topic and never allocates. Pure
// functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace iothub::rpc {

enum class RpcTopicKind {
  kNone,       // not an RPC topic (telemetry, status, anything else)
  kRequest,    // users/{u}/devices/{d}/rpc/request
  kResponse,   // users/{u}/devices/{d}/rpc/response
  kMalformed,  // the RPC shape, but a user or device id breaks IsValidId
};

// Views into the topic passed to ParseRpcTopic; valid while it is.
struct RpcTopic {
  RpcTopicKind kind = RpcTopicKind::kNone;
  std::string_view user_id;
  std::string_view device_id;
};

RpcTopic ParseRpcTopic(std::string_view topic);

// `users/{user}/devices/{device}/rpc/response`.
std::string ResponseTopic(std::string_view user_id, std::string_view device_id);

}  // namespace iothub::rpc
