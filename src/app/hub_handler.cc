#include "app/hub_handler.h"

#include <spdlog/spdlog.h>

#include <optional>

#include "common/awaited.h"
#include "common/printable.h"
#include "model/renewal_topic.h"
#include "rpc/rpc_topic.h"

namespace iothub::app {
namespace {

// MQTT clients that are not devices connect with this username (contract section 7).
constexpr std::string_view kTokenUsername = "jwt";

std::string_view KindName(PrincipalKind kind) {
  switch (kind) {
    case PrincipalKind::kDevice:
      return "device";
    case PrincipalKind::kUser:
      return "user";
    case PrincipalKind::kAdmin:
      return "admin";
    case PrincipalKind::kService:
      return "service";
  }
  return "unknown";
}

// The line of a dropped or answered publish, through the log throttle.
void LogPublishRefusal(LogThrottle& throttle, LogEvent event, std::string_view what,
                       const hooks::MessageView& message, std::string_view reason) {
  const auto level = throttle.Record(event, reason, message.from);
  if (spdlog::should_log(level)) {
    spdlog::log(level, "{}: from={} topic={} reason={}", what, Printable(message.from),
                Printable(message.topic), reason);
  }
}

// A connect or disconnect the sessions could not count (the shared store is down).
void LogUnrecorded(LogThrottle& throttle, std::string_view event, std::string_view clientid,
                   const absl::Status& status) {
  const auto level = throttle.Record(LogEvent::kSessionUnrecorded, event, clientid);
  if (spdlog::should_log(level)) {
    spdlog::log(level, "session {} not recorded: clientid={} reason={}", event, Printable(clientid),
                std::string(status.message()));
  }
}

}  // namespace

std::vector<hooks::HookSpec> HubHandler::OnProviderLoaded(const hooks::BrokerView&) {
  return parts_.hooks;
}

hooks::Decision HubHandler::Authenticate(const hooks::ClientView& client) {
  const auto fleet = parts_.fleet.snapshot();
  const UnixMillis now = parts_.clock.NowUnixMillis();
  auth::AuthResult result =
      client.username == kTokenUsername
          ? parts_.tokens.Authenticate(client.clientid, client.password, *fleet, now)
          : parts_.devices.Authenticate({.clientid = client.clientid,
                                         .username = client.username,
                                         .cn = client.cn,
                                         .dn = client.dn,
                                         .sockport = client.sockport},
                                        *fleet, now);
  // A live clientid stays with its principal: EMQX would hand the session over. An
  // admission the sessions cannot record is refused (its authorize would be denied).
  if (result.admitted()) {
    const auto admitted = parts_.sessions.Admit(client.clientid, result.principal, now);
    if (!admitted.ok()) {
      result = auth::AuthResult::Refuse("session store unavailable");
    } else if (*admitted == auth::SessionDirectory::AdmitOutcome::kHeldByAnother) {
      result = auth::AuthResult::Refuse("clientid in use by another principal");
    }
  }
  if (!result.admitted()) {
    const auto level =
        parts_.log_throttle.Record(LogEvent::kAuthenticateRefused, result.reason, client.peerhost);
    if (spdlog::should_log(level)) {
      spdlog::log(level, "authenticate refused: clientid={} peer={} reason={}",
                  Printable(client.clientid), Printable(client.peerhost), result.reason);
    }
    return {false, result.reason};
  }
  spdlog::debug("authenticate admitted: clientid={} {}={}", Printable(client.clientid),
                KindName(result.principal->kind), result.principal->id);
  // The renewed certificate's first use ends the old one's grace (written by the worker).
  if (result.principal->ends_grace && parts_.renewals != nullptr) {
    parts_.renewals->OnSuccessorLogin(result.principal->id);
  }
  return {true, result.reason};
}

hooks::Decision HubHandler::Authorize(const hooks::ClientView& client,
                                      hooks::AuthorizeAction action, std::string_view topic) {
  const auto found = parts_.sessions.Find(client.clientid);
  const std::shared_ptr<const Principal> principal = found.ok() ? *found : nullptr;
  if (principal == nullptr) {
    const std::string_view reason = found.ok() ? "unknown client" : "session store unavailable";
    const auto level =
        parts_.log_throttle.Record(LogEvent::kAuthorizeDenied, reason, client.clientid);
    if (spdlog::should_log(level)) {
      spdlog::log(level, "authorize denied: clientid={} topic={} reason={}",
                  Printable(client.clientid), Printable(topic), reason);
    }
    return {false, std::string(reason)};
  }
  // Another broker's bridge carries messages that the hub of their origin broker
  // authorized and checked already; it subscribes for the other broker's clients.
  if (principal->broker_bridge) return {true, "broker bridge"};
  const auto fleet = parts_.fleet.snapshot();
  const acl::Action acl_action =
      action == hooks::AuthorizeAction::kPublish ? acl::Action::kPublish : acl::Action::kSubscribe;
  const acl::Decision decision = parts_.acl.policy()->Check(*principal, acl_action, topic, *fleet);
  if (!decision.allow) {
    const auto level = parts_.log_throttle.Record(LogEvent::kAuthorizeDenied,
                                                  acl::ToString(decision.reason), client.clientid);
    if (spdlog::should_log(level)) {
      spdlog::log(level, "authorize denied: clientid={} {} topic={} reason={}",
                  Printable(client.clientid),
                  action == hooks::AuthorizeAction::kPublish ? "publish" : "subscribe",
                  Printable(topic), acl::ToString(decision.reason));
    }
  }
  return {decision.allow, acl::ToString(decision.reason)};
}

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

void HubHandler::Connected(const hooks::ClientView& client) {
  const UnixMillis now = parts_.clock.NowUnixMillis();
  if (absl::Status status = parts_.sessions.Connected(client.clientid, now); !status.ok()) {
    LogUnrecorded(parts_.log_throttle, "connected", client.clientid, status);
    return;  // not counted anywhere: nor is the device online here
  }
  const auto principal = parts_.sessions.Find(client.clientid);
  if (principal.ok() && *principal != nullptr && (*principal)->kind == PrincipalKind::kDevice) {
    parts_.presence.OnConnected((*principal)->id, now);
  }
}

void HubHandler::Disconnected(const hooks::ClientView& client, std::string_view reason) {
  const UnixMillis now = parts_.clock.NowUnixMillis();
  const auto principal = parts_.sessions.Find(client.clientid);
  const auto ended = parts_.sessions.Disconnected(client.clientid, now);
  if (!ended.ok()) {
    LogUnrecorded(parts_.log_throttle, "disconnected", client.clientid, ended.status());
  } else if (principal.ok() && *principal != nullptr &&
             (*principal)->kind == PrincipalKind::kDevice) {
    for (int i = 0; i < *ended; ++i) parts_.presence.OnDisconnected((*principal)->id, now);
  }
  spdlog::debug("disconnected: clientid={} reason={}", Printable(client.clientid),
                Printable(reason));
}

}  // namespace iothub::app
