#include "registry/device_registry.h"

#include "model/plan.h"
#include "registry/device_public_key.h"
#include "registry/input_checks.h"

namespace iothub::registry {
namespace {

using nlohmann::json;

// "device d1 is bound to user u1" / "device d1 is unbound" / "device d1 is revoked".
std::string DescribeState(const Device& device) {
  std::string text = "device " + device.id + " is " + std::string(ToString(device.status));
  if (device.status == DeviceStatus::kBound && device.owner_id) {
    text += " to user " + *device.owner_id;
  }
  return text;
}

absl::Status UserNotFound(std::string_view user_id) {
  return absl::NotFoundError("user " + std::string(user_id) + " not found");
}

}  // namespace

absl::StatusOr<Device> DeviceRegistry::Load(store::Store& store, std::string_view id) {
  absl::StatusOr<Device> device = store.GetDevice(id);
  if (absl::IsNotFound(device.status())) {
    return absl::NotFoundError("device " + std::string(id) + " not found");
  }
  return device;
}

absl::StatusOr<Device> DeviceRegistry::CreateDevice(const NewDevice& input, std::string_view actor,
                                                    std::string* claim_code) {
  if (absl::Status s = CheckActor(actor); !s.ok()) return s;
  if (absl::Status s = CheckDeviceId(input.id); !s.ok()) return s;
  if (absl::Status s = CheckText("model", input.model, 0, 100); !s.ok()) return s;
  if (input.firmware_version) {
    if (absl::Status s = CheckText("firmware version", *input.firmware_version, 1, 64); !s.ok()) {
      return s;
    }
  }
  Device device;
  device.id = input.id;
  device.model = input.model;
  device.firmware_version = input.firmware_version;
  if (input.public_key_pem) {
    absl::StatusOr<std::string> key = CanonicalDevicePublicKey(*input.public_key_pem);
    if (!key.ok()) return key.status();
    device.public_key = *std::move(key);
  }
  device.status = DeviceStatus::kUnbound;
  device.created_at = context_.clock.NowUnixMillis();

  absl::Status status = CommitChange(context_, [&](store::Store& tx) -> absl::Status {
    if (absl::Status s = tx.CreateDevice(device); !s.ok()) {
      if (absl::IsAlreadyExists(s)) {
        return absl::AlreadyExistsError("device " + device.id + " already exists");
      }
      return s;
    }
    absl::StatusOr<std::string> code = IssueClaimCode(tx, device.id, device.created_at);
    if (!code.ok()) return code.status();
    if (claim_code != nullptr) *claim_code = *std::move(code);
    return tx.AppendAudit(MakeAudit(device.created_at, actor, kCreateAction, device.id,
                                    json{{"model", device.model}}));
  });
  if (!status.ok()) return status;
  return device;
}

absl::StatusOr<Device> DeviceRegistry::GetDevice(std::string_view id) {
  if (absl::Status s = CheckId("device id", id); !s.ok()) return s;
  return Load(context_.store, id);
}

absl::StatusOr<Page<Device>> DeviceRegistry::ListDevices(const PageRequest& request,
                                                         std::optional<std::string_view> owner_id,
                                                         std::optional<int> expiring_within_days) {
  absl::StatusOr<std::int64_t> offset = PageOffset(request);
  if (!offset.ok()) return offset.status();
  if (owner_id) {
    if (absl::Status s = CheckId("owner id", *owner_id); !s.ok()) return s;
  }
  std::optional<UnixMillis> expiring_by;
  if (expiring_within_days) {
    if (*expiring_within_days < 1 || *expiring_within_days > 3650) {
      return absl::InvalidArgumentError("expiring within: 1-3650 days");
    }
    expiring_by = context_.clock.NowUnixMillis() +
                  static_cast<UnixMillis>(*expiring_within_days) * 24 * 3600 * 1000;
  }
  Page<Device> page{.items = {}, .total = 0, .page = request.page, .limit = request.limit};
  // One read transaction, so that the items and the total agree.
  absl::Status status = context_.store.RunInTransaction([&](store::Store& tx) -> absl::Status {
    absl::StatusOr<std::vector<Device>> items =
        expiring_by ? tx.ListDevicesExpiring(*expiring_by, *offset, request.limit, owner_id)
                    : tx.ListDevices(*offset, request.limit, owner_id);
    if (!items.ok()) return items.status();
    absl::StatusOr<std::int64_t> total =
        expiring_by ? tx.CountDevicesExpiring(*expiring_by, owner_id) : tx.CountDevices(owner_id);
    if (!total.ok()) return total.status();
    page.items = *std::move(items);
    page.total = *total;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<Device> DeviceRegistry::BindDevice(std::string_view device_id,
                                                  std::string_view user_id,
                                                  std::string_view actor) {
  if (absl::Status s = CheckId("user id", user_id); !s.ok()) return s;
  return Transition(device_id, actor, [&](Device& device, store::Store& tx, UnixMillis now) {
    if (absl::Status s = BindTo(device, user_id, tx, now); !s.ok()) return s;
    if (absl::Status s = tx.ClearClaimCode(device.id); !s.ok()) return s;
    return tx.AppendAudit(
        MakeAudit(now, actor, kBindAction, device.id, json{{"ownerId", *device.owner_id}}));
  });
}

absl::Status DeviceRegistry::BindTo(Device& device, std::string_view user_id, store::Store& tx,
                                    UnixMillis now) {
  if (device.status != DeviceStatus::kUnbound) {
    return absl::FailedPreconditionError(DescribeState(device) +
                                         (device.status == DeviceStatus::kBound
                                              ? "; unbind it first"
                                              : "; a revoked device cannot be bound again"));
  }
  absl::StatusOr<User> user = tx.GetUser(user_id);
  if (absl::IsNotFound(user.status())) return UserNotFound(user_id);
  if (!user.ok()) return user.status();
  const std::string_view plan_name = EffectivePlanName(user->plan, user->plan_expires_at, now);
  const Plan* plan = FindPlan(context_.plans, plan_name);
  if (plan == nullptr) {
    return absl::FailedPreconditionError("user " + user->id + " is on plan '" +
                                         std::string(plan_name) + "', which is not configured");
  }
  absl::StatusOr<std::int64_t> owned = tx.CountDevicesOwnedBy(user->id);
  if (!owned.ok()) return owned.status();
  if (*owned >= static_cast<std::int64_t>(plan->max_devices)) {
    return absl::ResourceExhaustedError(
        "user " + user->id + " already has " + std::to_string(*owned) + " of the " +
        std::to_string(plan->max_devices) + " devices plan '" + plan->name + "' allows");
  }
  device.owner_id = user->id;
  device.status = DeviceStatus::kBound;
  return absl::OkStatus();
}

absl::StatusOr<Device> DeviceRegistry::UnbindDevice(std::string_view device_id,
                                                    std::string_view actor,
                                                    std::string* claim_code) {
  return Transition(device_id, actor, [&](Device& device, store::Store& tx, UnixMillis now) {
    if (device.status != DeviceStatus::kBound) {
      return absl::FailedPreconditionError(DescribeState(device) +
                                           "; only a bound device can be unbound");
    }
    const std::string previous_owner = device.owner_id.value_or("");
    device.owner_id.reset();
    device.status = DeviceStatus::kUnbound;
    // Whoever held a certificate from the owner's tenure (the owner may have obtained
    // it) must not keep acting as the device for its next owner.
    absl::StatusOr<std::int64_t> revoked =
        tx.RevokeCertificatesIssuedToOwner(device.id, previous_owner, kOwnershipEndedReason, now);
    if (!revoked.ok()) return revoked.status();
    // A new code: the previous owner may have kept the old one.
    absl::StatusOr<std::string> code = IssueClaimCode(tx, device.id, now);
    if (!code.ok()) return code.status();
    if (claim_code != nullptr) *claim_code = *std::move(code);
    return tx.AppendAudit(
        MakeAudit(now, actor, kUnbindAction, device.id,
                  json{{"previousOwnerId", previous_owner}, {"certificatesRevoked", *revoked}}));
  });
}

absl::StatusOr<Device> DeviceRegistry::RevokeDevice(std::string_view device_id,
                                                    std::string_view actor) {
  return Transition(device_id, actor, [&](Device& device, store::Store& tx, UnixMillis now) {
    if (device.status == DeviceStatus::kRevoked) {
      return absl::FailedPreconditionError(DescribeState(device) + " already");
    }
    json details{{"previousStatus", ToString(device.status)}};
    if (device.owner_id) details["previousOwnerId"] = *device.owner_id;
    device.owner_id.reset();
    device.status = DeviceStatus::kRevoked;
    absl::StatusOr<std::int64_t> revoked =
        tx.RevokeCertificatesOfDevice(device.id, kDeviceRevokedReason, now);
    if (!revoked.ok()) return revoked.status();
    details["certificatesRevoked"] = *revoked;
    return tx.AppendAudit(MakeAudit(now, actor, kRevokeAction, device.id, details));
  });
}

absl::StatusOr<Device> DeviceRegistry::Transition(std::string_view device_id,
                                                  std::string_view actor, const Change& change) {
  if (absl::Status s = CheckActor(actor); !s.ok()) return s;
  if (absl::Status s = CheckId("device id", device_id); !s.ok()) return s;
  const UnixMillis now = context_.clock.NowUnixMillis();
  Device device;
  absl::Status status = CommitChange(context_, [&](store::Store& tx) -> absl::Status {
    absl::StatusOr<Device> current = Load(tx, device_id);
    if (!current.ok()) return current.status();
    device = *std::move(current);
    if (absl::Status s = change(device, tx, now); !s.ok()) return s;
    return tx.UpdateDevice(device);
  });
  if (!status.ok()) return status;
  return device;
}

}  // namespace iothub::registry
