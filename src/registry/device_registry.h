// DeviceRegistry: creating devices and moving them through their lifecycle (contract
// section 4): create -> unbound; bind -> bound; unbind -> unbound; revoke -> revoked,
// which is terminal and also revokes the device's certificates.
//
// Every mutation validates all of its input first, then runs in ONE store transaction
// together with its audit row {actor, action, target, details}; on any error nothing
// is written. Errors are statuses whose messages a user understands and that name the
// current state ("device d1 is bound to user u1"): InvalidArgument for malformed input,
// NotFound for an unknown device or user, AlreadyExists for a taken id,
// FailedPrecondition for a transition the state does not allow, ResourceExhausted when
// the owner's plan allows no more devices.
//
// Who may bind (admin, or a user binding to themself) is the caller's check (HTTP API);
// the registry trusts `actor` and only records it. A user proves possession of the
// device with its claim code (ClaimDevice; registry/claim_code.h): every device gets a
// code when created and a new one when unbound, shown once to the caller; the store
// keeps only a salted hash, and a code works once. Wrong codes are counted in the store
// per device and per user (ClaimLimits), so lockouts hold across restarts and hubs.
//
// Thread-safety: thread-safe (see RegistryContext). The store's write lock makes each
// check-then-write atomic against other writers, in this process or another.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "model/device.h"
#include "registry/paging.h"
#include "registry/registry_context.h"

namespace iothub::registry {

// How many wrong claim codes lock claiming out, per device and per user, and for how
// long a failure counts (a sliding window).
struct ClaimLimits {
  int device_failures = 5;
  std::chrono::milliseconds device_window = std::chrono::minutes(15);
  int user_failures = 20;
  std::chrono::milliseconds user_window = std::chrono::hours(1);
};

// Input of CreateDevice.
struct NewDevice {
  std::string id{};
  std::string model{};                            // 0-100 characters
  std::optional<std::string> firmware_version{};  // 1-64 characters
  std::optional<std::string> public_key_pem{};    // a device key CheckDeviceKey accepts
};

class DeviceRegistry {
 public:
  // Audit actions.
  static constexpr std::string_view kCreateAction = "device.create";
  static constexpr std::string_view kBindAction = "device.bind";
  static constexpr std::string_view kUnbindAction = "device.unbind";
  static constexpr std::string_view kRevokeAction = "device.revoke";
  static constexpr std::string_view kClaimAction = "device.claim";
  static constexpr std::string_view kClaimRefusedAction = "device.claim_refused";
  static constexpr std::string_view kClaimCodeAction = "device.claim_code";
  // Revocation reason given to the certificates of a revoked device.
  static constexpr std::string_view kDeviceRevokedReason = "device revoked";
  // ... and to the certificates signed during an owner's tenure, when it ends.
  static constexpr std::string_view kOwnershipEndedReason = "ownership ended";

  explicit DeviceRegistry(const RegistryContext& context, ClaimLimits limits = {})
      : context_(context), limits_(limits) {}

  // A new unbound device. The id must be a valid id of at most 57 characters (the
  // certificate CN "device-<id>" must fit 64); a public key, when given, is stored in
  // its canonical SubjectPublicKeyInfo PEM. The device's first claim code goes to
  // `claim_code` (display form) when given; it cannot be read again.
  absl::StatusOr<Device> CreateDevice(const NewDevice& device, std::string_view actor,
                                      std::string* claim_code = nullptr);

  absl::StatusOr<Device> GetDevice(std::string_view id);

  // Devices ordered by creation; only `owner_id`'s when given; with
  // `expiring_within_days` (1-3650), only those whose current certificate expires within
  // that many days from now, or has expired (store.h, ListDevicesExpiring).
  absl::StatusOr<Page<Device>> ListDevices(const PageRequest& request,
                                           std::optional<std::string_view> owner_id,
                                           std::optional<int> expiring_within_days = std::nullopt);

  // unbound -> bound to `user_id`. The user must exist and own fewer devices than its
  // plan's max_devices (ResourceExhausted naming the plan and the limit otherwise).
  // Needs no claim code (admins); the device's code is cleared.
  absl::StatusOr<Device> BindDevice(std::string_view device_id, std::string_view user_id,
                                    std::string_view actor);

  // unbound -> bound to `user_id`, who proves possession with the device's claim code
  // (any input NormalizeClaimCode accepts; InvalidArgument otherwise). In order:
  // ResourceExhausted with RetryAfterSeconds while the device or the user is locked out;
  // NotFound for an unknown device; FailedPrecondition for a bound or revoked device or
  // one without a code; PermissionDenied for a wrong code; then BindDevice's rules. A
  // wrong code or unknown device counts as a failure for the device and the user. Every
  // attempt past input validation leaves an audit row (never the code); a refused
  // attempt's audit row and failure count are committed although the claim is refused.
  // On success the code is cleared: it works once.
  absl::StatusOr<Device> ClaimDevice(std::string_view device_id, std::string_view user_id,
                                     std::string_view claim_code, std::string_view actor);

  // OK when `claim_code` is the unbound device's current code; PermissionDenied when
  // not, FailedPrecondition when it has none. For the CLI's label check: no lockout, no
  // audit (the CLI has the database anyway); never expose it to untrusted callers.
  absl::Status CheckClaimCode(std::string_view device_id, std::string_view claim_code);

  // A new claim code for an unbound device (a lost label), replacing the old one;
  // FailedPrecondition for a bound or revoked device. Returns the display form.
  absl::StatusOr<std::string> RotateClaimCode(std::string_view device_id, std::string_view actor);

  // bound -> unbound. Revokes, with reason "ownership ended", the device's certificates
  // signed while it was bound to this owner (a user signs CSRs only for devices bound to
  // them, so every certificate a user obtained is among them); those signed while it was
  // unbound (provisioning) stay. The audit row counts them (certificatesRevoked). The
  // device gets a new claim code, so the previous owner cannot claim it back; it goes
  // to `claim_code` (display form) when given.
  absl::StatusOr<Device> UnbindDevice(std::string_view device_id, std::string_view actor,
                                      std::string* claim_code = nullptr);

  // unbound or bound -> revoked (terminal). Clears the owner (the device no longer
  // counts against the plan) and revokes the device's unrevoked certificates with reason
  // "device revoked".
  absl::StatusOr<Device> RevokeDevice(std::string_view device_id, std::string_view actor);

 private:
  // The device, or NotFound "device X not found".
  static absl::StatusOr<Device> Load(store::Store& store, std::string_view id);

  // One lifecycle transition of `device_id` in one transaction: checks the actor and
  // the id, loads the device, lets `change` check the state and modify it (and write its
  // audit row), then stores it. Returns the device as changed, or the first error.
  using Change = std::function<absl::Status(Device& device, store::Store& tx, UnixMillis now)>;
  absl::StatusOr<Device> Transition(std::string_view device_id, std::string_view actor,
                                    const Change& change);

  // Checks that `user_id` may take one more device and binds `device` to them (in
  // memory; the caller stores it and writes the audit row).
  absl::Status BindTo(Device& device, std::string_view user_id, store::Store& tx, UnixMillis now);

  // Generates a code, stores its hash for `device_id`; returns the display form.
  static absl::StatusOr<std::string> IssueClaimCode(store::Store& tx, std::string_view device_id,
                                                    UnixMillis now);

  // ResourceExhausted with RetryAfterSeconds when `key` has `limit` failures within
  // `window` before `now`; OK otherwise.
  static absl::Status CheckLockout(store::Store& tx, std::string_view key, int limit,
                                   std::chrono::milliseconds window, UnixMillis now);

  RegistryContext context_;
  ClaimLimits limits_;
};

}  // namespace iothub::registry
