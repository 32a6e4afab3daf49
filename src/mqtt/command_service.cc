#include "mqtt/command_service.h"

#include <chrono>
#include <future>
#include <utility>

#include "common/printable.h"
#include "mqtt/command_validation.h"
#include "mqtt/request_id.h"
#include "rpc/rpc_message.h"
#include "rpc/rpc_topic.h"
#include "rpc/strict_json.h"
#include "spdlog/spdlog.h"

namespace iothub::mqtt {
namespace {

constexpr std::size_t kMaxRequestBytes = rpc::JsonLimits{}.max_bytes;  // contract: 10 KB

constexpr const char* kOutcomeNames[] = {"result",  "error",       "sent",
                                         "timeout", "unavailable", "invalid"};

std::string RequestTopic(std::string_view user_id, std::string_view device_id) {
  std::string topic;
  topic.reserve(32 + user_id.size() + device_id.size());
  topic.append("users/").append(user_id).append("/devices/").append(device_id);
  topic.append("/rpc/request");
  return topic;
}

// The JSON-RPC request, or InvalidArgument when it cannot be serialized (invalid UTF-8
// in a string of `params`) or is over the contract's size limit.
absl::StatusOr<std::string> RequestPayload(const CommandRequest& request, const std::string& id,
                                           UnixMillis timestamp) {
  nlohmann::json body = nlohmann::json::object();
  body["id"] = id;
  body["method"] = request.method;
  if (!request.params.is_null()) body["params"] = request.params;
  body["deviceId"] = request.device_id;
  body["timestamp"] = timestamp;
  std::string payload;
  try {
    payload = body.dump();
  } catch (const nlohmann::json::exception&) {
    return absl::InvalidArgumentError("params: strings must be valid UTF-8");
  }
  if (payload.size() > kMaxRequestBytes) {
    return absl::InvalidArgumentError("params: the request would exceed " +
                                      std::to_string(kMaxRequestBytes) + " bytes");
  }
  return payload;
}

}  // namespace

CommandService::CommandService(MessageLink& link, const Clock& clock, Metrics& metrics)
    : link_(link),
      clock_(clock),
      round_trip_(
          metrics.GetHistogram("iothub_mqtt_command_round_trip_seconds",
                               "From a command's publish to its reply, for commands that got one.",
                               {}, {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30})),
      ignored_unknown_(metrics.GetCounter("iothub_mqtt_replies_ignored_total",
                                          "RPC replies no waiting command took, by reason.",
                                          {{"reason", "unknown_id"}})),
      ignored_malformed_(metrics.GetCounter("iothub_mqtt_replies_ignored_total",
                                            "RPC replies no waiting command took, by reason.",
                                            {{"reason", "malformed"}})),
      timeout_notices_(metrics.GetCounter("iothub_mqtt_timeout_notices_total",
                                          "RPC pipeline timeout replies published.")) {
  for (int i = 0; i < kOutcomeCount; ++i) {
    outcomes_[i] = &metrics.GetCounter("iothub_mqtt_commands_total",
                                       "Commands sent through the HTTP API, by outcome.",
                                       {{"outcome", kOutcomeNames[i]}});
  }
}

absl::StatusOr<CommandResult> CommandService::SendCommand(const CommandRequest& request,
                                                          ReplyMode mode) {
  if (absl::Status status = ValidateCommand(request); !status.ok()) {
    OutcomeCounter(kInvalid).Increment();
    return status;
  }
  CommandResult out;
  out.id = NewRequestId();
  out.sent_at = clock_.NowUnixMillis();
  absl::StatusOr<std::string> payload = RequestPayload(request, out.id, out.sent_at);
  if (!payload.ok()) {
    OutcomeCounter(kInvalid).Increment();
    return payload.status();
  }
  if (!link_.connected()) {
    OutcomeCounter(kUnavailable).Increment();
    return absl::UnavailableError("MQTT broker unavailable");
  }
  const std::string topic = RequestTopic(request.user_id, request.device_id);
  const auto count_failure = [this](const absl::Status& status) {
    OutcomeCounter(absl::IsUnavailable(status) ? kUnavailable : kInvalid).Increment();
  };

  if (mode == ReplyMode::kNoWait) {
    if (absl::Status status = link_.Publish(topic, *payload, 1); !status.ok()) {
      count_failure(status);
      return status;
    }
    OutcomeCounter(kSent).Increment();
    return out;
  }

  // Register before publishing: the reply may arrive before Publish returns.
  absl::StatusOr<std::future<Reply>> future =
      waiters_.Register(out.id, request.user_id, request.device_id);
  if (!future.ok()) return absl::InternalError("request id collision");
  const auto start = clock_.SteadyNow();
  const auto deadline = std::chrono::steady_clock::now() + request.timeout;
  if (absl::Status status = link_.Publish(topic, *payload, 1); !status.ok()) {
    waiters_.Cancel(out.id);
    count_failure(status);
    return status;
  }
  if (future->wait_until(deadline) != std::future_status::ready) {
    if (waiters_.Cancel(out.id)) {
      OutcomeCounter(kTimeout).Increment();
      spdlog::debug("mqtt: command {} {} to {} timed out after {} ms", out.id, request.method,
                    request.device_id, request.timeout.count());
      return absl::DeadlineExceededError("no reply from the device within " +
                                         std::to_string(request.timeout.count()) + " ms");
    }
    // The reply won the race with Cancel: OnMessage is setting it right now.
  }
  Reply reply;
  try {
    reply = future->get();
  } catch (const std::future_error&) {
    return absl::InternalError("reply lost");
  }
  out.replied = true;
  out.result = std::move(reply.result);
  out.error = std::move(reply.error);
  out.received_at = reply.received_at;
  const auto elapsed = reply.received - start;
  out.execution_time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
  round_trip_.ObserveSeconds(std::chrono::duration<double>(elapsed).count());
  OutcomeCounter(out.error.is_null() ? kResult : kError).Increment();
  return out;
}

absl::Status CommandService::PublishTimeout(const rpc::TimeoutNotice& notice) {
  absl::Status status = link_.Publish(notice.topic, notice.payload, 1);
  if (status.ok()) timeout_notices_.Increment();
  return status;
}

void CommandService::OnMessage(std::string_view topic, std::string_view payload) {
  const rpc::RpcTopic where = rpc::ParseRpcTopic(topic);
  if (where.kind != rpc::RpcTopicKind::kResponse) {
    ignored_malformed_.Increment();
    return;
  }
  absl::StatusOr<rpc::ParsedResponse> parsed = rpc::ParseResponse(payload);
  if (!parsed.ok()) {
    ignored_malformed_.Increment();
    spdlog::debug("mqtt: malformed reply on {}: {}", Printable(topic),
                  std::string(parsed.status().message()));
    return;
  }
  std::optional<std::promise<Reply>> promise =
      waiters_.Take(parsed->id, where.user_id, where.device_id);
  if (!promise.has_value()) {
    ignored_unknown_.Increment();
    return;
  }
  Reply reply;
  reply.received = clock_.SteadyNow();
  reply.received_at = clock_.NowUnixMillis();
  // ParseResponse kept no document; parse again for the one reply that is wanted.
  absl::StatusOr<nlohmann::json> doc = rpc::ParseStrictJson(payload, rpc::JsonLimits{});
  if (doc.ok()) {
    if (parsed->is_error) {
      reply.error = std::move((*doc)["error"]);
    } else {
      reply.result = std::move((*doc)["result"]);
    }
  } else {  // cannot happen: the same text just passed the same parser
    reply.error = {{"code", -32603}, {"message", "Internal error"}};
  }
  promise->set_value(std::move(reply));
}

}  // namespace iothub::mqtt
