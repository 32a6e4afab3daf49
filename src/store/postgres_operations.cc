#include "store/postgres_operations.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "store/input_checks.h"
#include "store/status_macros.h"

namespace iothub::store {
namespace {

// Column lists; the readers below depend on their order (as in connection_store.cc).
#define PG_DEVICE_COLUMNS \
  "id, model, public_key, owner_id, status, firmware_version, last_seen_at, created_at"
#define PG_CERTIFICATE_COLUMNS                                                            \
  "id, device_id, client_cert_pem, ca_cert_pem, fingerprint, serial_number, valid_from, " \
  "valid_to, created_at, revoked_at, revocation_reason, owner_at_issue, grace_until"
#define PG_USER_COLUMNS                                                            \
  "id, subject, email, name, avatar, role, balance_cents, plan, plan_expires_at, " \
  "metadata_json, created_at, updated_at"

absl::StatusOr<Device> ReadDevice(const PgResult& r, int row) {
  Device d;
  d.id = r.Text(row, 0);
  d.model = r.Text(row, 1);
  d.public_key = r.Text(row, 2);
  d.owner_id = r.OptionalText(row, 3);
  std::optional<DeviceStatus> status = ParseDeviceStatus(r.TextView(row, 4));
  if (!status) return absl::InternalError(absl::StrCat("device ", d.id, ": bad status"));
  d.status = *status;
  d.firmware_version = r.OptionalText(row, 5);
  ASSIGN_OR_RETURN(d.last_seen_at, r.OptionalInt64(row, 6));
  ASSIGN_OR_RETURN(d.created_at, r.Int64(row, 7));
  return d;
}

absl::StatusOr<Certificate> ReadCertificate(const PgResult& r, int row) {
  Certificate c;
  c.id = r.Text(row, 0);
  c.device_id = r.Text(row, 1);
  c.client_cert_pem = r.Text(row, 2);
  c.ca_cert_pem = r.Text(row, 3);
  c.fingerprint = r.Text(row, 4);
  c.serial_number = r.Text(row, 5);
  ASSIGN_OR_RETURN(c.valid_from, r.Int64(row, 6));
  ASSIGN_OR_RETURN(c.valid_to, r.Int64(row, 7));
  ASSIGN_OR_RETURN(c.created_at, r.Int64(row, 8));
  ASSIGN_OR_RETURN(c.revoked_at, r.OptionalInt64(row, 9));
  c.revocation_reason = r.OptionalText(row, 10);
  c.owner_at_issue = r.OptionalText(row, 11);
  ASSIGN_OR_RETURN(c.grace_until, r.OptionalInt64(row, 12));
  return c;
}

absl::StatusOr<User> ReadUser(const PgResult& r, int row) {
  User u;
  u.id = r.Text(row, 0);
  u.subject = r.OptionalText(row, 1).value_or("");
  u.email = r.Text(row, 2);
  u.name = r.Text(row, 3);
  u.avatar = r.OptionalText(row, 4);
  std::optional<Role> role = ParseRole(r.TextView(row, 5));
  if (!role) return absl::InternalError(absl::StrCat("user ", u.id, ": bad role"));
  u.role = *role;
  ASSIGN_OR_RETURN(u.balance_cents, r.Int64(row, 6));
  u.plan = r.Text(row, 7);
  ASSIGN_OR_RETURN(u.plan_expires_at, r.OptionalInt64(row, 8));
  u.metadata_json = r.Text(row, 9);
  ASSIGN_OR_RETURN(u.created_at, r.Int64(row, 10));
  ASSIGN_OR_RETURN(u.updated_at, r.Int64(row, 11));
  return u;
}

template <typename T>
using Reader = absl::StatusOr<T> (*)(const PgResult&, int);

template <typename T>
absl::StatusOr<std::vector<T>> ReadAll(const PgResult& r, Reader<T> read) {
  std::vector<T> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int row = 0; row < r.rows(); ++row) {
    ASSIGN_OR_RETURN(T value, read(r, row));
    out.push_back(std::move(value));
  }
  return out;
}

// The device columns after id as $2..$7 (model .. last_seen_at).
void AddDeviceFields(PgParams& p, const Device& d) {
  p.Text(d.model)
      .Text(d.public_key)
      .OptionalText(d.owner_id)
      .Text(ToString(d.status))
      .OptionalText(d.firmware_version)
      .OptionalInt64(d.last_seen_at);
}

// The user columns after id as $2..$10 (subject .. metadata_json), $11 updated_at.
void AddUserFields(PgParams& p, const User& u) {
  if (u.subject.empty()) {
    p.Null();  // "no subject": NULLs never collide under UNIQUE
  } else {
    p.Text(u.subject);
  }
  p.Text(u.email)
      .Text(u.name)
      .OptionalText(u.avatar)
      .Text(ToString(u.role))
      .Int64(u.balance_cents)
      .Text(u.plan)
      .OptionalInt64(u.plan_expires_at)
      .Text(u.metadata_json)
      .Int64(u.updated_at);
}

absl::StatusOr<std::int64_t> Scalar(const PgResult& r) {
  if (r.rows() != 1) return absl::InternalError("expected one row");
  return r.Int64(0, 0);
}

// A PostgreSQL array literal {"a","b"} of `items` (quotes and backslashes escaped).
std::string ArrayLiteral(std::span<const LastSeen> batch, bool ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (i > 0) out += ',';
    if (!ids) {
      absl::StrAppend(&out, batch[i].at);
      continue;
    }
    out += '"';
    for (char c : batch[i].device_id) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace

// --- Devices ---

absl::Status PgOperations::CreateDevice(const Device& device) {
  PgParams p;
  p.Text(device.id);
  AddDeviceFields(p, device);
  p.Int64(device.created_at);
  return conn_
      .Exec("INSERT INTO devices (" PG_DEVICE_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            p)
      .status();
}

absl::StatusOr<Device> PgOperations::GetDevice(std::string_view id) {
  ASSIGN_OR_RETURN(PgResult r, conn_.Exec("SELECT " PG_DEVICE_COLUMNS " FROM devices WHERE id = $1",
                                          PgParams().Text(id)));
  if (r.rows() == 0) return absl::NotFoundError(absl::StrCat("no device ", Sv(id)));
  return ReadDevice(r, 0);
}

absl::StatusOr<std::vector<Device>> PgOperations::ListDevices(
    std::int64_t offset, std::int64_t limit, std::optional<std::string_view> owner_id) {
  RETURN_IF_ERROR(CheckPage(offset, limit));
  PgParams p;
  p.Int64(offset).Int64(limit);
  if (owner_id) p.Text(*owner_id);
  ASSIGN_OR_RETURN(
      PgResult r,
      conn_.Exec(owner_id ? "SELECT " PG_DEVICE_COLUMNS " FROM devices WHERE owner_id = $3"
                            " ORDER BY created_at, id LIMIT $2 OFFSET $1"
                          : "SELECT " PG_DEVICE_COLUMNS
                            " FROM devices ORDER BY created_at, id LIMIT $2 OFFSET $1",
                 p));
  return ReadAll<Device>(r, ReadDevice);
}

absl::StatusOr<std::int64_t> PgOperations::CountDevices(std::optional<std::string_view> owner_id) {
  PgParams p;
  if (owner_id) p.Text(*owner_id);
  ASSIGN_OR_RETURN(PgResult r,
                   conn_.Exec(owner_id ? "SELECT COUNT(*) FROM devices WHERE owner_id = $1"
                                       : "SELECT COUNT(*) FROM devices",
                              p));
  return Scalar(r);
}

// The devices whose current certificate (unrevoked, not in grace) ends by $1.
#define PG_EXPIRING_DEVICES                                                  \
  " FROM devices WHERE status <> 'revoked' AND id IN (SELECT device_id FROM" \
  " certificates WHERE revoked_at IS NULL AND grace_until IS NULL AND valid_to <= $1)"

absl::StatusOr<std::vector<Device>> PgOperations::ListDevicesExpiring(
    UnixMillis valid_to_at_most, std::int64_t offset, std::int64_t limit,
    std::optional<std::string_view> owner_id) {
  RETURN_IF_ERROR(CheckPage(offset, limit));
  PgParams p;
  p.Int64(valid_to_at_most).Int64(offset).Int64(limit);
  if (owner_id) p.Text(*owner_id);
  ASSIGN_OR_RETURN(PgResult r, conn_.Exec(owner_id ? "SELECT " PG_DEVICE_COLUMNS PG_EXPIRING_DEVICES
                                                     " AND owner_id = $4 ORDER BY created_at, id"
                                                     " LIMIT $3 OFFSET $2"
                                                   : "SELECT " PG_DEVICE_COLUMNS PG_EXPIRING_DEVICES
                                                     " ORDER BY created_at, id LIMIT $3 OFFSET $2",
                                          p));
  return ReadAll<Device>(r, ReadDevice);
}

absl::StatusOr<std::int64_t> PgOperations::CountDevicesExpiring(
    UnixMillis valid_to_at_most, std::optional<std::string_view> owner_id) {
  PgParams p;
  p.Int64(valid_to_at_most);
  if (owner_id) p.Text(*owner_id);
  ASSIGN_OR_RETURN(PgResult r,
                   conn_.Exec(owner_id ? "SELECT COUNT(*)" PG_EXPIRING_DEVICES " AND owner_id = $2"
                                       : "SELECT COUNT(*)" PG_EXPIRING_DEVICES,
                              p));
  return Scalar(r);
}

absl::Status PgOperations::UpdateDevice(const Device& device) {
  PgParams p;
  p.Text(device.id);
  AddDeviceFields(p, device);
  ASSIGN_OR_RETURN(PgResult r,
                   conn_.Exec("UPDATE devices SET model = $2, public_key = $3, owner_id = $4,"
                              " status = $5, firmware_version = $6, last_seen_at = $7"
                              " WHERE id = $1",
                              p));
  if (r.affected() == 0) return absl::NotFoundError(absl::StrCat("no device ", device.id));
  return absl::OkStatus();
}

absl::Status PgOperations::TouchLastSeen(std::span<const LastSeen> batch) {
  if (batch.empty()) return absl::OkStatus();
  // One statement for the whole batch; the latest time per device wins. Only
  // last_seen_at is SET, so the change trigger (devices' other columns) stays quiet.
  return conn_
      .Exec(
          "UPDATE devices d SET last_seen_at = v.at"
          " FROM (SELECT id, MAX(at) AS at FROM unnest($1::text[], $2::bigint[]) AS u(id, at)"
          " GROUP BY id) v"
          " WHERE d.id = v.id AND (d.last_seen_at IS NULL OR d.last_seen_at < v.at)",
          PgParams().Text(ArrayLiteral(batch, true)).Text(ArrayLiteral(batch, false)))
      .status();
}

// --- Certificates ---

absl::Status PgOperations::InsertCertificateRow(const Certificate& certificate,
                                                std::string_view fingerprint) {
  PgParams p;
  p.Text(certificate.id)
      .Text(certificate.device_id)
      .Text(certificate.client_cert_pem)
      .Text(certificate.ca_cert_pem)
      .Text(fingerprint)
      .Text(certificate.serial_number)
      .Int64(certificate.valid_from)
      .Int64(certificate.valid_to)
      .Int64(certificate.created_at)
      .OptionalInt64(certificate.revoked_at)
      .OptionalText(certificate.revocation_reason)
      .OptionalText(certificate.owner_at_issue)
      .OptionalInt64(certificate.grace_until);
  return conn_
      .Exec("INSERT INTO certificates (" PG_CERTIFICATE_COLUMNS
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            p)
      .status();
}

absl::Status PgOperations::InsertCertificate(const Certificate& certificate) {
  ASSIGN_OR_RETURN(std::string fingerprint, CanonicalFingerprint(certificate.fingerprint));
  RETURN_IF_ERROR(InsertCertificateRow(certificate, fingerprint));
  if (certificate.revoked_at) return absl::OkStatus();  // not current: replaces nothing
  // The new certificate becomes the device's current one; older ones are superseded.
  return conn_
      .Exec(
          "UPDATE certificates SET revoked_at = $3, revocation_reason = $4"
          " WHERE device_id = $1 AND id <> $2 AND revoked_at IS NULL",
          PgParams()
              .Text(certificate.device_id)
              .Text(certificate.id)
              .Int64(certificate.created_at)
              .Text(kSupersededReason))
      .status();
}

absl::StatusOr<Certificate> PgOperations::GetCertificateByFingerprint(
    std::string_view fingerprint) {
  ASSIGN_OR_RETURN(std::string canonical, CanonicalFingerprint(fingerprint));
  ASSIGN_OR_RETURN(PgResult r, conn_.Exec("SELECT " PG_CERTIFICATE_COLUMNS
                                          " FROM certificates WHERE fingerprint = $1",
                                          PgParams().Text(canonical)));
  if (r.rows() == 0) return absl::NotFoundError(absl::StrCat("no certificate ", canonical));
  return ReadCertificate(r, 0);
}

absl::StatusOr<Certificate> PgOperations::GetCurrentCertificate(std::string_view device_id) {
  // seq stands in for SQLite's rowid: insertion order among equal created_at.
  ASSIGN_OR_RETURN(PgResult r,
                   conn_.Exec("SELECT " PG_CERTIFICATE_COLUMNS
                              " FROM certificates WHERE device_id = $1 AND revoked_at IS NULL"
                              " ORDER BY created_at DESC, seq DESC LIMIT 1",
                              PgParams().Text(device_id)));
  if (r.rows() == 0) {
    return absl::NotFoundError(absl::StrCat("no current certificate for ", Sv(device_id)));
  }
  return ReadCertificate(r, 0);
}

absl::StatusOr<std::vector<Certificate>> PgOperations::ListCertificatesOfDevice(
    std::string_view device_id) {
  ASSIGN_OR_RETURN(PgResult r, conn_.Exec("SELECT " PG_CERTIFICATE_COLUMNS
                                          " FROM certificates WHERE device_id = $1"
                                          " ORDER BY created_at DESC, seq DESC",
                                          PgParams().Text(device_id)));
  return ReadAll<Certificate>(r, ReadCertificate);
}

absl::Status PgOperations::RevokeCertificate(std::string_view fingerprint, std::string_view reason,
                                             UnixMillis at) {
  ASSIGN_OR_RETURN(std::string canonical, CanonicalFingerprint(fingerprint));
  {
    ASSIGN_OR_RETURN(PgResult r,
                     conn_.Exec("UPDATE certificates SET revoked_at = $2, revocation_reason = $3"
                                " WHERE fingerprint = $1 AND revoked_at IS NULL",
                                PgParams().Text(canonical).Int64(at).Text(reason)));
    if (r.affected() > 0) return absl::OkStatus();
  }
  // Nothing changed: already revoked (a no-op) or unknown.
  ASSIGN_OR_RETURN(PgResult r, conn_.Exec("SELECT 1 FROM certificates WHERE fingerprint = $1",
                                          PgParams().Text(canonical)));
  if (r.rows() == 0) return absl::NotFoundError(absl::StrCat("no certificate ", canonical));
  return absl::OkStatus();
}

absl::StatusOr<std::int64_t> PgOperations::RevokeCertificatesOfDevice(std::string_view device_id,
                                                                      std::string_view reason,
                                                                      UnixMillis at) {
  ASSIGN_OR_RETURN(PgResult r,
                   conn_.Exec("UPDATE certificates SET revoked_at = $2, revocation_reason = $3"
                              " WHERE device_id = $1 AND revoked_at IS NULL",
                              PgParams().Text(device_id).Int64(at).Text(reason)));
  return r.affected();
}

absl::StatusOr<std::int64_t> PgOperations::RevokeCertificatesIssuedToOwner(
    std::string_view device_id, std::string_view owner_id, std::string_view reason, UnixMillis at) {
  ASSIGN_OR_RETURN(PgResult r,
                   conn_.Exec("UPDATE certificates SET revoked_at = $3, revocation_reason = $4"
                              " WHERE device_id = $1 AND owner_at_issue = $2"
                              " AND revoked_at IS NULL",
                              PgParams().Text(device_id).Text(owner_id).Int64(at).Text(reason)));
  return r.affected();
}

absl::StatusOr<std::vector<RevokedCertificate>> PgOperations::ListRevokedCertificates() {
  ASSIGN_OR_RETURN(PgResult r,
                   conn_.Exec("SELECT serial_number, revoked_at, ca_cert_pem FROM certificates"
                              " WHERE revoked_at IS NOT NULL"
                              " ORDER BY revoked_at, serial_number"));
  std::vector<RevokedCertificate> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int row = 0; row < r.rows(); ++row) {
    ASSIGN_OR_RETURN(std::int64_t at, r.Int64(row, 1));
    out.push_back(
        {.serial_number = r.Text(row, 0), .revoked_at = at, .ca_cert_pem = r.Text(row, 2)});
  }
  return out;
}

// --- Users ---

absl::Status PgOperations::CreateUser(const User& user) {
  PgParams p;
  p.Text(user.id);
  AddUserFields(p, user);
  p.Int64(user.created_at);
  return conn_
      .Exec("INSERT INTO users (" PG_USER_COLUMNS
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12, $11)",
            p)
      .status();
}

namespace {
absl::StatusOr<User> QueryOneUser(PgConnection& conn, std::string_view sql, std::string_view key,
                                  std::string_view what) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(sql, PgParams().Text(key)));
  if (r.rows() == 0)
    return absl::NotFoundError(absl::StrCat("no user with ", Sv(what), " ", Sv(key)));
  return ReadUser(r, 0);
}
}  // namespace

absl::StatusOr<User> PgOperations::GetUser(std::string_view id) {
  return QueryOneUser(conn_, "SELECT " PG_USER_COLUMNS " FROM users WHERE id = $1", id, "id");
}

absl::StatusOr<User> PgOperations::GetUserByEmail(std::string_view email) {
  // lower() under the column's "C" collation folds ASCII only, like SQLite's NOCASE; the
  // unique index users_email_nocase serves this comparison.
  return QueryOneUser(
      conn_, "SELECT " PG_USER_COLUMNS " FROM users WHERE lower(email) = lower($1 COLLATE \"C\")",
      email, "email");
}

absl::StatusOr<User> PgOperations::GetUserBySubject(std::string_view subject) {
  if (subject.empty()) return absl::NotFoundError("empty subject");
  return QueryOneUser(conn_, "SELECT " PG_USER_COLUMNS " FROM users WHERE subject = $1", subject,
                      "subject");
}

absl::StatusOr<std::vector<User>> PgOperations::ListUsers(std::int64_t offset, std::int64_t limit) {
  RETURN_IF_ERROR(CheckPage(offset, limit));
  ASSIGN_OR_RETURN(PgResult r, conn_.Exec("SELECT " PG_USER_COLUMNS
                                          " FROM users ORDER BY created_at, id LIMIT $2 OFFSET $1",
                                          PgParams().Int64(offset).Int64(limit)));
  return ReadAll<User>(r, ReadUser);
}

absl::StatusOr<std::int64_t> PgOperations::CountUsers() {
  ASSIGN_OR_RETURN(PgResult r, conn_.Exec("SELECT COUNT(*) FROM users"));
  return Scalar(r);
}

absl::Status PgOperations::UpdateUser(const User& user) {
  PgParams p;
  p.Text(user.id);
  AddUserFields(p, user);
  ASSIGN_OR_RETURN(PgResult r,
                   conn_.Exec("UPDATE users SET subject = $2, email = $3, name = $4, avatar = $5,"
                              " role = $6, balance_cents = $7, plan = $8, plan_expires_at = $9,"
                              " metadata_json = $10, updated_at = $11 WHERE id = $1",
                              p));
  if (r.affected() == 0) return absl::NotFoundError(absl::StrCat("no user ", user.id));
  return absl::OkStatus();
}

absl::Status PgOperations::DeleteUser(std::string_view id) {
  ASSIGN_OR_RETURN(std::int64_t owned, CountDevices(id));
  if (owned > 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("user ", Sv(id), " still owns ", owned, " device(s); unbind them first"));
  }
  ASSIGN_OR_RETURN(PgResult r, conn_.Exec("DELETE FROM users WHERE id = $1", PgParams().Text(id)));
  if (r.affected() == 0) return absl::NotFoundError(absl::StrCat("no user ", Sv(id)));
  return absl::OkStatus();
}

// --- Audit log ---

absl::Status PgOperations::AppendAudit(const AuditEntry& entry) {
  return conn_
      .Exec(
          "INSERT INTO audit_log (at, actor, action, target, details) VALUES ($1, $2, $3, $4, $5)",
          PgParams()
              .Int64(entry.at)
              .Text(entry.actor)
              .Text(entry.action)
              .Text(entry.target)
              .Text(entry.details_json))
      .status();
}

absl::StatusOr<std::vector<AuditEntry>> PgOperations::ListAudit(std::int64_t limit) {
  RETURN_IF_ERROR(CheckPage(0, limit));
  ASSIGN_OR_RETURN(PgResult r, conn_.Exec("SELECT seq, at, actor, action, target, details"
                                          " FROM audit_log ORDER BY seq DESC LIMIT $1",
                                          PgParams().Int64(limit)));
  std::vector<AuditEntry> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int row = 0; row < r.rows(); ++row) {
    ASSIGN_OR_RETURN(std::int64_t seq, r.Int64(row, 0));
    ASSIGN_OR_RETURN(std::int64_t at, r.Int64(row, 1));
    out.push_back({.seq = seq,
                   .at = at,
                   .actor = r.Text(row, 2),
                   .action = r.Text(row, 3),
                   .target = r.Text(row, 4),
                   .details_json = r.Text(row, 5)});
  }
  return out;
}

}  // namespace iothub::store
