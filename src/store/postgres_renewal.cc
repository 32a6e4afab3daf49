// PgOperations: renewal grace (schema v5), on PostgreSQL. The rules are in store.h.
#include "store/input_checks.h"
#include "store/postgres_operations.h"
#include "store/status_macros.h"

namespace iothub::store {

absl::Status PgOperations::InsertRenewedCertificate(const Certificate& successor,
                                                    std::string_view renewing_fingerprint,
                                                    UnixMillis grace_until) {
  ASSIGN_OR_RETURN(RenewalFingerprints fingerprints, CheckRenewal(successor, renewing_fingerprint));
  const std::string& renewing = fingerprints.renewing;
  // FOR UPDATE: a concurrent revoke of the renewing certificate waits for this one.
  ASSIGN_OR_RETURN(PgResult found,
                   conn_.Exec("SELECT 1 FROM certificates WHERE fingerprint = $1"
                              " AND device_id = $2 AND revoked_at IS NULL FOR UPDATE",
                              PgParams().Text(renewing).Text(successor.device_id)));
  if (found.rows() == 0) return RenewingNotUsable(renewing);
  RETURN_IF_ERROR(InsertCertificateRow(successor, fingerprints.successor));
  RETURN_IF_ERROR(conn_
                      .Exec("UPDATE certificates SET revoked_at = $4, revocation_reason = $5"
                            " WHERE device_id = $1 AND id <> $2 AND fingerprint <> $3"
                            " AND revoked_at IS NULL",
                            PgParams()
                                .Text(successor.device_id)
                                .Text(successor.id)
                                .Text(renewing)
                                .Int64(successor.created_at)
                                .Text(kSupersededReason))
                      .status());
  return conn_
      .Exec("UPDATE certificates SET grace_until = $2 WHERE fingerprint = $1",
            PgParams().Text(renewing).Int64(grace_until))
      .status();
}

absl::StatusOr<std::int64_t> PgOperations::EndExpiredGraces(UnixMillis now) {
  ASSIGN_OR_RETURN(PgResult r, conn_.Exec("UPDATE certificates SET revoked_at = grace_until,"
                                          " revocation_reason = $2 WHERE grace_until <= $1"
                                          " AND revoked_at IS NULL",
                                          PgParams().Int64(now).Text(kSupersededReason)));
  return r.affected();
}

}  // namespace iothub::store
