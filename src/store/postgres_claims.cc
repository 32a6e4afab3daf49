// PgOperations: claim codes and failed claim attempts (schema v3), on PostgreSQL.
#include "store/postgres_operations.h"
#include "store/status_macros.h"

namespace iothub::store {

absl::Status PgOperations::SetClaimCode(std::string_view device_id, const StoredClaimCode& code) {
  return conn_
      .Exec(
          "INSERT INTO claim_codes (device_id, salt, hash, issued_at) VALUES ($1, $2, $3, $4)"
          " ON CONFLICT (device_id) DO UPDATE SET salt = excluded.salt, hash = excluded.hash,"
          " issued_at = excluded.issued_at",
          PgParams().Text(device_id).Text(code.salt).Text(code.hash).Int64(code.issued_at))
      .status();
}

absl::StatusOr<StoredClaimCode> PgOperations::GetClaimCode(std::string_view device_id) {
  ASSIGN_OR_RETURN(PgResult r,
                   conn_.Exec("SELECT salt, hash, issued_at FROM claim_codes WHERE device_id = $1",
                              PgParams().Text(device_id)));
  if (r.rows() == 0) return absl::NotFoundError("no claim code");
  ASSIGN_OR_RETURN(UnixMillis issued_at, r.Int64(0, 2));
  return StoredClaimCode{.salt = r.Text(0, 0), .hash = r.Text(0, 1), .issued_at = issued_at};
}

absl::Status PgOperations::ClearClaimCode(std::string_view device_id) {
  return conn_.Exec("DELETE FROM claim_codes WHERE device_id = $1", PgParams().Text(device_id))
      .status();
}

absl::Status PgOperations::RecordClaimFailure(std::string_view key, UnixMillis at) {
  return conn_
      .Exec("INSERT INTO claim_failures (key, at) VALUES ($1, $2)", PgParams().Text(key).Int64(at))
      .status();
}

absl::StatusOr<std::vector<UnixMillis>> PgOperations::ListClaimFailures(std::string_view key,
                                                                        UnixMillis since) {
  ASSIGN_OR_RETURN(PgResult r, conn_.Exec("SELECT at FROM claim_failures WHERE key = $1"
                                          " AND at >= $2 ORDER BY at",
                                          PgParams().Text(key).Int64(since)));
  std::vector<UnixMillis> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int row = 0; row < r.rows(); ++row) {
    ASSIGN_OR_RETURN(UnixMillis at, r.Int64(row, 0));
    out.push_back(at);
  }
  return out;
}

absl::StatusOr<std::int64_t> PgOperations::PruneClaimFailures(UnixMillis before) {
  ASSIGN_OR_RETURN(
      PgResult r, conn_.Exec("DELETE FROM claim_failures WHERE at < $1", PgParams().Int64(before)));
  return r.affected();
}

}  // namespace iothub::store
