#include "rpc/rpc_message.h"

#include "common/ids.h"

namespace iothub::rpc {
namespace {

using Json = nlohmann::json;

ParsedRequest Refused(ParsedRequest request, RpcErrorCode code, std::string data) {
  request.error = MakeError(code, std::move(data));
  return request;
}

bool IsUsableId(const Json& v) {
  return v.is_string() && IsValidId(v.get_ref<const std::string&>());
}

}  // namespace

ParsedRequest ParseRequest(std::string_view payload, std::string_view topic_device_id,
                           const JsonLimits& limits) {
  ParsedRequest out;
  auto doc = ParseStrictJson(payload, limits);
  if (!doc.ok()) {
    return Refused(std::move(out), RpcErrorCode::kInvalidRequest,
                   std::string(doc.status().message()));
  }
  Json& root = *doc;
  if (!root.is_object()) {
    return Refused(std::move(out), RpcErrorCode::kInvalidRequest, "payload: must be a JSON object");
  }

  // The id first, so that every later error can echo it.
  auto id = root.find("id");
  if (id == root.end())
    return Refused(std::move(out), RpcErrorCode::kInvalidRequest, "id: required");
  if (!IsUsableId(*id)) {
    return Refused(std::move(out), RpcErrorCode::kInvalidRequest,
                   "id: must be a string of 1-64 characters [A-Za-z0-9_-]");
  }
  out.id = std::move(id->get_ref<std::string&>());

  const Json* method = nullptr;
  Json* params = nullptr;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string& key = it.key();
    if (key == "id") continue;
    if (key == "method") {
      method = &it.value();
    } else if (key == "params") {
      params = &it.value();
    } else if (key == "deviceId") {
      if (!it->is_string() || it->get_ref<const std::string&>() != topic_device_id) {
        return Refused(std::move(out), RpcErrorCode::kInvalidRequest,
                       "deviceId: must equal the topic's device");
      }
    } else if (key == "timestamp") {
      if (!it->is_number()) {
        return Refused(std::move(out), RpcErrorCode::kInvalidRequest,
                       "timestamp: must be a number");
      }
    } else {
      // Only [A-Za-z0-9_-] keys are echoed; anything else could be arbitrary bytes.
      return Refused(std::move(out), RpcErrorCode::kInvalidRequest,
                     IsValidId(key) ? key + ": unknown field" : "payload: unknown field");
    }
  }

  if (method == nullptr) {
    return Refused(std::move(out), RpcErrorCode::kInvalidRequest, "method: required");
  }
  if (!method->is_string()) {
    return Refused(std::move(out), RpcErrorCode::kInvalidRequest, "method: must be a string");
  }
  const std::string& name = method->get_ref<const std::string&>();
  out.method = ParseMethod(name);
  if (!out.method) {
    out.error = UnknownMethodError(name);
    return out;
  }
  if (params != nullptr) {
    if (!params->is_object()) {
      return Refused(std::move(out), RpcErrorCode::kInvalidParams, "params: must be an object");
    }
    out.params = std::move(*params);
  }
  if (auto status = ValidateParams(*out.method, out.params); !status.ok()) {
    return Refused(std::move(out), RpcErrorCode::kInvalidParams, std::string(status.message()));
  }
  return out;
}

absl::StatusOr<ParsedResponse> ParseResponse(std::string_view payload, const JsonLimits& limits) {
  auto doc = ParseStrictJson(payload, limits);
  if (!doc.ok()) return doc.status();
  const Json& root = *doc;
  if (!root.is_object()) return absl::InvalidArgumentError("payload: must be a JSON object");
  auto id = root.find("id");
  if (id == root.end() || !IsUsableId(*id)) {
    return absl::InvalidArgumentError("id: must be a string of 1-64 characters [A-Za-z0-9_-]");
  }
  auto result = root.find("result");
  auto error = root.find("error");
  const bool has_result = result != root.end();
  const bool has_error = error != root.end();
  if (has_result == has_error) {
    return absl::InvalidArgumentError("payload: must hold exactly one of result and error");
  }
  if (has_result && !result->is_object()) {
    return absl::InvalidArgumentError("result: must be an object");
  }
  if (has_error) {
    if (!error->is_object()) return absl::InvalidArgumentError("error: must be an object");
    auto code = error->find("code");
    auto message = error->find("message");
    if (code == error->end() || !code->is_number_integer()) {
      return absl::InvalidArgumentError("error.code: must be an integer");
    }
    if (message == error->end() || !message->is_string()) {
      return absl::InvalidArgumentError("error.message: must be a string");
    }
  }
  if (auto ts = root.find("timestamp"); ts != root.end() && !ts->is_number()) {
    return absl::InvalidArgumentError("timestamp: must be a number");
  }
  return ParsedResponse{id->get<std::string>(), has_error};
}

}  // namespace iothub::rpc
