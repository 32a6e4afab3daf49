// RpcState: the RPC pipeline's ephemeral state that hubs behind one EMQX cluster may
// have to share, because a request enters through one node (its hub) and the device's
// reply may come back through another:
//  - pending requests with their deadlines, and the tombstones that tell a second or a
//    late reply apart from an unknown one (PendingTable's semantics);
//  - each user's plan rate limit;
//  - whether a device is online on another hub (this hub's own connections are in
//    rpc::Presence, which the pipeline asks first).
// LocalRpcState keeps all of it in this process (one hub: today's classes);
// cluster::RedisRpcState keeps it in Redis. The choice is made in the app's wiring; the
// pipeline only sees this interface.
//
// Every call may fail (the shared store is down or too slow): errors are values, each
// call is bounded in time by the implementation, and the pipeline fails closed on them.
// Thread-safe.
//
// A request that passed every check of its own is accepted by one call (Admit): with a
// shared store that is one round trip instead of four. The hook path uses AdmitAsync and
// TakeAsync, so that no hook thread waits for that round trip: a shared store answers
// from its own thread, and commands of many calls share one write to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "rpc/pending_table.h"

namespace iothub::rpc {

// One instant on both clocks: deadlines are steady in this process and wall-clock
// milliseconds in a store that other processes read.
struct StateNow {
  SteadyTime steady;
  UnixMillis unix_ms = 0;
};

// What Admit decided, one outcome per check in the order they are made.
enum class AdmitResult {
  kAccepted,     // now pending
  kDuplicate,    // the id is the requester's own, pending or a tombstone (a repeat)
  kIdInUse,      // the id is another requester's, pending or a tombstone
  kOffline,      // not online here (the caller said so) nor on another hub
  kRateLimited,  // the user's plan budget is spent
  kDeviceFull,   // InsertResult's refusals; the rate-limit token is spent on them
  kUserFull,
  kTableFull,
  kInvalid,  // an id or the user id too long to hold
};

class RpcState {
 public:
  virtual ~RpcState() = default;

  // PendingTable::Lookup / Insert / Take over the shared requests.
  virtual absl::StatusOr<IdUse> Lookup(std::string_view device_id, std::string_view request_id,
                                       std::string_view requester_clientid) = 0;
  virtual absl::StatusOr<InsertResult> Insert(const PendingRequest& request, StateNow now) = 0;
  virtual absl::StatusOr<TakeResult> Take(std::string_view device_id, std::string_view request_id,
                                          std::string_view user_id, StateNow now) = 0;
  // Removes the requests whose deadline passed and returns them. Each expired request
  // is returned to exactly one caller, whichever hub calls, so that its requester gets
  // exactly one timeout.
  virtual absl::StatusOr<std::vector<PendingRequest>> ClaimExpired(StateNow now) = 0;

  // RateLimiter::TryAcquire over the user's shared budget.
  virtual absl::StatusOr<bool> TryAcquire(std::string_view user_id, std::uint32_t per_minute,
                                          StateNow now) = 0;

  // Whether another hub has a live connection of the device (false with one hub).
  virtual absl::StatusOr<bool> IsOnlineElsewhere(std::string_view device_id) = 0;

  // Accepts a request in one step: the request id's owner (Lookup), then, unless the
  // device is online here, IsOnlineElsewhere, then TryAcquire of `per_minute`, then
  // Insert; the first refusal ends it, so a token is spent only by a request that gets
  // as far as the insert. An error means nothing is known of the id (its owner may be
  // another requester): the caller must not reply. AdmitByParts is the reference.
  virtual absl::StatusOr<AdmitResult> Admit(const PendingRequest& request, bool online_here,
                                            std::uint32_t per_minute, StateNow now) = 0;

  // Admit and Take without waiting: `done` runs exactly once, on this thread before the
  // call returns or later on the state's own thread; the arguments need not outlive the
  // call. A call that throws (allocation failure) has not run `done` and never will;
  // `done` itself must not throw. The defaults answer at once through Admit and Take
  // (state in this process).
  using AdmitDone = absl::AnyInvocable<void(absl::StatusOr<AdmitResult>)>;
  using TakeDone = absl::AnyInvocable<void(absl::StatusOr<TakeResult>)>;
  virtual void AdmitAsync(const PendingRequest& request, bool online_here, std::uint32_t per_minute,
                          StateNow now, AdmitDone done);
  virtual void TakeAsync(std::string_view device_id, std::string_view request_id,
                         std::string_view user_id, StateNow now, TakeDone done);

  // The state journal's access (<data_dir>/state.db): what changed since the last call,
  // and putting back a request journaled by an earlier process. A shared store outlives
  // the process by itself: it reports nothing and takes nothing back (kDuplicate).
  virtual std::vector<PendingChange> DrainChanges() = 0;
  virtual InsertResult Restore(const PendingRequest& request) = 0;

  // Pending requests this process knows of (all of them when local), for the gauge.
  virtual std::size_t pending() const = 0;
};

// Admit's outcome for an insert's result.
AdmitResult AdmitResultOf(InsertResult inserted);

// Admit made of `state`'s separate calls (up to four round trips with a shared store):
// the in-process state's implementation and the definition that a combined one keeps.
absl::StatusOr<AdmitResult> AdmitByParts(RpcState& state, const PendingRequest& request,
                                         bool online_here, std::uint32_t per_minute, StateNow now);

}  // namespace iothub::rpc
