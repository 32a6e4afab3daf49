#include "rpc_handler.h"

#include <chrono>

#include "common/json_parse.h"
#include "update_rules.h"

namespace iothub::device_sim {
namespace {

using nlohmann::json;

json ErrorResponse(const std::string& id, int code, const std::string& message) {
  return {{"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

bool NoParams(const json& request) {
  return !request.contains("params") || request["params"].is_null() ||
         (request["params"].is_object() && request["params"].empty());
}

}  // namespace

bool IsValidRpcId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::optional<json> HandleRpc(std::string_view payload, const std::string& device_id,
                              DeviceState& state) {
  // The contract's RPC payload limits: 10 KB, 32 levels.
  json request = iothub::ParseJson(payload, {.max_bytes = 10240, .max_depth = 32}).value_or(json());
  if (!request.is_object() || !request.contains("id") || !request["id"].is_string() ||
      !IsValidRpcId(request["id"].get<std::string>())) {
    return std::nullopt;
  }
  const std::string id = request["id"].get<std::string>();
  json response;
  if (!request.contains("method") || !request["method"].is_string() ||
      (request.contains("deviceId") && request["deviceId"] != device_id) ||
      (request.contains("params") && !request["params"].is_object() &&
       !request["params"].is_null())) {
    response = ErrorResponse(id, -32602, "Invalid parameters");
  } else {
    const std::string method = request["method"].get<std::string>();
    const json params = request.value("params", json::object());
    if (method == "getDeviceState" || method == "getSensors" || method == "reboot") {
      if (!NoParams(request)) {
        response = ErrorResponse(id, -32602, "Invalid parameters");
      } else if (method == "getDeviceState") {
        response = {{"id", id}, {"result", state.Snapshot()}};
      } else if (method == "getSensors") {
        response = {{"id", id}, {"result", state.ReadSensors()}};
      } else {
        response = {{"id", id}, {"result", state.Reboot()}};
      }
    } else if (IsUpdateMethod(method)) {
      RpcOutcome outcome = state.Update(method, params);
      response = outcome.error ? ErrorResponse(id, outcome.error->code, outcome.error->message)
                               : json{{"id", id}, {"result", outcome.result}};
    } else {
      response = ErrorResponse(id, -32601, "Unknown method: " + method);
    }
  }
  response["timestamp"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  return response;
}

}  // namespace iothub::device_sim
