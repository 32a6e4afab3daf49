// DeviceRegistry: claiming a device with its claim code, the lockouts, and issuing codes.
#include <algorithm>

#include "registry/claim_code.h"
#include "registry/device_registry.h"
#include "registry/input_checks.h"

namespace iothub::registry {
namespace {

using nlohmann::json;

std::string DeviceKey(std::string_view device_id) { return "device:" + std::string(device_id); }
std::string UserKey(std::string_view user_id) { return "user:" + std::string(user_id); }

}  // namespace

absl::StatusOr<std::string> DeviceRegistry::IssueClaimCode(store::Store& tx,
                                                           std::string_view device_id,
                                                           UnixMillis now) {
  absl::StatusOr<std::string> code = GenerateClaimCode();
  if (!code.ok()) return code.status();
  absl::StatusOr<std::string> canonical = NormalizeClaimCode(*code);
  if (!canonical.ok()) return canonical.status();
  absl::StatusOr<store::StoredClaimCode> stored = HashClaimCode(*canonical, now);
  if (!stored.ok()) return stored.status();
  if (absl::Status s = tx.SetClaimCode(device_id, *stored); !s.ok()) return s;
  return code;
}

absl::Status DeviceRegistry::CheckLockout(store::Store& tx, std::string_view key, int limit,
                                          std::chrono::milliseconds window, UnixMillis now) {
  // A failure at t counts during [t, t + window).
  absl::StatusOr<std::vector<UnixMillis>> failures =
      tx.ListClaimFailures(key, now - window.count() + 1);
  if (!failures.ok()) return failures.status();
  const auto count = static_cast<std::int64_t>(failures->size());
  if (count < limit) return absl::OkStatus();
  // Locked until enough failures have left the window to allow one more attempt.
  const UnixMillis until = (*failures)[static_cast<std::size_t>(count - limit)] + window.count();
  const std::int64_t seconds = std::max<std::int64_t>(1, (until - now + 999) / 1000);
  return ClaimLockedOut(
      "too many wrong claim codes; try again in " + std::to_string(seconds) + " s", seconds);
}

absl::StatusOr<Device> DeviceRegistry::ClaimDevice(std::string_view device_id,
                                                   std::string_view user_id,
                                                   std::string_view claim_code,
                                                   std::string_view actor) {
  if (absl::Status s = CheckActor(actor); !s.ok()) return s;
  if (absl::Status s = CheckId("device id", device_id); !s.ok()) return s;
  if (absl::Status s = CheckId("user id", user_id); !s.ok()) return s;
  absl::StatusOr<std::string> canonical = NormalizeClaimCode(claim_code);
  if (!canonical.ok()) return canonical.status();
  const UnixMillis now = context_.clock.NowUnixMillis();

  // A refused attempt still commits its audit row and failure count, so the body
  // returns OK and leaves the refusal here; errors of the store itself roll back.
  absl::Status refusal;
  Device device;
  absl::Status status = CommitChange(context_, [&](store::Store& tx) -> absl::Status {
    refusal = absl::OkStatus();
    const auto refuse = [&](absl::Status why, std::string_view reason, bool counts) {
      refusal = std::move(why);
      if (counts) {
        for (const std::string& key : {DeviceKey(device_id), UserKey(user_id)}) {
          if (absl::Status s = tx.RecordClaimFailure(key, now); !s.ok()) return s;
        }
        // Failures older than the longest window count for nothing: drop them, so the
        // table stays as small as the recent failures.
        const std::chrono::milliseconds longest =
            std::max(limits_.device_window, limits_.user_window);
        if (absl::Status s = tx.PruneClaimFailures(now - longest.count()).status(); !s.ok()) {
          return s;
        }
      }
      return tx.AppendAudit(MakeAudit(now, actor, kClaimRefusedAction, device_id,
                                      json{{"userId", user_id}, {"reason", reason}}));
    };
    for (absl::Status locked :
         {CheckLockout(tx, DeviceKey(device_id), limits_.device_failures, limits_.device_window,
                       now),
          CheckLockout(tx, UserKey(user_id), limits_.user_failures, limits_.user_window, now)}) {
      if (RetryAfterSeconds(locked)) return refuse(std::move(locked), "locked out", false);
      if (!locked.ok()) return locked;
    }
    absl::StatusOr<Device> current = tx.GetDevice(device_id);
    if (absl::IsNotFound(current.status())) {
      return refuse(absl::NotFoundError("device " + std::string(device_id) + " not found"),
                    "unknown device", true);
    }
    if (!current.ok()) return current.status();
    device = *std::move(current);
    if (device.status != DeviceStatus::kUnbound) {
      return refuse(absl::FailedPreconditionError(
                        "device " + device.id + " is " + std::string(ToString(device.status)) +
                        (device.status == DeviceStatus::kBound
                             ? "; its owner must unbind it before it can be claimed"
                             : "; a revoked device cannot be claimed")),
                    ToString(device.status), false);
    }
    absl::StatusOr<store::StoredClaimCode> stored = tx.GetClaimCode(device.id);
    if (absl::IsNotFound(stored.status())) {
      return refuse(absl::FailedPreconditionError("device " + device.id +
                                                  " has no claim code; an admin can issue one"),
                    "no claim code", false);
    }
    if (!stored.ok()) return stored.status();
    if (!VerifyClaimCode(*stored, *canonical)) {
      return refuse(absl::PermissionDeniedError("wrong claim code for device " + device.id),
                    "wrong code", true);
    }
    // Plan limit or unknown user: refused, with nothing of the bind written.
    if (absl::Status s = BindTo(device, user_id, tx, now); !s.ok()) {
      return refuse(std::move(s), "bind refused", false);
    }
    if (absl::Status s = tx.ClearClaimCode(device.id); !s.ok()) return s;
    if (absl::Status s = tx.UpdateDevice(device); !s.ok()) return s;
    return tx.AppendAudit(
        MakeAudit(now, actor, kClaimAction, device.id, json{{"ownerId", *device.owner_id}}));
  });
  if (!status.ok()) return status;
  if (!refusal.ok()) return refusal;
  return device;
}

absl::Status DeviceRegistry::CheckClaimCode(std::string_view device_id,
                                            std::string_view claim_code) {
  if (absl::Status s = CheckId("device id", device_id); !s.ok()) return s;
  absl::StatusOr<std::string> canonical = NormalizeClaimCode(claim_code);
  if (!canonical.ok()) return canonical.status();
  absl::StatusOr<store::StoredClaimCode> stored = context_.store.GetClaimCode(device_id);
  if (absl::IsNotFound(stored.status())) {
    return absl::FailedPreconditionError("device " + std::string(device_id) + " has no claim code");
  }
  if (!stored.ok()) return stored.status();
  if (!VerifyClaimCode(*stored, *canonical)) {
    return absl::PermissionDeniedError("that is not the claim code of device " +
                                       std::string(device_id));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> DeviceRegistry::RotateClaimCode(std::string_view device_id,
                                                            std::string_view actor) {
  std::string code;
  absl::StatusOr<Device> device =
      Transition(device_id, actor, [&](Device& device, store::Store& tx, UnixMillis now) {
        if (device.status != DeviceStatus::kUnbound) {
          return absl::FailedPreconditionError("device " + device.id + " is " +
                                               std::string(ToString(device.status)) +
                                               "; only an unbound device has a claim code");
        }
        absl::StatusOr<std::string> issued = IssueClaimCode(tx, device.id, now);
        if (!issued.ok()) return issued.status();
        code = *std::move(issued);
        return tx.AppendAudit(
            MakeAudit(now, actor, kClaimCodeAction, device.id, json{{"rotated", true}}));
      });
  if (!device.ok()) return device.status();
  return code;
}

}  // namespace iothub::registry
