// FleetSnapshot: an immutable in-memory picture of devices, certificates and users,
// built from the store after every change and read on the hot path (authenticate,
// authorize, message.publish) without touching SQLite. Build it single-threaded, then
// publish it through a SnapshotCell; once published it is never modified, so any number
// of threads may read it concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "common/string_hash.h"
#include "model/device.h"
#include "model/user.h"

namespace iothub {

// SHA-256 of a certificate's DER, raw bytes.
using Fingerprint = std::array<std::uint8_t, 32>;

struct DeviceRecord {
  std::string id;
  std::string owner_id;  // empty unless bound
  DeviceStatus status = DeviceStatus::kUnbound;
  Fingerprint current_fingerprint{};  // the device's current certificate
  bool has_certificate = false;
  // A renewal left an older certificate in grace (it admits the device beside the
  // current one); the first login with the current one ends that grace.
  bool has_grace_certificate = false;
};

struct CertificateRecord {
  std::string device_id;
  UnixMillis valid_from = 0;
  UnixMillis valid_to = 0;
  bool revoked = false;
  // Set while a renewed certificate's predecessor is in grace: it admits until then.
  std::optional<UnixMillis> grace_until{};
};

struct UserRecord {
  std::string id;
  std::string subject;
  Role role = Role::kUser;
  std::string plan;
  std::optional<UnixMillis> plan_expires_at;  // `plan` is in force until then (plan.h)
};

class FleetSnapshot {
 public:
  // Building (before publication only).
  void AddDevice(DeviceRecord device);
  void AddCertificate(const Fingerprint& fingerprint, CertificateRecord certificate);
  void AddUser(UserRecord user);

  // Lookups; nullptr when absent. Pointers live as long as the snapshot.
  const DeviceRecord* FindDevice(std::string_view id) const;
  const CertificateRecord* FindCertificate(const Fingerprint& fingerprint) const;
  const UserRecord* FindUser(std::string_view id) const;
  const UserRecord* FindUserBySubject(std::string_view subject) const;

  // Visits every device / user / certificate (no order).
  template <typename Visit>
  void ForEachDevice(Visit visit) const {
    for (const auto& [id, device] : devices_) visit(device);
  }
  template <typename Visit>
  void ForEachUser(Visit visit) const {
    for (const auto& [id, user] : users_) visit(user);
  }

  template <typename Visit>
  void ForEachCertificate(Visit visit) const {
    for (const auto& [fingerprint, certificate] : certificates_) visit(fingerprint, certificate);
  }

  std::size_t device_count() const { return devices_.size(); }
  std::size_t user_count() const { return users_.size(); }

 private:
  struct FingerprintHash {
    std::size_t operator()(const Fingerprint& f) const;
  };

  StringMap<DeviceRecord> devices_;
  std::unordered_map<Fingerprint, CertificateRecord, FingerprintHash> certificates_;
  StringMap<UserRecord> users_;
  StringMap<std::string> user_id_by_subject_;
};

}  // namespace iothub
