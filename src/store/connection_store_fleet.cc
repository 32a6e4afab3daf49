// ConnectionStore::LoadFleet: the hot-path snapshot's three table scans on SQLite (kept
// apart from the row operations in connection_store.cc, as postgres_fleet_scan.cc is).
#include <sqlite3.h>

#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "model/fingerprint_text.h"
#include "store/connection_store.h"
#include "store/status_macros.h"

namespace iothub::store {

namespace {

// The best unrevoked certificate seen so far for one device: newest created_at, then
// the latest inserted (rowid), matching GetCurrentCertificate's ORDER BY. A certificate
// in grace is never current (its successor is newer).
struct CurrentCertificate {
  UnixMillis created_at = 0;
  std::int64_t rowid = 0;
  Fingerprint fingerprint{};
};

absl::StatusOr<std::shared_ptr<FleetSnapshot>> ScanFleet(Database& db) {
  auto snapshot = std::make_shared<FleetSnapshot>();
  {
    ASSIGN_OR_RETURN(
        Statement s,
        db.GetCachedStatement("SELECT id, subject, role, plan, plan_expires_at FROM users"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      std::optional<Role> role = ParseRole(s.ColumnTextView(2));
      if (!role)
        return absl::InternalError(absl::StrCat("user ", Sv(s.ColumnTextView(0)), ": bad role"));
      snapshot->AddUser({.id = s.ColumnText(0),
                         .subject = s.ColumnOptionalText(1).value_or(""),
                         .role = *role,
                         .plan = s.ColumnText(3),
                         .plan_expires_at = s.ColumnOptionalInt64(4)});
    }
  }
  // Certificates before devices, so that each device finds its current one in a map
  // instead of a query per device.
  std::unordered_map<std::string, CurrentCertificate> current;
  std::unordered_set<std::string> in_grace;  // devices with a certificate in grace
  {
    ASSIGN_OR_RETURN(Statement s,
                     db.GetCachedStatement("SELECT fingerprint, device_id, valid_from, valid_to,"
                                           " revoked_at IS NOT NULL, created_at, rowid,"
                                           " grace_until FROM certificates"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      std::optional<Fingerprint> fp = ParseFingerprint(s.ColumnTextView(0));
      if (!fp) {
        return absl::InternalError(
            absl::StrCat("certificate with bad fingerprint ", Sv(s.ColumnTextView(0))));
      }
      const bool revoked = s.ColumnInt64(4) != 0;
      std::string device_id = s.ColumnText(1);
      const std::optional<UnixMillis> grace_until = s.ColumnOptionalInt64(7);
      if (!revoked && grace_until) {
        in_grace.insert(device_id);
      } else if (!revoked) {
        CurrentCertificate candidate{s.ColumnInt64(5), s.ColumnInt64(6), *fp};
        auto [it, inserted] = current.try_emplace(device_id, candidate);
        if (!inserted && std::pair(candidate.created_at, candidate.rowid) >
                             std::pair(it->second.created_at, it->second.rowid)) {
          it->second = candidate;
        }
      }
      snapshot->AddCertificate(*fp, {.device_id = std::move(device_id),
                                     .valid_from = s.ColumnInt64(2),
                                     .valid_to = s.ColumnInt64(3),
                                     .revoked = revoked,
                                     .grace_until = revoked ? std::nullopt : grace_until});
    }
  }
  {
    ASSIGN_OR_RETURN(Statement s,
                     db.GetCachedStatement("SELECT id, owner_id, status FROM devices"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      std::optional<DeviceStatus> status = ParseDeviceStatus(s.ColumnTextView(2));
      if (!status) {
        return absl::InternalError(
            absl::StrCat("device ", Sv(s.ColumnTextView(0)), ": bad status"));
      }
      DeviceRecord record{.id = s.ColumnText(0),
                          .owner_id = s.ColumnOptionalText(1).value_or(""),
                          .status = *status};
      if (auto it = current.find(record.id); it != current.end()) {
        record.current_fingerprint = it->second.fingerprint;
        record.has_certificate = true;
      }
      record.has_grace_certificate = in_grace.contains(record.id);
      snapshot->AddDevice(std::move(record));
    }
  }
  return snapshot;
}

}  // namespace

absl::StatusOr<std::shared_ptr<FleetSnapshot>> ConnectionStore::LoadFleet() {
  if (!sqlite3_get_autocommit(db_.raw())) return ScanFleet(db_);  // inside a transaction
  RETURN_IF_ERROR(db_.Execute("BEGIN"));  // deferred: a read transaction, no write lock
  absl::StatusOr<std::shared_ptr<FleetSnapshot>> result = ScanFleet(db_);
  // Read-only, so nothing to lose; but never leave the transaction open.
  if (!db_.Execute("COMMIT").ok()) db_.Execute("ROLLBACK").IgnoreError();
  return result;
}

}  // namespace iothub::store
