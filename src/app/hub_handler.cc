#include "app/hub_handler.h"

#include <spdlog/spdlog.h>

#include "common/awaited.h"
#include "common/printable.h"

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

void HubHandler::AuthenticateAsync(const hooks::ClientView& client, DecisionDone done) {
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
  if (!result.admitted()) return done(Refused(client, result.reason));
  // A live clientid stays with its principal: EMQX would hand the session over. An
  // admission the sessions cannot record is refused (its authorize would be denied).
  // The view is copied: it points into the broker's request, which outlives `done`.
  auth::SessionDirectory::AdmitDone admitted =
      [this, client, result, done = std::move(done)](
          absl::StatusOr<auth::SessionDirectory::AdmitOutcome> outcome) mutable noexcept {
        hooks::Decision decision{false, "internal_error"};
        try {
          decision = Admitted(client, result, outcome);
        } catch (...) {  // allocation failure: fail closed
        }
        done(decision);
      };
  parts_.sessions.AdmitAsync(client.clientid, result.principal, now, std::move(admitted));
}

hooks::Decision HubHandler::Admitted(
    const hooks::ClientView& client, const auth::AuthResult& result,
    const absl::StatusOr<auth::SessionDirectory::AdmitOutcome>& admitted) {
  if (!admitted.ok()) return Refused(client, "session store unavailable");
  if (*admitted == auth::SessionDirectory::AdmitOutcome::kHeldByAnother) {
    return Refused(client, "clientid in use by another principal");
  }
  spdlog::debug("authenticate admitted: clientid={} {}={}", Printable(client.clientid),
                KindName(result.principal->kind), result.principal->id);
  // The renewed certificate's first use ends the old one's grace (written by the worker).
  if (result.principal->ends_grace && parts_.renewals != nullptr) {
    parts_.renewals->OnSuccessorLogin(result.principal->id);
  }
  return {true, result.reason};
}

hooks::Decision HubHandler::Refused(const hooks::ClientView& client, std::string_view reason) {
  const auto level =
      parts_.log_throttle.Record(LogEvent::kAuthenticateRefused, reason, client.peerhost);
  if (spdlog::should_log(level)) {
    spdlog::log(level, "authenticate refused: clientid={} peer={} reason={}",
                Printable(client.clientid), Printable(client.peerhost), reason);
  }
  return {false, reason};
}

void HubHandler::AuthorizeAsync(const hooks::ClientView& client, hooks::AuthorizeAction action,
                                std::string_view topic, DecisionDone done) {
  // Usually answered from this hub's cache, at once.
  auth::SessionDirectory::FindDone found =
      [this, clientid = client.clientid, action, topic, done = std::move(done)](
          absl::StatusOr<std::shared_ptr<const Principal>> principal) mutable noexcept {
        hooks::Decision decision{false, "internal_error"};
        try {
          decision = Authorized(clientid, action, topic, principal);
        } catch (...) {  // allocation failure: fail closed
        }
        done(decision);
      };
  parts_.sessions.FindAsync(client.clientid, std::move(found));
}

hooks::Decision HubHandler::Authorized(
    std::string_view clientid, hooks::AuthorizeAction action, std::string_view topic,
    const absl::StatusOr<std::shared_ptr<const Principal>>& found) {
  const std::shared_ptr<const Principal> principal = found.ok() ? *found : nullptr;
  if (principal == nullptr) {
    const std::string_view reason = found.ok() ? "unknown client" : "session store unavailable";
    const auto level = parts_.log_throttle.Record(LogEvent::kAuthorizeDenied, reason, clientid);
    if (spdlog::should_log(level)) {
      spdlog::log(level, "authorize denied: clientid={} topic={} reason={}", Printable(clientid),
                  Printable(topic), reason);
    }
    return {false, reason};
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
                                                  acl::ToString(decision.reason), clientid);
    if (spdlog::should_log(level)) {
      spdlog::log(level, "authorize denied: clientid={} {} topic={} reason={}", Printable(clientid),
                  action == hooks::AuthorizeAction::kPublish ? "publish" : "subscribe",
                  Printable(topic), acl::ToString(decision.reason));
    }
  }
  return {decision.allow, acl::ToString(decision.reason)};
}

void HubHandler::ConnectedAsync(const hooks::ClientView& client, NotifiedDone done) {
  const UnixMillis now = parts_.clock.NowUnixMillis();
  auth::SessionDirectory::ConnectedDone recorded =
      [this, clientid = std::string(client.clientid), now,
       done = std::move(done)](absl::Status status) mutable noexcept {
        if (!status.ok()) {
          LogUnrecorded(parts_.log_throttle, "connected", clientid, status);
        } else {
          // Admitted here just before, as a rule: found in this hub's cache.
          try {
            const auto principal = parts_.sessions.Find(clientid);
            if (principal.ok()) CountDevice(*principal, now, 1);
          } catch (...) {  // allocation failure: the device counts once it reconnects
          }
        }
        done();  // when not recorded, not counted anywhere: nor is the device online here
      };
  parts_.sessions.ConnectedAsync(client.clientid, now, std::move(recorded));
}

void HubHandler::DisconnectedAsync(const hooks::ClientView& client, std::string_view reason,
                                   NotifiedDone done) {
  spdlog::debug("disconnected: clientid={} reason={}", Printable(client.clientid),
                Printable(reason));
  const UnixMillis now = parts_.clock.NowUnixMillis();
  // Before the session may end with this disconnect.
  auto principal = parts_.sessions.Find(client.clientid);
  auth::SessionDirectory::DisconnectedDone recorded =
      [this, clientid = std::string(client.clientid), now,
       principal = principal.ok() ? *std::move(principal) : nullptr,
       done = std::move(done)](absl::StatusOr<int> ended) mutable noexcept {
        if (!ended.ok()) {
          LogUnrecorded(parts_.log_throttle, "disconnected", clientid, ended.status());
        } else {
          CountDevice(principal, now, -*ended);
        }
        done();
      };
  parts_.sessions.DisconnectedAsync(client.clientid, now, std::move(recorded));
}

void HubHandler::CountDevice(const std::shared_ptr<const Principal>& principal, UnixMillis now,
                             int change) noexcept {
  if (principal == nullptr || principal->kind != PrincipalKind::kDevice) return;
  try {
    for (; change > 0; --change) parts_.presence.OnConnected(principal->id, now);
    for (; change < 0; ++change) parts_.presence.OnDisconnected(principal->id, now);
  } catch (...) {  // allocation failure: the device's presence is off by this event
  }
}

// The waiting forms, for callers without a queue (tests, tools).
hooks::Decision HubHandler::Authenticate(const hooks::ClientView& client) {
  Awaited<hooks::Decision> decision;
  AuthenticateAsync(client, [&decision](hooks::Decision d) noexcept { decision.Set(d); });
  return decision.Wait();
}

hooks::Decision HubHandler::Authorize(const hooks::ClientView& client,
                                      hooks::AuthorizeAction action, std::string_view topic) {
  Awaited<hooks::Decision> decision;
  AuthorizeAsync(client, action, topic,
                 [&decision](hooks::Decision d) noexcept { decision.Set(d); });
  return decision.Wait();
}

void HubHandler::Connected(const hooks::ClientView& client) {
  Awaited<bool> recorded;
  ConnectedAsync(client, [&recorded]() noexcept { recorded.Set(true); });
  recorded.Wait();
}

void HubHandler::Disconnected(const hooks::ClientView& client, std::string_view reason) {
  Awaited<bool> recorded;
  DisconnectedAsync(client, reason, [&recorded]() noexcept { recorded.Set(true); });
  recorded.Wait();
}

}  // namespace iothub::app
