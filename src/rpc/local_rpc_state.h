// LocalRpcState: RpcState kept in this process (a single hub): a PendingTable and a
// RateLimiter, no other hub to ask about presence. Never fails. Thread-safe.
#pragma once

#include "rpc/pending_table.h"
#include "rpc/rate_limiter.h"
#include "rpc/rpc_state.h"

namespace iothub::rpc {

class LocalRpcState final : public RpcState {
 public:
  LocalRpcState(PendingLimits pending, RateLimiterOptions rate_limiter)
      : pending_(pending), rate_limiter_(rate_limiter) {}

  absl::StatusOr<IdUse> Lookup(std::string_view device_id, std::string_view request_id,
                               std::string_view requester_clientid) override {
    return pending_.Lookup(device_id, request_id, requester_clientid);
  }
  absl::StatusOr<InsertResult> Insert(const PendingRequest& request, StateNow) override {
    return pending_.Insert(request);
  }
  absl::StatusOr<TakeResult> Take(std::string_view device_id, std::string_view request_id,
                                  std::string_view user_id, StateNow now) override {
    return pending_.Take(device_id, request_id, user_id, now.steady);
  }
  absl::StatusOr<std::vector<PendingRequest>> ClaimExpired(StateNow now) override {
    return pending_.SweepExpired(now.steady);
  }
  absl::StatusOr<bool> TryAcquire(std::string_view user_id, std::uint32_t per_minute,
                                  StateNow now) override {
    return rate_limiter_.TryAcquire(user_id, per_minute, now.steady);
  }
  absl::StatusOr<bool> IsOnlineElsewhere(std::string_view) override { return false; }
  absl::StatusOr<AdmitResult> Admit(const PendingRequest& request, bool online_here,
                                    std::uint32_t per_minute, StateNow now) override {
    return AdmitByParts(*this, request, online_here, per_minute, now);
  }
  std::vector<PendingChange> DrainChanges() override { return pending_.DrainChanges(); }
  InsertResult Restore(const PendingRequest& request) override { return pending_.Insert(request); }
  std::size_t pending() const override { return pending_.pending(); }

 private:
  PendingTable pending_;
  RateLimiter rate_limiter_;
};

}  // namespace iothub::rpc
