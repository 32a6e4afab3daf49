// ConnectionStore: renewal grace (schema v5), on SQLite. The rules are in store.h.
#include "absl/strings/str_cat.h"
#include "store/connection_store.h"
#include "store/input_checks.h"
#include "store/status_macros.h"

namespace iothub::store {

absl::Status ConnectionStore::InsertRenewedCertificate(const Certificate& successor,
                                                       std::string_view renewing_fingerprint,
                                                       UnixMillis grace_until) {
  ASSIGN_OR_RETURN(RenewalFingerprints fingerprints, CheckRenewal(successor, renewing_fingerprint));
  const std::string& renewing = fingerprints.renewing;
  return Atomically([&]() -> absl::Status {
    {
      ASSIGN_OR_RETURN(Statement s,
                       db_.GetCachedStatement("SELECT 1 FROM certificates WHERE fingerprint = ?1"
                                              " AND device_id = ?2 AND revoked_at IS NULL"));
      s.BindText(1, renewing);
      s.BindText(2, successor.device_id);
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return RenewingNotUsable(renewing);
    }
    RETURN_IF_ERROR(InsertCertificateRow(successor, fingerprints.successor));
    {
      ASSIGN_OR_RETURN(Statement s,
                       db_.GetCachedStatement("UPDATE certificates SET revoked_at = ?4,"
                                              " revocation_reason = ?5 WHERE device_id = ?1"
                                              " AND id <> ?2 AND fingerprint <> ?3"
                                              " AND revoked_at IS NULL"));
      s.BindText(1, successor.device_id);
      s.BindText(2, successor.id);
      s.BindText(3, renewing);
      s.BindInt64(4, successor.created_at);
      s.BindText(5, kSupersededReason);
      RETURN_IF_ERROR(s.Run());
    }
    ASSIGN_OR_RETURN(Statement s, db_.GetCachedStatement("UPDATE certificates SET grace_until = ?2"
                                                         " WHERE fingerprint = ?1"));
    s.BindText(1, renewing);
    s.BindInt64(2, grace_until);
    return s.Run();
  });
}

absl::StatusOr<std::int64_t> ConnectionStore::EndExpiredGraces(UnixMillis now) {
  ASSIGN_OR_RETURN(Statement s,
                   db_.GetCachedStatement("UPDATE certificates SET revoked_at = grace_until,"
                                          " revocation_reason = ?2 WHERE grace_until <= ?1"
                                          " AND grace_until IS NOT NULL AND revoked_at IS NULL"));
  s.BindInt64(1, now);
  s.BindText(2, kSupersededReason);
  RETURN_IF_ERROR(s.Run());
  return db_.Changes();
}

}  // namespace iothub::store
