// PgOperations: certificates by the CA that signed them (CA status and retirement), on
// PostgreSQL. The rules are in store.h.
#include "store/postgres_operations.h"
#include "store/status_macros.h"

namespace iothub::store {

absl::StatusOr<std::vector<CaCertificateCount>> PgOperations::CountActiveCertificatesByCa(
    UnixMillis now) {
  ASSIGN_OR_RETURN(PgResult r, conn_.Exec("SELECT ca_cert_pem, COUNT(*) FROM certificates"
                                          " WHERE revoked_at IS NULL AND valid_to >= $1"
                                          " GROUP BY ca_cert_pem ORDER BY ca_cert_pem",
                                          PgParams().Int64(now)));
  std::vector<CaCertificateCount> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int row = 0; row < r.rows(); ++row) {
    ASSIGN_OR_RETURN(std::int64_t count, r.Int64(row, 1));
    out.push_back({.ca_cert_pem = r.Text(row, 0), .count = count});
  }
  return out;
}

absl::StatusOr<std::int64_t> PgOperations::RevokeCertificatesSignedBy(std::string_view ca_cert_pem,
                                                                      std::string_view reason,
                                                                      UnixMillis at) {
  ASSIGN_OR_RETURN(PgResult r,
                   conn_.Exec("UPDATE certificates SET revoked_at = $2, revocation_reason = $3"
                              " WHERE ca_cert_pem = $1 AND revoked_at IS NULL",
                              PgParams().Text(ca_cert_pem).Int64(at).Text(reason)));
  return r.affected();
}

}  // namespace iothub::store
