#include "app/mqtt_command_sender.h"

namespace iothub::app {
namespace {

constexpr int kRpcTimeoutCode = -32000;

bool IsTimeoutError(const nlohmann::json& error) {
  return error.is_object() && error.contains("code") && error["code"] == kRpcTimeoutCode;
}

}  // namespace

http::CommandOutcome MqttCommandSender::Send(const http::CommandRequest& request, bool wait) {
  mqtt::CommandRequest command{.user_id = request.user_id,
                               .device_id = request.device_id,
                               .method = request.method,
                               .params = request.params.value_or(nlohmann::json()),
                               .timeout = std::chrono::milliseconds(request.timeout_ms)};
  auto result =
      commands_.SendCommand(command, wait ? mqtt::ReplyMode::kWait : mqtt::ReplyMode::kNoWait);
  http::CommandOutcome outcome;
  if (!result.ok()) {
    outcome.status = result.status();
    return outcome;
  }
  if (wait && result->replied && IsTimeoutError(result->error)) {
    outcome.status = absl::DeadlineExceededError("the device did not answer in time");
    return outcome;
  }
  outcome.reply.id = result->id;
  if (result->replied) {
    if (!result->result.is_null()) outcome.reply.result = result->result;
    if (!result->error.is_null()) outcome.reply.error = result->error;
    outcome.reply.metadata.received_at = result->received_at;
  }
  outcome.reply.metadata.sent_at = result->sent_at;
  outcome.reply.metadata.execution_time_ms = result->execution_time_ms;
  return outcome;
}

}  // namespace iothub::app
