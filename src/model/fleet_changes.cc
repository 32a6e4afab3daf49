#include "model/fleet_changes.h"

namespace iothub {
namespace {

// A renewal keeps the replaced certificate working for its grace: its sessions stay.
bool InGrace(const FleetSnapshot& fleet, const Fingerprint& fingerprint) {
  const CertificateRecord* certificate = fleet.FindCertificate(fingerprint);
  return certificate != nullptr && !certificate->revoked && certificate->grace_until.has_value();
}

}  // namespace

FleetChanges DiffFleets(const FleetSnapshot& before, const FleetSnapshot& after) {
  FleetChanges changes;
  after.ForEachDevice([&](const DeviceRecord& now) {
    const DeviceRecord* was = before.FindDevice(now.id);
    if (was == nullptr) return;  // a new device has no session and no cached decision yet
    if (now.status == DeviceStatus::kRevoked && was->status != DeviceStatus::kRevoked) {
      changes.revoked_devices.push_back(now.id);
    } else if (was->has_certificate &&
               (!now.has_certificate || now.current_fingerprint != was->current_fingerprint) &&
               !InGrace(after, was->current_fingerprint)) {
      changes.certificate_changed.push_back(now.id);
    }
    if (now.status != was->status || now.owner_id != was->owner_id) changes.access_changed = true;
  });
  if (after.device_count() != before.device_count()) changes.access_changed = true;
  after.ForEachUser([&](const UserRecord& now) {
    const UserRecord* was = before.FindUser(now.id);
    if (was != nullptr && (was->role != now.role || was->plan != now.plan)) {
      changes.access_changed = true;
    }
  });
  return changes;
}

}  // namespace iothub
