// RedisRpcState: rpc::RpcState kept in Redis, shared by every hub of one EMQX cluster,
// so that a device's reply coming back through hub B finds the request that passed
// hub A. Data model (all keys under "iothub:"):
//   rpc:p:{device}/{request}  HASH  s (p pending | a answered | x timed out), u user,
//                                   c requester clientid, m method, t sent, d deadline
//                                   (Unix ms); expires linger after its end
//   rpc:deadlines             ZSET  pending requests by deadline
//   rpc:n:d:{device}, rpc:n:u:{user}, rpc:n:total   pending counts (the table's bounds)
//   rate:{user}:{minute}      INT   requests in that minute (INCR, expires after it)
//   presence:{device}         SET   ids of hubs with a live connection of the device
//   hub:{hub id}              STR   the hub is alive (expires 10 s after its last tick)
// Admit, Insert, Take and ClaimExpired are Lua scripts, so each is atomic: a request id
// is checked and taken in one step, a reply is taken once across hubs, and each expired
// request is claimed (its -32000 owed) by exactly one hub. Deadlines compare Unix times of
// different hubs: their clocks must agree (NTP).
//
// Presence is written off the hook path: Maintain (the housekeeper, every tick)
// publishes this hub's changes and its liveness; a hub that dies stops counting once
// its hub key expires. Round trips on the hook path: 1 for a request (Admit: id check,
// presence elsewhere when the device is not connected to this hub, rate limit and insert
// in one script; 1 more, the id check, before a refusal decided here), 1 for a reply;
// the hook path's Admit and Take go through the client's pipeline (AdmitAsync,
// TakeAsync), so they hold no hook thread and share writes with other calls.
//
// Meant for a standalone Redis (or a primary with replicas): the scripts name keys they
// compute, which Redis Cluster does not allow. Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include "cluster/redis_client.h"
#include "rpc/presence.h"
#include "rpc/rpc_state.h"

namespace iothub::cluster {

class RedisRpcState final : public rpc::RpcState {
 public:
  // `redis` must outlive the state. `hub_id` names this process among the hubs.
  RedisRpcState(RedisClient& redis, std::string hub_id, rpc::PendingLimits limits);

  absl::StatusOr<rpc::IdUse> Lookup(std::string_view device_id, std::string_view request_id,
                                    std::string_view requester_clientid) override;
  absl::StatusOr<rpc::InsertResult> Insert(const rpc::PendingRequest& request,
                                           rpc::StateNow now) override;
  absl::StatusOr<rpc::TakeResult> Take(std::string_view device_id, std::string_view request_id,
                                       std::string_view user_id, rpc::StateNow now) override;
  absl::StatusOr<std::vector<rpc::PendingRequest>> ClaimExpired(rpc::StateNow now) override;
  absl::StatusOr<bool> TryAcquire(std::string_view user_id, std::uint32_t per_minute,
                                  rpc::StateNow now) override;
  absl::StatusOr<bool> IsOnlineElsewhere(std::string_view device_id) override;
  // One round trip (one script) for a request the store can hold.
  absl::StatusOr<rpc::AdmitResult> Admit(const rpc::PendingRequest& request, bool online_here,
                                         std::uint32_t per_minute, rpc::StateNow now) override;
  // The same scripts through RedisClient::EvalAsync: answered on the client's pipeline
  // thread, the hook thread never waits.
  void AdmitAsync(const rpc::PendingRequest& request, bool online_here, std::uint32_t per_minute,
                  rpc::StateNow now, AdmitDone done) override;
  void TakeAsync(std::string_view device_id, std::string_view request_id, std::string_view user_id,
                 rpc::StateNow now, TakeDone done) override;
  std::vector<rpc::PendingChange> DrainChanges() override { return {}; }
  rpc::InsertResult Restore(const rpc::PendingRequest&) override {
    return rpc::InsertResult::kDuplicate;
  }
  std::size_t pending() const override { return pending_.load(std::memory_order_relaxed); }

  // Off the hook path, every tick: marks this hub alive and publishes the changes of
  // `presence` (which must track them); everything online here again when Redis lost
  // this hub's entries (a restart) or a publish failed. Unpublished changes are kept.
  absl::Status Maintain(rpc::Presence& presence);

 private:
  absl::Status PublishPresence(const std::map<std::string, bool>& changes);

  RedisClient& redis_;
  const std::string hub_id_;
  const rpc::PendingLimits limits_;
  std::atomic<std::size_t> pending_{0};  // from the last ClaimExpired
  std::mutex maintain_mutex_;
  std::map<std::string, bool> unpublished_;  // device -> online here (newest wins)
  bool resync_ = true;                       // publish every online device next time
};

}  // namespace iothub::cluster
