#include "rpc/rpc_error.h"

#include <nlohmann/json.hpp>

namespace iothub::rpc {

std::string_view DefaultMessage(RpcErrorCode code) {
  switch (code) {
    case RpcErrorCode::kInvalidRequest:
      return "Invalid request";
    case RpcErrorCode::kUnknownMethod:
      return "Unknown method";
    case RpcErrorCode::kInvalidParams:
      return "Invalid parameters";
    case RpcErrorCode::kInternalError:
      return "Internal error";
    case RpcErrorCode::kTimeout:
      return "Request timeout";
    case RpcErrorCode::kDeviceUnavailable:
      return "Device unavailable";
    case RpcErrorCode::kExecutionError:
      return "Execution error";
    case RpcErrorCode::kTooManyPending:
      return "Too many pending requests";
    case RpcErrorCode::kRateLimited:
      return "Rate limit exceeded";
  }
  return "Internal error";
}

RpcError MakeError(RpcErrorCode code, std::string data) {
  return RpcError{code, std::string(DefaultMessage(code)), std::move(data)};
}

RpcError UnknownMethodError(std::string_view method) {
  std::string message = "Unknown method: ";
  message.append(method);
  return RpcError{RpcErrorCode::kUnknownMethod, std::move(message), {}};
}

std::string MakeErrorPayload(std::string_view id, const RpcError& error, UnixMillis timestamp) {
  nlohmann::ordered_json body;
  body["id"] = id.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(id);
  nlohmann::ordered_json err;
  err["code"] = static_cast<int>(error.code);
  err["message"] = error.message;
  if (!error.data.empty()) err["data"] = error.data;
  body["error"] = std::move(err);
  body["timestamp"] = timestamp;
  // `replace` keeps dump() from throwing on invalid UTF-8 (a method name echoed back).
  return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace iothub::rpc
