#include "rpc/rpc_pipeline.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "common/awaited.h"
#include "rpc/local_rpc_state.h"
#include "rpc/rpc_error.h"
#include "rpc/rpc_message.h"
#include "rpc/rpc_topic.h"

namespace iothub::rpc {
namespace {

using Kind = PublishDecision::Kind;

// Unknown, unbound, revoked and other users' devices look the same to the requester:
// the reply must not tell whether a device id exists.
constexpr std::string_view kNotAvailable = "device not available to this user";

PublishDecision Decision(Kind kind, PublishReason reason) { return {kind, reason, {}, {}}; }

// A refusal of a request decided from the request and the fleet alone.
struct Refusal {
  PublishReason reason;
  RpcError error;
};

PublishReason ReasonFor(RpcErrorCode code) {
  switch (code) {
    case RpcErrorCode::kUnknownMethod:
      return PublishReason::kUnknownMethod;
    case RpcErrorCode::kInvalidParams:
      return PublishReason::kInvalidParams;
    default:
      return PublishReason::kInvalidRequest;
  }
}

// Why `request` is refused before the shared state is asked, if it is: malformed, a
// publisher that may not call this user's devices, or a device not available to them.
std::optional<Refusal> RefuseHere(const PublishInput& in, std::string_view user_id,
                                  std::string_view device_id, const ParsedRequest& request) {
  if (!request.ok()) return Refusal{ReasonFor(request.error->code), *request.error};
  const Principal& p = *in.publisher;
  PublishReason reason = PublishReason::kRequestAccepted;
  if (p.kind == PrincipalKind::kDevice || (p.kind == PrincipalKind::kUser && p.id != user_id)) {
    reason = PublishReason::kPublisherNotAllowed;
  } else if (const DeviceRecord* device = in.fleet.FindDevice(device_id); device == nullptr) {
    reason = PublishReason::kDeviceUnknown;
  } else if (device->status == DeviceStatus::kRevoked) {
    reason = PublishReason::kDeviceRevoked;
  } else if (device->status != DeviceStatus::kBound || device->owner_id != user_id) {
    reason = PublishReason::kDeviceNotBound;
  }
  if (reason == PublishReason::kRequestAccepted) return std::nullopt;
  return Refusal{reason, MakeError(RpcErrorCode::kDeviceUnavailable, std::string(kNotAvailable))};
}

}  // namespace

RpcPipeline::RpcPipeline(RpcConfig config, Presence& presence, Metrics& metrics)
    : config_(std::move(config)),
      timeout_(std::min(config_.default_timeout, config_.max_timeout)),
      presence_(presence),
      owned_state_(std::make_unique<LocalRpcState>(config_.pending, config_.rate_limiter)),
      state_(*owned_state_),
      metrics_(metrics),
      dedupe_(config_.dedupe_capacity) {}

RpcPipeline::RpcPipeline(RpcConfig config, Presence& presence, RpcState& state, Metrics& metrics)
    : config_(std::move(config)),
      timeout_(std::min(config_.default_timeout, config_.max_timeout)),
      presence_(presence),
      state_(state),
      metrics_(metrics),
      dedupe_(config_.dedupe_capacity) {}

// What answering a request needs after the state's decision, which may come on another
// thread when the publish hook has returned: copies, never views into the hook call.
struct RpcPipeline::RequestReply {
  std::optional<Method> method;
  std::string request_id;
  std::string user_id;
  std::string device_id;
  std::uint32_t per_minute = 0;
  UnixMillis now_ms = 0;
};

void RpcPipeline::OnPublishAsync(const PublishInput& in, DecisionDone done) {
  const RpcTopic topic = ParseRpcTopic(in.topic);
  if (topic.kind == RpcTopicKind::kNone) return done(Decision(Kind::kPass, PublishReason::kNotRpc));
  try {
    if (auto cached = dedupe_.Get(in.message_id)) {
      metrics_.DedupeHit();
      return done(*std::move(cached));
    }
    if (in.publisher == nullptr || topic.kind == RpcTopicKind::kMalformed) {
      // No session: the message skipped authenticate (e.g. a broker's REST publish), so
      // nobody can be held to the request, or the reply proven to come from the device.
      const PublishReason reason =
          in.publisher == nullptr ? PublishReason::kNoSession : PublishReason::kMalformedTopic;
      metrics_.Drop(reason);
      dedupe_.Put(in.message_id, Decision(Kind::kDrop, reason));
      return done(Decision(Kind::kDrop, reason));
    }
    // The decision is remembered for a repeat of the Message.id, unless the shared state
    // did not answer: a retry may succeed.
    DecisionDone remember = [this, message_id = std::string(in.message_id),
                             done = std::move(done)](PublishDecision decision) mutable noexcept {
      if (decision.reason != PublishReason::kStateUnavailable) {
        try {
          dedupe_.Put(message_id, decision);
        } catch (...) {  // allocation failure: a repeat is decided again
        }
      }
      done(std::move(decision));
    };
    if (topic.kind == RpcTopicKind::kRequest) {
      OnRequest(in, topic.user_id, topic.device_id, std::move(remember));
    } else {
      OnResponse(in, topic.user_id, topic.device_id, std::move(remember));
    }
  } catch (...) {
    // Only allocation failure gets here, before `done` was handed on: the caller fails
    // closed (a request passed now would reach the device unvalidated and without a
    // pending entry; one inserted just before the failure times out like any other).
    metrics_.Drop(PublishReason::kInternalError);
    throw;
  }
}

PublishDecision RpcPipeline::OnPublish(const PublishInput& in) {
  Awaited<PublishDecision> decision;
  try {
    OnPublishAsync(in, [&decision](PublishDecision d) noexcept { decision.Set(std::move(d)); });
  } catch (...) {  // counted by OnPublishAsync
    return Decision(Kind::kDrop, PublishReason::kInternalError);
  }
  return decision.Wait();
}

void RpcPipeline::OnRequest(const PublishInput& in, std::string_view user_id,
                            std::string_view device_id, DecisionDone done) {
  ParsedRequest request = ParseRequest(in.payload, device_id, config_.request_limits);
  RequestReply reply{
      request.method, std::move(request.id), std::string(user_id), std::string(device_id), 0,
      in.now_ms};
  // A request id belongs to its requester for the device, and is checked before any
  // refusal: an error reply carries the id on the response topic that the id's owner
  // reads, so a reused id must neither answer nor touch the owner's request. A repeat of
  // one's own id (QoS 1 redelivery, a client retry) is dropped before it costs a token.
  // When the state cannot tell whose id this is, no reply may carry it either.
  if (std::optional<Refusal> refusal = RefuseHere(in, user_id, device_id, request)) {
    // The rare path (malformed or hostile): its own id check, then the refusal.
    std::optional<PublishReason> dropped;
    if (!reply.request_id.empty()) {
      const absl::StatusOr<IdUse> use = state_.Lookup(device_id, reply.request_id, in.from);
      if (!use.ok()) {
        dropped = PublishReason::kStateUnavailable;
      } else if (*use == IdUse::kSameRequester) {
        dropped = PublishReason::kDuplicateRequest;
      } else if (*use == IdUse::kOtherRequester) {
        dropped = PublishReason::kRequestIdInUse;
      }
    }
    if (dropped.has_value()) return done(DropRequest(reply, *dropped));
    return done(RefuseRequest(reply, refusal->reason, refusal->error));
  }

  // The id check, presence elsewhere, rate limit and insert: one call (one round trip
  // to a shared store).
  reply.per_minute = RpcPerMinute(in.fleet, user_id, in.now_ms);
  const SteadyTime deadline =
      in.now + (in.publisher_keeps_deadline ? config_.max_timeout : timeout_);
  const PendingRequest pending{std::string(device_id),
                               reply.request_id,
                               std::string(user_id),
                               std::string(in.from),
                               *request.method,
                               in.now,
                               deadline};
  const std::uint32_t per_minute = reply.per_minute;
  RpcState::AdmitDone admitted = [this, reply = std::move(reply), done = std::move(done)](
                                     absl::StatusOr<AdmitResult> result) mutable noexcept {
    done(Admitted(reply, result));
  };
  state_.AdmitAsync(pending, presence_.IsOnline(device_id), per_minute, {in.now, in.now_ms},
                    std::move(admitted));
}

PublishDecision RpcPipeline::DropRequest(const RequestReply& reply, PublishReason reason) {
  metrics_.Request(reply.method, reason);
  return Decision(Kind::kDrop, reason);
}

PublishDecision RpcPipeline::RefuseRequest(const RequestReply& reply, PublishReason reason,
                                           const RpcError& error) {
  metrics_.Request(reply.method, reason);
  return PublishDecision{Kind::kRewrite, reason, ResponseTopic(reply.user_id, reply.device_id),
                         MakeErrorPayload(reply.request_id, error, reply.now_ms)};
}

PublishDecision RpcPipeline::Admitted(const RequestReply& reply,
                                      const absl::StatusOr<AdmitResult>& admitted) {
  try {
    if (!admitted.ok()) return DropRequest(reply, PublishReason::kStateUnavailable);
    switch (*admitted) {
      case AdmitResult::kAccepted:
        metrics_.pending().Add(1);
        metrics_.Request(reply.method, PublishReason::kRequestAccepted);
        return Decision(Kind::kPass, PublishReason::kRequestAccepted);
      case AdmitResult::kDuplicate:
        return DropRequest(reply, PublishReason::kDuplicateRequest);
      case AdmitResult::kIdInUse:
        return DropRequest(reply, PublishReason::kRequestIdInUse);
      case AdmitResult::kOffline:
        return RefuseRequest(reply, PublishReason::kDeviceOffline,
                             MakeError(RpcErrorCode::kDeviceUnavailable, "device offline"));
      case AdmitResult::kRateLimited:
        return RefuseRequest(
            reply, PublishReason::kRateLimited,
            MakeError(RpcErrorCode::kRateLimited,
                      "plan limit: " + std::to_string(reply.per_minute) + " requests per minute"));
      case AdmitResult::kDeviceFull:
        return RefuseRequest(
            reply, PublishReason::kPendingDeviceFull,
            MakeError(RpcErrorCode::kTooManyPending, "pending: per-device limit reached"));
      case AdmitResult::kUserFull:
        return RefuseRequest(
            reply, PublishReason::kPendingUserFull,
            MakeError(RpcErrorCode::kTooManyPending, "pending: per-user limit reached"));
      case AdmitResult::kTableFull:
      case AdmitResult::kInvalid:
        break;
    }
    return RefuseRequest(reply, PublishReason::kPendingTableFull,
                         MakeError(RpcErrorCode::kTooManyPending, "pending: hub limit reached"));
  } catch (...) {
    metrics_.Drop(PublishReason::kInternalError);
    return Decision(Kind::kDrop, PublishReason::kInternalError);
  }
}

void RpcPipeline::OnResponse(const PublishInput& in, std::string_view user_id,
                             std::string_view device_id, DecisionDone done) {
  auto drop = [&](PublishReason reason) {
    metrics_.Drop(reason);
    done(Decision(Kind::kDrop, reason));
  };
  if (in.publisher->kind != PrincipalKind::kDevice || in.publisher->id != device_id) {
    return drop(PublishReason::kResponseNotFromDevice);
  }
  const absl::StatusOr<ParsedResponse> response =
      ParseResponse(in.payload, config_.response_limits);
  if (!response.ok()) return drop(PublishReason::kResponseMalformed);
  RpcState::TakeDone taken = [this, device = std::string(device_id), is_error = response->is_error,
                              now = StateNow{in.now, in.now_ms}, done = std::move(done)](
                                 absl::StatusOr<TakeResult> result) mutable noexcept {
    done(Taken(device, is_error, now, result));
  };
  state_.TakeAsync(device_id, response->id, user_id, {in.now, in.now_ms}, std::move(taken));
}

PublishDecision RpcPipeline::Taken(std::string_view device_id, bool is_error, StateNow now,
                                   const absl::StatusOr<TakeResult>& taken) {
  auto drop = [&](PublishReason reason) {
    metrics_.Drop(reason);
    return Decision(Kind::kDrop, reason);
  };
  if (!taken.ok()) return drop(PublishReason::kStateUnavailable);
  switch (taken->status) {
    case TakeStatus::kTaken:
      metrics_.pending().Add(-1);
      metrics_.Response(taken->method, is_error, now.steady - taken->sent_at);
      try {
        presence_.Touch(device_id, now.unix_ms);
      } catch (...) {  // allocation failure: the device's last-seen time stays older
      }
      return Decision(Kind::kPass, PublishReason::kResponseAccepted);
    case TakeStatus::kUnknown:
      return drop(PublishReason::kResponseUnknownId);
    case TakeStatus::kExpired:
      return drop(PublishReason::kResponseLate);
    case TakeStatus::kAlreadyAnswered:
      return drop(PublishReason::kResponseDuplicate);
    case TakeStatus::kUserMismatch:
      return drop(PublishReason::kResponseWrongUser);
  }
  return drop(PublishReason::kResponseUnknownId);
}

absl::StatusOr<std::vector<TimeoutNotice>> RpcPipeline::SweepTimeouts(SteadyTime now,
                                                                      UnixMillis now_ms) {
  absl::StatusOr<std::vector<PendingRequest>> expired = state_.ClaimExpired({now, now_ms});
  if (!expired.ok()) return expired.status();
  std::vector<TimeoutNotice> notices;
  notices.reserve(expired->size());
  const RpcError timeout = MakeError(RpcErrorCode::kTimeout);
  for (PendingRequest& r : *expired) {
    metrics_.Timeout(r.method);
    notices.push_back(
        {ResponseTopic(r.user_id, r.device_id), MakeErrorPayload(r.request_id, timeout, now_ms),
         std::move(r.requester_clientid), std::move(r.device_id), std::move(r.request_id)});
  }
  // Shared state is also answered and swept by other hubs: the gauge is reset to the
  // state's own count here rather than kept by this hub's additions alone.
  metrics_.pending().Set(static_cast<std::int64_t>(state_.pending()));
  return notices;
}

std::uint32_t RpcPipeline::RpcPerMinute(const FleetSnapshot& fleet, std::string_view user_id,
                                        UnixMillis now_ms) const {
  if (const UserRecord* user = fleet.FindUser(user_id)) {
    const std::string_view name = EffectivePlanName(user->plan, user->plan_expires_at, now_ms);
    if (const Plan* plan = FindPlan(config_.plans, name)) return plan->rpc_per_minute;
  }
  return config_.default_rpc_per_minute;
}

}  // namespace iothub::rpc
