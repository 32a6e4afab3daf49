// ConnectionStore: revoking certificates in bulk (of a device, of a former owner, of a
// CA) and reading them back for the CRLs and the CA status, on SQLite. The rules are in
// store.h.
#include "store/connection_store.h"
#include "store/status_macros.h"

namespace iothub::store {
namespace {
// Revokes the unrevoked certificates that `sql` selects by ?1 (?2 the time, ?3 the
// reason); returns how many.
absl::StatusOr<std::int64_t> RevokeWhere(Database& db, std::string_view sql, std::string_view key,
                                         std::string_view reason, UnixMillis at) {
  ASSIGN_OR_RETURN(Statement s, db.GetCachedStatement(sql));
  s.BindText(1, key);
  s.BindInt64(2, at);
  s.BindText(3, reason);
  RETURN_IF_ERROR(s.Run());
  return db.Changes();
}

}  // namespace

absl::StatusOr<std::int64_t> ConnectionStore::RevokeCertificatesOfDevice(std::string_view device_id,
                                                                         std::string_view reason,
                                                                         UnixMillis at) {
  return RevokeWhere(db_,
                     "UPDATE certificates SET revoked_at = ?2, revocation_reason = ?3"
                     " WHERE device_id = ?1 AND revoked_at IS NULL",
                     device_id, reason, at);
}

absl::StatusOr<std::int64_t> ConnectionStore::RevokeCertificatesIssuedToOwner(
    std::string_view device_id, std::string_view owner_id, std::string_view reason, UnixMillis at) {
  ASSIGN_OR_RETURN(Statement s,
                   db_.GetCachedStatement("UPDATE certificates SET revoked_at = ?3,"
                                          " revocation_reason = ?4"
                                          " WHERE device_id = ?1 AND owner_at_issue = ?2"
                                          " AND revoked_at IS NULL"));
  s.BindText(1, device_id);
  s.BindText(2, owner_id);
  s.BindInt64(3, at);
  s.BindText(4, reason);
  RETURN_IF_ERROR(s.Run());
  return db_.Changes();
}

absl::StatusOr<std::vector<RevokedCertificate>> ConnectionStore::ListRevokedCertificates() {
  ASSIGN_OR_RETURN(Statement s,
                   db_.GetCachedStatement("SELECT serial_number, revoked_at, ca_cert_pem"
                                          " FROM certificates WHERE revoked_at IS NOT NULL"
                                          " ORDER BY revoked_at, serial_number"));
  std::vector<RevokedCertificate> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back({.serial_number = s.ColumnText(0),
                   .revoked_at = s.ColumnInt64(1),
                   .ca_cert_pem = s.ColumnText(2)});
  }
  return out;
}

absl::StatusOr<std::vector<CaCertificateCount>> ConnectionStore::CountActiveCertificatesByCa(
    UnixMillis now) {
  ASSIGN_OR_RETURN(Statement s,
                   db_.GetCachedStatement("SELECT ca_cert_pem, COUNT(*) FROM certificates"
                                          " WHERE revoked_at IS NULL AND valid_to >= ?1"
                                          " GROUP BY ca_cert_pem ORDER BY ca_cert_pem"));
  s.BindInt64(1, now);
  std::vector<CaCertificateCount> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back({.ca_cert_pem = s.ColumnText(0), .count = s.ColumnInt64(1)});
  }
  return out;
}

absl::StatusOr<std::int64_t> ConnectionStore::RevokeCertificatesSignedBy(
    std::string_view ca_cert_pem, std::string_view reason, UnixMillis at) {
  return RevokeWhere(db_,
                     "UPDATE certificates SET revoked_at = ?2, revocation_reason = ?3"
                     " WHERE ca_cert_pem = ?1 AND revoked_at IS NULL",
                     ca_cert_pem, reason, at);
}

}  // namespace iothub::store
