// PgOperations::ScanFleet: the hot-path snapshot's three table scans on PostgreSQL (kept
// apart from the row operations in postgres_operations.cc).
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "model/fingerprint_text.h"
#include "store/postgres_operations.h"
#include "store/status_macros.h"

namespace iothub::store {

absl::StatusOr<std::shared_ptr<FleetSnapshot>> PgOperations::ScanFleet() {
  auto snapshot = std::make_shared<FleetSnapshot>();
  {
    ASSIGN_OR_RETURN(PgResult r,
                     conn_.Exec("SELECT id, subject, role, plan, plan_expires_at FROM users", {},
                                kPgLoadFleetTimeout));
    for (int row = 0; row < r.rows(); ++row) {
      std::optional<Role> role = ParseRole(r.TextView(row, 2));
      if (!role)
        return absl::InternalError(absl::StrCat("user ", Sv(r.TextView(row, 0)), ": bad role"));
      ASSIGN_OR_RETURN(std::optional<std::int64_t> plan_expires_at, r.OptionalInt64(row, 4));
      snapshot->AddUser({.id = r.Text(row, 0),
                         .subject = r.OptionalText(row, 1).value_or(""),
                         .role = *role,
                         .plan = r.Text(row, 3),
                         .plan_expires_at = plan_expires_at});
    }
  }
  // The current certificate of each device: the newest unrevoked one (created_at, then
  // seq), matching GetCurrentCertificate's ORDER BY; never one in grace.
  struct Current {
    std::int64_t created_at = 0;
    std::int64_t seq = 0;
    Fingerprint fingerprint{};
  };
  std::unordered_map<std::string, Current> current;
  std::unordered_set<std::string> in_grace;  // devices with a certificate in grace
  {
    ASSIGN_OR_RETURN(PgResult r, conn_.Exec("SELECT fingerprint, device_id, valid_from, valid_to,"
                                            " revoked_at IS NOT NULL, created_at, seq,"
                                            " grace_until FROM certificates",
                                            {}, kPgLoadFleetTimeout));
    for (int row = 0; row < r.rows(); ++row) {
      std::optional<Fingerprint> fp = ParseFingerprint(r.TextView(row, 0));
      if (!fp) {
        return absl::InternalError(
            absl::StrCat("certificate with bad fingerprint ", Sv(r.TextView(row, 0))));
      }
      const bool revoked = r.TextView(row, 4) == "t";
      std::string device_id = r.Text(row, 1);
      ASSIGN_OR_RETURN(std::int64_t valid_from, r.Int64(row, 2));
      ASSIGN_OR_RETURN(std::int64_t valid_to, r.Int64(row, 3));
      ASSIGN_OR_RETURN(std::optional<std::int64_t> grace_until, r.OptionalInt64(row, 7));
      if (!revoked && grace_until) {
        in_grace.insert(device_id);
      } else if (!revoked) {
        ASSIGN_OR_RETURN(std::int64_t created_at, r.Int64(row, 5));
        ASSIGN_OR_RETURN(std::int64_t seq, r.Int64(row, 6));
        Current candidate{created_at, seq, *fp};
        auto [it, inserted] = current.try_emplace(device_id, candidate);
        if (!inserted && std::pair(candidate.created_at, candidate.seq) >
                             std::pair(it->second.created_at, it->second.seq)) {
          it->second = candidate;
        }
      }
      snapshot->AddCertificate(*fp, {.device_id = std::move(device_id),
                                     .valid_from = valid_from,
                                     .valid_to = valid_to,
                                     .revoked = revoked,
                                     .grace_until = revoked ? std::nullopt : grace_until});
    }
  }
  {
    ASSIGN_OR_RETURN(PgResult r, conn_.Exec("SELECT id, owner_id, status FROM devices", {},
                                            kPgLoadFleetTimeout));
    for (int row = 0; row < r.rows(); ++row) {
      std::optional<DeviceStatus> status = ParseDeviceStatus(r.TextView(row, 2));
      if (!status) {
        return absl::InternalError(absl::StrCat("device ", Sv(r.TextView(row, 0)), ": bad status"));
      }
      DeviceRecord record{
          .id = r.Text(row, 0), .owner_id = r.OptionalText(row, 1).value_or(""), .status = *status};
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

}  // namespace iothub::store
