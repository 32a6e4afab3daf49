#include "store/connection_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "store/input_checks.h"
#include "store/status_macros.h"

namespace iothub::store {
namespace {

// Column lists; the readers below depend on their order.
// devices: 0 id, 1 model, 2 public_key, 3 owner_id, 4 status, 5 firmware_version,
//          6 last_seen_at, 7 created_at
#define DEVICE_COLUMNS \
  "id, model, public_key, owner_id, status, firmware_version, last_seen_at, created_at"
// certificates: 0 id, 1 device_id, 2 client_cert_pem, 3 ca_cert_pem, 4 fingerprint,
//               5 serial_number, 6 valid_from, 7 valid_to, 8 created_at, 9 revoked_at,
//               10 revocation_reason, 11 owner_at_issue, 12 grace_until
#define CERTIFICATE_COLUMNS                                                               \
  "id, device_id, client_cert_pem, ca_cert_pem, fingerprint, serial_number, valid_from, " \
  "valid_to, created_at, revoked_at, revocation_reason, owner_at_issue, grace_until"
// users: 0 id, 1 subject, 2 email, 3 name, 4 avatar, 5 role, 6 balance_cents, 7 plan,
//        8 plan_expires_at, 9 metadata_json, 10 created_at, 11 updated_at
#define USER_COLUMNS                                                               \
  "id, subject, email, name, avatar, role, balance_cents, plan, plan_expires_at, " \
  "metadata_json, created_at, updated_at"

absl::StatusOr<Device> ReadDevice(const Statement& s) {
  Device d;
  d.id = s.ColumnText(0);
  d.model = s.ColumnText(1);
  d.public_key = s.ColumnText(2);
  d.owner_id = s.ColumnOptionalText(3);
  std::optional<DeviceStatus> status = ParseDeviceStatus(s.ColumnTextView(4));
  if (!status) return absl::InternalError(absl::StrCat("device ", d.id, ": bad status"));
  d.status = *status;
  d.firmware_version = s.ColumnOptionalText(5);
  d.last_seen_at = s.ColumnOptionalInt64(6);
  d.created_at = s.ColumnInt64(7);
  return d;
}

Certificate ReadCertificate(const Statement& s) {
  Certificate c;
  c.id = s.ColumnText(0);
  c.device_id = s.ColumnText(1);
  c.client_cert_pem = s.ColumnText(2);
  c.ca_cert_pem = s.ColumnText(3);
  c.fingerprint = s.ColumnText(4);
  c.serial_number = s.ColumnText(5);
  c.valid_from = s.ColumnInt64(6);
  c.valid_to = s.ColumnInt64(7);
  c.created_at = s.ColumnInt64(8);
  c.revoked_at = s.ColumnOptionalInt64(9);
  c.revocation_reason = s.ColumnOptionalText(10);
  c.owner_at_issue = s.ColumnOptionalText(11);
  c.grace_until = s.ColumnOptionalInt64(12);
  return c;
}

// Every row of a statement, each read by `read`.
template <typename T>
absl::StatusOr<std::vector<T>> ReadRows(Statement& s, absl::StatusOr<T> (*read)(const Statement&)) {
  std::vector<T> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(T item, read(s));
    out.push_back(std::move(item));
  }
  return out;
}

absl::StatusOr<User> ReadUser(const Statement& s) {
  User u;
  u.id = s.ColumnText(0);
  u.subject = s.ColumnOptionalText(1).value_or("");
  u.email = s.ColumnText(2);
  u.name = s.ColumnText(3);
  u.avatar = s.ColumnOptionalText(4);
  std::optional<Role> role = ParseRole(s.ColumnTextView(5));
  if (!role) return absl::InternalError(absl::StrCat("user ", u.id, ": bad role"));
  u.role = *role;
  u.balance_cents = s.ColumnInt64(6);
  u.plan = s.ColumnText(7);
  u.plan_expires_at = s.ColumnOptionalInt64(8);
  u.metadata_json = s.ColumnText(9);
  u.created_at = s.ColumnInt64(10);
  u.updated_at = s.ColumnInt64(11);
  return u;
}

// Binds the device columns after id as ?2..?7 (model .. last_seen_at).
void BindDeviceFields(Statement& s, const Device& d) {
  s.BindText(2, d.model);
  s.BindText(3, d.public_key);
  s.BindOptionalText(4, d.owner_id);
  s.BindText(5, ToString(d.status));
  s.BindOptionalText(6, d.firmware_version);
  s.BindOptionalInt64(7, d.last_seen_at);
}

// Binds the user columns after id as ?2..?10 (subject .. metadata_json), ?11 updated_at.
void BindUserFields(Statement& s, const User& u) {
  if (u.subject.empty()) {
    s.BindNull(2);  // "no subject": NULLs never collide under UNIQUE
  } else {
    s.BindText(2, u.subject);
  }
  s.BindText(3, u.email);
  s.BindText(4, u.name);
  s.BindOptionalText(5, u.avatar);
  s.BindText(6, ToString(u.role));
  s.BindInt64(7, u.balance_cents);
  s.BindText(8, u.plan);
  s.BindOptionalInt64(9, u.plan_expires_at);
  s.BindText(10, u.metadata_json);
  s.BindInt64(11, u.updated_at);
}

// Runs a statement expected to return exactly one row of one integer.
absl::StatusOr<std::int64_t> ScalarInt64(Statement& s) {
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return absl::InternalError(absl::StrCat("no row from `", Sv(s.sql()), "`"));
  return s.ColumnInt64(0);
}

}  // namespace

namespace {
// Runs one constant statement from the cache (cheaper than re-parsing with Execute).
absl::Status RunCached(Database& db, std::string_view sql) {
  ASSIGN_OR_RETURN(Statement s, db.GetCachedStatement(sql));
  return s.Run();
}
}  // namespace

absl::Status ConnectionStore::Atomically(const std::function<absl::Status()>& op) {
  // The savepoint name is a constant; nested savepoints of the same name are fine
  // (ROLLBACK TO and RELEASE address the innermost).
  RETURN_IF_ERROR(RunCached(db_, "SAVEPOINT store_op"));
  absl::Status status = op();
  if (!status.ok()) {
    RunCached(db_, "ROLLBACK TO store_op").IgnoreError();
    RunCached(db_, "RELEASE store_op").IgnoreError();
    return status;
  }
  return RunCached(db_, "RELEASE store_op");
}

absl::Status ConnectionStore::RunInTransaction(const std::function<absl::Status(Store&)>& body) {
  return Atomically([&] { return body(*this); });
}

// --- Devices ---

absl::Status ConnectionStore::CreateDevice(const Device& device) {
  ASSIGN_OR_RETURN(Statement s,
                   db_.GetCachedStatement("INSERT INTO devices (" DEVICE_COLUMNS
                                          ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  s.BindText(1, device.id);
  BindDeviceFields(s, device);
  s.BindInt64(8, device.created_at);
  return s.Run();
}

absl::StatusOr<Device> ConnectionStore::GetDevice(std::string_view id) {
  ASSIGN_OR_RETURN(Statement s,
                   db_.GetCachedStatement("SELECT " DEVICE_COLUMNS " FROM devices WHERE id = ?1"));
  s.BindText(1, id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return absl::NotFoundError(absl::StrCat("no device ", Sv(id)));
  return ReadDevice(s);
}

absl::StatusOr<std::vector<Device>> ConnectionStore::ListDevices(
    std::int64_t offset, std::int64_t limit, std::optional<std::string_view> owner_id) {
  RETURN_IF_ERROR(CheckPage(offset, limit));
  // Two statements rather than "?3 IS NULL OR owner_id = ?3", which would defeat the
  // owner index.
  ASSIGN_OR_RETURN(
      Statement s,
      owner_id
          ? db_.GetCachedStatement("SELECT " DEVICE_COLUMNS " FROM devices WHERE owner_id = ?3"
                                   " ORDER BY created_at, id LIMIT ?2 OFFSET ?1")
          : db_.GetCachedStatement("SELECT " DEVICE_COLUMNS " FROM devices ORDER BY created_at, id"
                                   " LIMIT ?2 OFFSET ?1"));
  s.BindInt64(1, offset);
  s.BindInt64(2, limit);
  if (owner_id) s.BindText(3, *owner_id);
  return ReadRows<Device>(s, ReadDevice);
}

absl::StatusOr<std::int64_t> ConnectionStore::CountDevices(
    std::optional<std::string_view> owner_id) {
  ASSIGN_OR_RETURN(Statement s, owner_id ? db_.GetCachedStatement(
                                               "SELECT COUNT(*) FROM devices WHERE owner_id = ?1")
                                         : db_.GetCachedStatement("SELECT COUNT(*) FROM devices"));
  if (owner_id) s.BindText(1, *owner_id);
  return ScalarInt64(s);
}

// The devices whose current certificate (unrevoked, not in grace) ends by ?1.
#define EXPIRING_DEVICES                                                     \
  " FROM devices WHERE status <> 'revoked' AND id IN (SELECT device_id FROM" \
  " certificates WHERE revoked_at IS NULL AND grace_until IS NULL AND valid_to <= ?1)"

absl::StatusOr<std::vector<Device>> ConnectionStore::ListDevicesExpiring(
    UnixMillis valid_to_at_most, std::int64_t offset, std::int64_t limit,
    std::optional<std::string_view> owner_id) {
  RETURN_IF_ERROR(CheckPage(offset, limit));
  ASSIGN_OR_RETURN(
      Statement s,
      owner_id
          ? db_.GetCachedStatement("SELECT " DEVICE_COLUMNS EXPIRING_DEVICES " AND owner_id = ?4"
                                   " ORDER BY created_at, id LIMIT ?3 OFFSET ?2")
          : db_.GetCachedStatement("SELECT " DEVICE_COLUMNS EXPIRING_DEVICES
                                   " ORDER BY created_at, id LIMIT ?3 OFFSET ?2"));
  s.BindInt64(1, valid_to_at_most);
  s.BindInt64(2, offset);
  s.BindInt64(3, limit);
  if (owner_id) s.BindText(4, *owner_id);
  return ReadRows<Device>(s, ReadDevice);
}

absl::StatusOr<std::int64_t> ConnectionStore::CountDevicesExpiring(
    UnixMillis valid_to_at_most, std::optional<std::string_view> owner_id) {
  ASSIGN_OR_RETURN(
      Statement s,
      owner_id ? db_.GetCachedStatement("SELECT COUNT(*)" EXPIRING_DEVICES " AND owner_id = ?2")
               : db_.GetCachedStatement("SELECT COUNT(*)" EXPIRING_DEVICES));
  s.BindInt64(1, valid_to_at_most);
  if (owner_id) s.BindText(2, *owner_id);
  return ScalarInt64(s);
}

absl::Status ConnectionStore::UpdateDevice(const Device& device) {
  ASSIGN_OR_RETURN(Statement s,
                   db_.GetCachedStatement("UPDATE devices SET model = ?2, public_key = ?3,"
                                          " owner_id = ?4, status = ?5, firmware_version = ?6,"
                                          " last_seen_at = ?7 WHERE id = ?1"));
  s.BindText(1, device.id);
  BindDeviceFields(s, device);
  RETURN_IF_ERROR(s.Run());
  if (db_.Changes() == 0) return absl::NotFoundError(absl::StrCat("no device ", device.id));
  return absl::OkStatus();
}

absl::Status ConnectionStore::TouchLastSeen(std::span<const LastSeen> batch) {
  return Atomically([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Statement s,
                     db_.GetCachedStatement("UPDATE devices SET last_seen_at = ?2 WHERE id = ?1"
                                            " AND (last_seen_at IS NULL OR last_seen_at < ?2)"));
    for (const LastSeen& seen : batch) {
      s.BindText(1, seen.device_id);
      s.BindInt64(2, seen.at);
      RETURN_IF_ERROR(s.Run());
      s.Reset();
    }
    return absl::OkStatus();
  });
}

// --- Certificates ---

absl::Status ConnectionStore::InsertCertificateRow(const Certificate& certificate,
                                                   std::string_view fingerprint) {
  ASSIGN_OR_RETURN(Statement s, db_.GetCachedStatement(
                                    "INSERT INTO certificates (" CERTIFICATE_COLUMNS
                                    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
                                    " ?13)"));
  s.BindText(1, certificate.id);
  s.BindText(2, certificate.device_id);
  s.BindText(3, certificate.client_cert_pem);
  s.BindText(4, certificate.ca_cert_pem);
  s.BindText(5, fingerprint);
  s.BindText(6, certificate.serial_number);
  s.BindInt64(7, certificate.valid_from);
  s.BindInt64(8, certificate.valid_to);
  s.BindInt64(9, certificate.created_at);
  s.BindOptionalInt64(10, certificate.revoked_at);
  s.BindOptionalText(11, certificate.revocation_reason);
  s.BindOptionalText(12, certificate.owner_at_issue);
  s.BindOptionalInt64(13, certificate.grace_until);
  return s.Run();
}

absl::Status ConnectionStore::InsertCertificate(const Certificate& certificate) {
  ASSIGN_OR_RETURN(std::string fingerprint, CanonicalFingerprint(certificate.fingerprint));
  return Atomically([&]() -> absl::Status {
    RETURN_IF_ERROR(InsertCertificateRow(certificate, fingerprint));
    if (certificate.revoked_at) return absl::OkStatus();  // not current: replaces nothing
    // The new certificate becomes the device's current one; older ones are superseded.
    ASSIGN_OR_RETURN(Statement s,
                     db_.GetCachedStatement("UPDATE certificates SET revoked_at = ?3,"
                                            " revocation_reason = ?4 WHERE device_id = ?1"
                                            " AND id <> ?2 AND revoked_at IS NULL"));
    s.BindText(1, certificate.device_id);
    s.BindText(2, certificate.id);
    s.BindInt64(3, certificate.created_at);
    s.BindText(4, kSupersededReason);
    return s.Run();
  });
}

absl::StatusOr<Certificate> ConnectionStore::GetCertificateByFingerprint(
    std::string_view fingerprint) {
  ASSIGN_OR_RETURN(std::string canonical, CanonicalFingerprint(fingerprint));
  ASSIGN_OR_RETURN(Statement s,
                   db_.GetCachedStatement("SELECT " CERTIFICATE_COLUMNS
                                          " FROM certificates WHERE fingerprint = ?1"));
  s.BindText(1, canonical);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return absl::NotFoundError(absl::StrCat("no certificate ", canonical));
  return ReadCertificate(s);
}

absl::StatusOr<Certificate> ConnectionStore::GetCurrentCertificate(std::string_view device_id) {
  ASSIGN_OR_RETURN(Statement s, db_.GetCachedStatement(
                                    "SELECT " CERTIFICATE_COLUMNS
                                    " FROM certificates WHERE device_id = ?1 AND revoked_at IS NULL"
                                    " ORDER BY created_at DESC, rowid DESC LIMIT 1"));
  s.BindText(1, device_id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return absl::NotFoundError(absl::StrCat("no current certificate for ", Sv(device_id)));
  return ReadCertificate(s);
}

absl::StatusOr<std::vector<Certificate>> ConnectionStore::ListCertificatesOfDevice(
    std::string_view device_id) {
  ASSIGN_OR_RETURN(Statement s, db_.GetCachedStatement("SELECT " CERTIFICATE_COLUMNS
                                                       " FROM certificates WHERE device_id = ?1"
                                                       " ORDER BY created_at DESC, rowid DESC"));
  s.BindText(1, device_id);
  std::vector<Certificate> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(ReadCertificate(s));
  }
  return out;
}

absl::Status ConnectionStore::RevokeCertificate(std::string_view fingerprint,
                                                std::string_view reason, UnixMillis at) {
  ASSIGN_OR_RETURN(std::string canonical, CanonicalFingerprint(fingerprint));
  {
    ASSIGN_OR_RETURN(Statement s,
                     db_.GetCachedStatement("UPDATE certificates SET revoked_at = ?2,"
                                            " revocation_reason = ?3"
                                            " WHERE fingerprint = ?1 AND revoked_at IS NULL"));
    s.BindText(1, canonical);
    s.BindInt64(2, at);
    s.BindText(3, reason);
    RETURN_IF_ERROR(s.Run());
    if (db_.Changes() > 0) return absl::OkStatus();
  }
  // Nothing changed: already revoked (a no-op) or unknown.
  ASSIGN_OR_RETURN(Statement s,
                   db_.GetCachedStatement("SELECT 1 FROM certificates WHERE fingerprint = ?1"));
  s.BindText(1, canonical);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return absl::NotFoundError(absl::StrCat("no certificate ", canonical));
  return absl::OkStatus();
}

// --- Users ---

absl::Status ConnectionStore::CreateUser(const User& user) {
  ASSIGN_OR_RETURN(
      Statement s,
      db_.GetCachedStatement("INSERT INTO users (" USER_COLUMNS
                             ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?12, ?11)"));
  s.BindText(1, user.id);
  BindUserFields(s, user);
  s.BindInt64(12, user.created_at);
  return s.Run();
}

namespace {
// Runs a SELECT of USER_COLUMNS with one bound key and reads the one row.
absl::StatusOr<User> QueryOneUser(Database& db, std::string_view sql, std::string_view key,
                                  std::string_view what) {
  ASSIGN_OR_RETURN(Statement s, db.GetCachedStatement(sql));
  s.BindText(1, key);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return absl::NotFoundError(absl::StrCat("no user with ", Sv(what), " ", Sv(key)));
  return ReadUser(s);
}
}  // namespace

absl::StatusOr<User> ConnectionStore::GetUser(std::string_view id) {
  return QueryOneUser(db_, "SELECT " USER_COLUMNS " FROM users WHERE id = ?1", id, "id");
}

absl::StatusOr<User> ConnectionStore::GetUserByEmail(std::string_view email) {
  // The column's NOCASE collation applies to this comparison and its index.
  return QueryOneUser(db_, "SELECT " USER_COLUMNS " FROM users WHERE email = ?1", email, "email");
}

absl::StatusOr<User> ConnectionStore::GetUserBySubject(std::string_view subject) {
  if (subject.empty()) return absl::NotFoundError("empty subject");
  return QueryOneUser(db_, "SELECT " USER_COLUMNS " FROM users WHERE subject = ?1", subject,
                      "subject");
}

absl::StatusOr<std::vector<User>> ConnectionStore::ListUsers(std::int64_t offset,
                                                             std::int64_t limit) {
  RETURN_IF_ERROR(CheckPage(offset, limit));
  ASSIGN_OR_RETURN(Statement s, db_.GetCachedStatement(
                                    "SELECT " USER_COLUMNS
                                    " FROM users ORDER BY created_at, id LIMIT ?2 OFFSET ?1"));
  s.BindInt64(1, offset);
  s.BindInt64(2, limit);
  return ReadRows<User>(s, ReadUser);
}

absl::StatusOr<std::int64_t> ConnectionStore::CountUsers() {
  ASSIGN_OR_RETURN(Statement s, db_.GetCachedStatement("SELECT COUNT(*) FROM users"));
  return ScalarInt64(s);
}

absl::Status ConnectionStore::UpdateUser(const User& user) {
  ASSIGN_OR_RETURN(Statement s,
                   db_.GetCachedStatement("UPDATE users SET subject = ?2, email = ?3, name = ?4,"
                                          " avatar = ?5, role = ?6, balance_cents = ?7, plan = ?8,"
                                          " plan_expires_at = ?9, metadata_json = ?10,"
                                          " updated_at = ?11 WHERE id = ?1"));
  s.BindText(1, user.id);
  BindUserFields(s, user);
  RETURN_IF_ERROR(s.Run());
  if (db_.Changes() == 0) return absl::NotFoundError(absl::StrCat("no user ", user.id));
  return absl::OkStatus();
}

absl::Status ConnectionStore::DeleteUser(std::string_view id) {
  {
    ASSIGN_OR_RETURN(std::int64_t owned, CountDevices(id));
    if (owned > 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("user ", Sv(id), " still owns ", owned, " device(s); unbind them first"));
    }
  }
  ASSIGN_OR_RETURN(Statement s, db_.GetCachedStatement("DELETE FROM users WHERE id = ?1"));
  s.BindText(1, id);
  RETURN_IF_ERROR(s.Run());
  if (db_.Changes() == 0) return absl::NotFoundError(absl::StrCat("no user ", Sv(id)));
  return absl::OkStatus();
}

// --- Audit log ---

absl::Status ConnectionStore::AppendAudit(const AuditEntry& entry) {
  ASSIGN_OR_RETURN(Statement s, db_.GetCachedStatement(
                                    "INSERT INTO audit_log (at, actor, action, target, details)"
                                    " VALUES (?1, ?2, ?3, ?4, ?5)"));
  s.BindInt64(1, entry.at);
  s.BindText(2, entry.actor);
  s.BindText(3, entry.action);
  s.BindText(4, entry.target);
  s.BindText(5, entry.details_json);
  return s.Run();
}

absl::StatusOr<std::vector<AuditEntry>> ConnectionStore::ListAudit(std::int64_t limit) {
  RETURN_IF_ERROR(CheckPage(0, limit));
  ASSIGN_OR_RETURN(Statement s,
                   db_.GetCachedStatement("SELECT seq, at, actor, action, target, details"
                                          " FROM audit_log ORDER BY seq DESC LIMIT ?1"));
  s.BindInt64(1, limit);
  std::vector<AuditEntry> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back({.seq = s.ColumnInt64(0),
                   .at = s.ColumnInt64(1),
                   .actor = s.ColumnText(2),
                   .action = s.ColumnText(3),
                   .target = s.ColumnText(4),
                   .details_json = s.ColumnText(5)});
  }
  return out;
}

absl::StatusOr<std::int64_t> ConnectionStore::DataVersion() {
  ASSIGN_OR_RETURN(Statement s, db_.GetCachedStatement("PRAGMA data_version"));
  return ScalarInt64(s);
}

}  // namespace iothub::store
