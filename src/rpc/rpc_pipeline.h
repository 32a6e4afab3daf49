// RpcPipeline: the hub's part in message.publish for RPC topics. EMQX hands every
// request and reply to the hub before routing; the pipeline
//  - drops every RPC message from a clientid without a session (it skipped authenticate);
//  - validates a request (rpc_message.h), checks the device (exists, bound to the
//    topic's user, not revoked, online), the user's plan rate limit and the pending
//    table's room; a good request becomes pending and passes, a bad one is rewritten at
//    once into an error reply on the requester's response topic. A request id belongs to
//    its requester for the device: a repeat of one's own id still pending (or just
//    answered) is dropped, and so is another requester's reuse of it, valid or not, so
//    that no error reply ever carries an id that someone else is waiting on;
//  - passes a reply only from the topic's own device, for an id pending for that device
//    and user, in time, once; anything else is dropped with a distinct reason;
//  - passes every other topic untouched;
//  - fails closed: an exception inside (allocation failure) drops the message, and so
//    does shared state that does not answer (RpcState: Redis down or slow): a request
//    whose id cannot be checked (its checks are one call, RpcState::Admit) and a reply
//    that cannot be matched are dropped, never answered.
// A repeated hook call with the same Message.id gets the first call's decision again,
// with no second side effect. SweepTimeouts() turns expired requests into -32000 replies
// for the caller to publish.
//
// Pending requests and rate limits live in an RpcState: this process's sharded tables
// (LocalRpcState) or, for several hubs, a shared store chosen by the wiring.
//
// The hook path calls OnPublishAsync: a request's or reply's one call to the RpcState may
// answer later from the state's own thread (Redis), and the decision is handed on from
// there, so no hook thread waits for a round trip. OnPublish waits for it instead.
//
// Thread-safe: call OnPublish(Async) and SweepTimeouts from any threads. The fleet
// snapshot is passed in per call and only read before OnPublishAsync returns.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "model/fleet_snapshot.h"
#include "model/plan.h"
#include "model/principal.h"
#include "rpc/dedupe_cache.h"
#include "rpc/pending_table.h"
#include "rpc/presence.h"
#include "rpc/publish_decision.h"
#include "rpc/rate_limiter.h"
#include "rpc/rpc_error.h"
#include "rpc/rpc_metrics.h"
#include "rpc/rpc_state.h"
#include "rpc/strict_json.h"

namespace iothub::rpc {

struct RpcConfig {
  std::chrono::milliseconds default_timeout{5000};  // deadline of a request
  std::chrono::milliseconds max_timeout{30000};     // cap on default_timeout
  JsonLimits request_limits;                        // 10240 bytes, depth 32
  JsonLimits response_limits;                       // contract: the same 10 KB
  PendingLimits pending;
  RateLimiterOptions rate_limiter;
  std::vector<Plan> plans;                    // by name; a user's plan in force is looked up here
  std::uint32_t default_rpc_per_minute = 60;  // for a user or plan name not in `plans`
  std::size_t dedupe_capacity = 16384;        // Message.ids remembered
};

// One message.publish, borrowed from the hook call.
struct PublishInput {
  std::string_view message_id;  // EMQX Message.id; may be repeated
  std::string_view topic;
  std::string_view payload;
  std::uint32_t qos = 0;
  std::string_view from;                 // the publisher's clientid
  const Principal* publisher = nullptr;  // nullptr: no session (e.g. EMQX's HTTP API): dropped
  const FleetSnapshot& fleet;
  SteadyTime now;         // deadlines and round trips
  UnixMillis now_ms = 0;  // `timestamp` of error replies
  // The publisher waits for the reply with a deadline of its own (the hub's MQTT link,
  // for HTTP callers asking 1000-30000 ms): its requests stay pending for max_timeout
  // instead of default_timeout, so that a caller's longer timeout is honoured.
  bool publisher_keeps_deadline = false;
};

// An error reply to publish for a request that got no answer in time.
struct TimeoutNotice {
  std::string topic;    // users/{u}/devices/{d}/rpc/response
  std::string payload;  // {"id":..,"error":{"code":-32000,"message":"Request timeout"},..}
  std::string requester_clientid;
  std::string device_id;
  std::string request_id;
};

class RpcPipeline {
 public:
  // State in this process (LocalRpcState). `presence` and `metrics` must outlive the
  // pipeline.
  RpcPipeline(RpcConfig config, Presence& presence, Metrics& metrics);
  // State in `state` (e.g. shared by several hubs), which must outlive the pipeline;
  // config.pending and config.rate_limiter are then the state's business.
  RpcPipeline(RpcConfig config, Presence& presence, RpcState& state, Metrics& metrics);
  RpcPipeline(const RpcPipeline&) = delete;
  RpcPipeline& operator=(const RpcPipeline&) = delete;

  using DecisionDone = absl::AnyInvocable<void(PublishDecision)>;
  // Decides one message.publish: `done` runs exactly once with the decision, on this
  // thread or later on the RpcState's (see RpcState::AdmitAsync); it must not throw.
  // `in` need not outlive this call. Allocation failure, the one exception, is thrown
  // (and counted) only before `done` was handed on, which then never runs: the caller
  // fails closed.
  void OnPublishAsync(const PublishInput& in, DecisionDone done);
  // OnPublishAsync, waiting for the decision; an allocation failure is a drop
  // (internal_error). Never throws.
  PublishDecision OnPublish(const PublishInput& in);

  // Removes requests whose deadline passed and returns the replies owed to their
  // requesters (with shared state: the ones this hub claimed). Call periodically (e.g.
  // every 100-250 ms). An error when the state did not answer; nothing was claimed then.
  absl::StatusOr<std::vector<TimeoutNotice>> SweepTimeouts(SteadyTime now, UnixMillis now_ms);

  std::size_t pending() const { return state_.pending(); }

  // The state journal's access to the pending requests: what changed since the last
  // call (needs config.pending.track_changes), and putting back a request journaled by
  // an earlier process (start-up only; the table's bounds apply).
  std::vector<PendingChange> DrainPendingChanges() { return state_.DrainChanges(); }
  InsertResult RestorePending(const PendingRequest& request) { return state_.Restore(request); }

 private:
  struct RequestReply;  // what answering a request needs once the state has decided
  void OnRequest(const PublishInput& in, std::string_view user_id, std::string_view device_id,
                 DecisionDone done);
  void OnResponse(const PublishInput& in, std::string_view user_id, std::string_view device_id,
                  DecisionDone done);
  // A request dropped, or answered with an error reply, for `reason` (counted).
  PublishDecision DropRequest(const RequestReply& reply, PublishReason reason);
  PublishDecision RefuseRequest(const RequestReply& reply, PublishReason reason,
                                const RpcError& error);
  PublishDecision Admitted(const RequestReply& reply, const absl::StatusOr<AdmitResult>& admitted);
  PublishDecision Taken(std::string_view device_id, bool is_error, StateNow now,
                        const absl::StatusOr<TakeResult>& taken);
  // The limit of the user's plan in force at `now_ms` (an expired plan falls back to the
  // default plan, model/plan.h).
  std::uint32_t RpcPerMinute(const FleetSnapshot& fleet, std::string_view user_id,
                             UnixMillis now_ms) const;

  const RpcConfig config_;
  const std::chrono::milliseconds timeout_;
  Presence& presence_;
  std::unique_ptr<RpcState> owned_state_;  // null when the state was given
  RpcState& state_;
  RpcMetrics metrics_;
  DedupeCache dedupe_;
};

}  // namespace iothub::rpc
