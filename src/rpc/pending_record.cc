#include "rpc/pending_record.h"

#include <nlohmann/json.hpp>

#include "common/json_parse.h"

namespace iothub::rpc {
namespace {

UnixMillis ToWallClock(SteadyTime at, SteadyTime now, UnixMillis now_ms) {
  return now_ms + std::chrono::duration_cast<std::chrono::milliseconds>(at - now).count();
}

SteadyTime ToSteady(UnixMillis at_ms, SteadyTime now, UnixMillis now_ms) {
  return now + std::chrono::milliseconds(at_ms - now_ms);
}

}  // namespace

std::string PendingKey(std::string_view device_id, std::string_view request_id) {
  std::string key;
  key.reserve(device_id.size() + 1 + request_id.size());
  return key.append(device_id).append("/").append(request_id);
}

std::string EncodePendingRequest(const PendingRequest& request, SteadyTime now, UnixMillis now_ms) {
  return nlohmann::json{{"user", request.user_id},
                        {"requester", request.requester_clientid},
                        {"method", MethodName(request.method)},
                        {"sent_at", ToWallClock(request.sent_at, now, now_ms)},
                        {"deadline", ToWallClock(request.deadline, now, now_ms)}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<PendingRequest> DecodePendingRequest(std::string_view key, std::string_view value,
                                                    SteadyTime now, UnixMillis now_ms) {
  const auto slash = key.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == key.size()) {
    return absl::InvalidArgumentError("pending request key is not device/request");
  }
  absl::StatusOr<nlohmann::json> parsed =
      ParseJson(value, {.max_bytes = 64 * 1024, .max_depth = 4});
  if (!parsed.ok()) return parsed.status();
  const nlohmann::json& json = *parsed;
  if (!json.is_object()) return absl::InvalidArgumentError("pending request is not a JSON object");
  const auto text = [&](const char* name) { return StringMember(json, name); };
  const auto millis = [&](const char* name) { return IntegerMember(json, name); };
  const std::string* user = text("user");
  const std::string* requester = text("requester");
  const std::string* method_name = text("method");
  const auto sent_at = millis("sent_at");
  const auto deadline = millis("deadline");
  if (!user || !requester || !method_name || !sent_at || !deadline) {
    return absl::InvalidArgumentError("pending request misses a field");
  }
  const std::optional<Method> method = ParseMethod(*method_name);
  if (!method) return absl::InvalidArgumentError("pending request names an unknown method");
  return PendingRequest{std::string(key.substr(0, slash)),
                        std::string(key.substr(slash + 1)),
                        *user,
                        *requester,
                        *method,
                        ToSteady(*sent_at, now, now_ms),
                        ToSteady(*deadline, now, now_ms)};
}

}  // namespace iothub::rpc
