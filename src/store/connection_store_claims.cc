// ConnectionStore: claim codes and failed claim attempts (schema v3), on SQLite.
#include "store/connection_store.h"
#include "store/status_macros.h"

namespace iothub::store {

absl::Status ConnectionStore::SetClaimCode(std::string_view device_id,
                                           const StoredClaimCode& code) {
  ASSIGN_OR_RETURN(Statement s, db_.GetCachedStatement(
                                    "INSERT INTO claim_codes (device_id, salt, hash, issued_at)"
                                    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (device_id) DO UPDATE"
                                    " SET salt = excluded.salt, hash = excluded.hash,"
                                    " issued_at = excluded.issued_at"));
  s.BindText(1, device_id);
  s.BindText(2, code.salt);
  s.BindText(3, code.hash);
  s.BindInt64(4, code.issued_at);
  return s.Run();
}

absl::StatusOr<StoredClaimCode> ConnectionStore::GetClaimCode(std::string_view device_id) {
  ASSIGN_OR_RETURN(Statement s,
                   db_.GetCachedStatement("SELECT salt, hash, issued_at FROM claim_codes"
                                          " WHERE device_id = ?1"));
  s.BindText(1, device_id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return absl::NotFoundError("no claim code");
  return StoredClaimCode{
      .salt = s.ColumnText(0), .hash = s.ColumnText(1), .issued_at = s.ColumnInt64(2)};
}

absl::Status ConnectionStore::ClearClaimCode(std::string_view device_id) {
  ASSIGN_OR_RETURN(Statement s,
                   db_.GetCachedStatement("DELETE FROM claim_codes WHERE device_id = ?1"));
  s.BindText(1, device_id);
  return s.Run();
}

absl::Status ConnectionStore::RecordClaimFailure(std::string_view key, UnixMillis at) {
  ASSIGN_OR_RETURN(Statement s,
                   db_.GetCachedStatement("INSERT INTO claim_failures (key, at) VALUES (?1, ?2)"));
  s.BindText(1, key);
  s.BindInt64(2, at);
  return s.Run();
}

absl::StatusOr<std::vector<UnixMillis>> ConnectionStore::ListClaimFailures(std::string_view key,
                                                                           UnixMillis since) {
  ASSIGN_OR_RETURN(Statement s, db_.GetCachedStatement(
                                    "SELECT at FROM claim_failures WHERE key = ?1 AND at >= ?2"
                                    " ORDER BY at"));
  s.BindText(1, key);
  s.BindInt64(2, since);
  std::vector<UnixMillis> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(s.ColumnInt64(0));
  }
  return out;
}

absl::StatusOr<std::int64_t> ConnectionStore::PruneClaimFailures(UnixMillis before) {
  ASSIGN_OR_RETURN(Statement s, db_.GetCachedStatement("DELETE FROM claim_failures WHERE at < ?1"));
  s.BindInt64(1, before);
  RETURN_IF_ERROR(s.Run());
  return db_.Changes();
}

}  // namespace iothub::store
