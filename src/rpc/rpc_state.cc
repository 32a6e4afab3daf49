#include "rpc/rpc_state.h"

namespace iothub::rpc {

AdmitResult AdmitResultOf(InsertResult inserted) {
  switch (inserted) {
    case InsertResult::kOk:
      return AdmitResult::kAccepted;
    case InsertResult::kDuplicate:  // inserted meanwhile by a concurrent call
      return AdmitResult::kDuplicate;
    case InsertResult::kDeviceFull:
      return AdmitResult::kDeviceFull;
    case InsertResult::kUserFull:
      return AdmitResult::kUserFull;
    case InsertResult::kTableFull:
      return AdmitResult::kTableFull;
    case InsertResult::kInvalid:
      break;
  }
  return AdmitResult::kInvalid;
}

absl::StatusOr<AdmitResult> AdmitByParts(RpcState& state, const PendingRequest& request,
                                         bool online_here, std::uint32_t per_minute, StateNow now) {
  const absl::StatusOr<IdUse> use =
      state.Lookup(request.device_id, request.request_id, request.requester_clientid);
  if (!use.ok()) return use.status();
  if (*use == IdUse::kSameRequester) return AdmitResult::kDuplicate;
  if (*use == IdUse::kOtherRequester) return AdmitResult::kIdInUse;
  if (!online_here) {
    const absl::StatusOr<bool> elsewhere = state.IsOnlineElsewhere(request.device_id);
    if (!elsewhere.ok()) return elsewhere.status();
    if (!*elsewhere) return AdmitResult::kOffline;
  }
  const absl::StatusOr<bool> acquired = state.TryAcquire(request.user_id, per_minute, now);
  if (!acquired.ok()) return acquired.status();
  if (!*acquired) return AdmitResult::kRateLimited;
  const absl::StatusOr<InsertResult> inserted = state.Insert(request, now);
  if (!inserted.ok()) return inserted.status();
  return AdmitResultOf(*inserted);
}

void RpcState::AdmitAsync(const PendingRequest& request, bool online_here, std::uint32_t per_minute,
                          StateNow now, AdmitDone done) {
  done(Admit(request, online_here, per_minute, now));
}

void RpcState::TakeAsync(std::string_view device_id, std::string_view request_id,
                         std::string_view user_id, StateNow now, TakeDone done) {
  done(Take(device_id, request_id, user_id, now));
}

}  // namespace iothub::rpc
