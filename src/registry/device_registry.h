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
// the registry trusts `actor` and only records it.
//
// Thread-safety: thread-safe (see RegistryContext). The store's write lock makes each
// check-then-write atomic against other writers, in this process or another.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "model/device.h"
#include "registry/paging.h"
#include "registry/registry_context.h"

namespace iothub::registry {

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
  // Revocation reason given to the certificates of a revoked device.
  static constexpr std::string_view kDeviceRevokedReason = "device revoked";
  // ... and to the certificates signed during an owner's tenure, when it ends.
  static constexpr std::string_view kOwnershipEndedReason = "ownership ended";

  explicit DeviceRegistry(const RegistryContext& context) : context_(context) {}

  // A new unbound device. The id must be a valid id of at most 57 characters (the
  // certificate CN "device-<id>" must fit 64); a public key, when given, is stored in
  // its canonical SubjectPublicKeyInfo PEM.
  absl::StatusOr<Device> CreateDevice(const NewDevice& device, std::string_view actor);

  absl::StatusOr<Device> GetDevice(std::string_view id);

  // Devices ordered by creation; only `owner_id`'s when given.
  absl::StatusOr<Page<Device>> ListDevices(const PageRequest& request,
                                           std::optional<std::string_view> owner_id);

  // unbound -> bound to `user_id`. The user must exist and own fewer devices than its
  // plan's max_devices (ResourceExhausted naming the plan and the limit otherwise).
  absl::StatusOr<Device> BindDevice(std::string_view device_id, std::string_view user_id,
                                    std::string_view actor);

  // bound -> unbound. Revokes, with reason "ownership ended", the device's certificates
  // signed while it was bound to this owner (a user signs CSRs only for devices bound to
  // them, so every certificate a user obtained is among them); those signed while it was
  // unbound (provisioning) stay. The audit row counts them (certificatesRevoked).
  absl::StatusOr<Device> UnbindDevice(std::string_view device_id, std::string_view actor);

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

  RegistryContext context_;
};

}  // namespace iothub::registry
