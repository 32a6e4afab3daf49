// HubHandler's message.publish: renewal requests, bridged messages and the RPC pipeline.
#include <spdlog/spdlog.h>

#include "app/hub_handler.h"
#include "common/awaited.h"
#include "common/printable.h"
#include "model/renewal_topic.h"
#include "rpc/rpc_topic.h"

namespace iothub::app {
namespace {

// The line of a dropped or answered publish, through the log throttle.
void LogPublishRefusal(LogThrottle& throttle, LogEvent event, std::string_view what,
                       const hooks::MessageView& message, std::string_view reason) {
  const auto level = throttle.Record(event, reason, message.from);
  if (spdlog::should_log(level)) {
    spdlog::log(level, "{}: from={} topic={} reason={}", what, Printable(message.from),
                Printable(message.topic), reason);
  }
}

}  // namespace

hooks::PublishOutcome HubHandler::SubmitRenewal(const hooks::MessageView& message,
                                                const Principal* publisher,
                                                std::string_view device) {
  // The request never goes on to subscribers: only the hub reads it.
  hooks::PublishOutcome outcome = hooks::PublishOutcome::Drop("renewal_queued");
  const std::string_view submitted =
      parts_.renewals == nullptr ? std::string_view("renewal_no_link")
                                 : parts_.renewals->Submit(publisher, device, message.payload);
  if (submitted != "queued") {
    outcome.reason = submitted;
    LogPublishRefusal(parts_.log_throttle, LogEvent::kPublishDropped, "publish dropped", message,
                      outcome.reason);
  }
  return outcome;
}

std::optional<hooks::PublishOutcome> HubHandler::DecideBeforePipeline(
    const hooks::MessageView& message, const std::shared_ptr<const Principal>& principal) {
  if (const RenewalTopic renewal = ParseRenewalTopic(message.topic);
      renewal.kind == RenewalTopicKind::kRequest) {
    return SubmitRenewal(message, principal.get(), renewal.device);
  }
  // Bridged from another broker, where its hub's pipeline already decided it (a second
  // pass would see every request twice).
  if (principal != nullptr && principal->broker_bridge) {
    return hooks::PublishOutcome::Pass("bridged");
  }
  // The hub's own link publishes the -32000 replies of expired requests: the pipeline
  // already settled those requests, so these replies pass as they are. (Only the hub's
  // own certificate sets hub_link; a token with sub "iot-hub" cannot.)
  if (principal != nullptr && principal->hub_link &&
      rpc::ParseRpcTopic(message.topic).kind == rpc::RpcTopicKind::kResponse) {
    return hooks::PublishOutcome::Pass("hub timeout reply");
  }
  return std::nullopt;
}

void HubHandler::PublishAsync(const hooks::MessageView& message, PublishDone done) {
  const auto found = parts_.sessions.Find(message.from);
  // An RPC message needs its publisher's session; other topics were authorized already.
  if (!found.ok() && rpc::ParseRpcTopic(message.topic).kind != rpc::RpcTopicKind::kNone) {
    auto dropped =
        hooks::PublishOutcome::Drop(rpc::ToString(rpc::PublishReason::kStateUnavailable));
    LogPublishRefusal(parts_.log_throttle, LogEvent::kPublishDropped, "publish dropped", message,
                      dropped.reason);
    return done(std::move(dropped));
  }
  const std::shared_ptr<const Principal> principal = found.ok() ? *found : nullptr;
  if (auto decided = DecideBeforePipeline(message, principal)) return done(*std::move(decided));
  const auto fleet = parts_.fleet.snapshot();
  const rpc::PublishInput input{
      .message_id = message.id,
      .topic = message.topic,
      .payload = message.payload,
      .qos = message.qos,
      .from = message.from,
      .publisher = principal.get(),
      .fleet = *fleet,
      .now = parts_.clock.SteadyNow(),
      .now_ms = parts_.clock.NowUnixMillis(),
      // HTTP commands: the caller's own timeout applies.
      .publisher_keeps_deadline = principal != nullptr && principal->hub_link};
  // The view is copied: it points into the broker's request, which outlives `done`.
  rpc::RpcPipeline::DecisionDone answered = [this, message, done = std::move(done)](
                                                rpc::PublishDecision decision) mutable noexcept {
    auto outcome = hooks::PublishOutcome::Drop(rpc::ToString(rpc::PublishReason::kInternalError));
    try {
      outcome = Answered(message, std::move(decision));
    } catch (...) {  // allocation failure: fail closed
    }
    done(std::move(outcome));
  };
  parts_.rpc.OnPublishAsync(input, std::move(answered));
}

hooks::PublishOutcome HubHandler::Answered(const hooks::MessageView& message,
                                           rpc::PublishDecision decision) {
  hooks::PublishOutcome outcome;
  outcome.reason = rpc::ToString(decision.reason);
  switch (decision.kind) {
    case rpc::PublishDecision::Kind::kPass:
      outcome.kind = hooks::PublishOutcome::Kind::kPass;
      break;
    case rpc::PublishDecision::Kind::kDrop:
      outcome.kind = hooks::PublishOutcome::Kind::kDrop;
      LogPublishRefusal(parts_.log_throttle, LogEvent::kPublishDropped, "publish dropped", message,
                        outcome.reason);
      break;
    case rpc::PublishDecision::Kind::kRewrite:
      outcome.kind = hooks::PublishOutcome::Kind::kRewrite;
      outcome.topic = std::move(decision.new_topic);
      outcome.payload = std::move(decision.new_payload);
      LogPublishRefusal(parts_.log_throttle, LogEvent::kPublishAnswered,
                        "publish answered by the hub", message, outcome.reason);
      break;
  }
  return outcome;
}

hooks::PublishOutcome HubHandler::Publish(const hooks::MessageView& message) {
  Awaited<hooks::PublishOutcome> outcome;
  PublishAsync(message,
               [&outcome](hooks::PublishOutcome o) noexcept { outcome.Set(std::move(o)); });
  return outcome.Wait();
}

}  // namespace iothub::app
