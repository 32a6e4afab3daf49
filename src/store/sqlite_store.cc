#include "store/sqlite_store.h"

#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "store/schema.h"
#include "store/sqlite_setup.h"
#include "store/status_macros.h"
#include "store/transaction.h"

namespace iothub::store {
namespace {

const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& result) {
  return result.status();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path) {
  if (absl::Status s = CreateParentDirectory(path); !s.ok()) return s;

  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(path, kBusyTimeoutMs);
  if (!db.ok()) return db.status();
  if (absl::Status s = ConfigureConnection(**db); !s.ok()) return s;
  if (absl::StatusOr<int> v = Migrate(**db, StoreMigrations(Dialect::kSqlite)); !v.ok()) {
    return v.status();
  }

  // The reader opens after migrating, so it never sees a half-built schema.
  absl::StatusOr<std::unique_ptr<Database>> read_db = Database::Open(path, kBusyTimeoutMs);
  if (!read_db.ok()) return read_db.status();
  if (absl::Status s = ConfigureConnection(**read_db); !s.ok()) return s;
  if (absl::Status s = (*read_db)->Execute("PRAGMA query_only = ON"); !s.ok()) return s;

  return std::unique_ptr<SqliteStore>(new SqliteStore(*std::move(db), *std::move(read_db)));
}

SqliteStore::SqliteStore(std::unique_ptr<Database> db, std::unique_ptr<Database> read_db)
    : db_(std::move(db)), ops_(*db_), read_db_(std::move(read_db)), read_ops_(*read_db_) {}

template <typename Op>
auto SqliteStore::Write(Op op) -> decltype(op(std::declval<ConnectionStore&>())) {
  if (transaction_owner_.load() == std::this_thread::get_id()) {
    // Re-entered from a RunInTransaction body on this thread: join. Each
    // ConnectionStore call is atomic by itself, so a failure leaves nothing behind.
    return op(ops_);
  }
  std::lock_guard<std::mutex> lock(mu_);
  Transaction transaction(*db_);
  if (absl::Status s = transaction.Begin(); !s.ok()) return s;
  struct OwnerScope {  // marks this thread as the owner while `op` runs
    std::atomic<std::thread::id>& owner;
    explicit OwnerScope(std::atomic<std::thread::id>& o) : owner(o) {
      owner.store(std::this_thread::get_id());
    }
    ~OwnerScope() { owner.store(std::thread::id()); }
  };
  auto result = [&] {
    OwnerScope scope(transaction_owner_);
    return op(ops_);
  }();
  if (!StatusOf(result).ok()) return result;  // ~Transaction rolls back
  if (absl::Status s = transaction.Commit(); !s.ok()) return s;
  return result;
}

template <typename Op>
auto SqliteStore::Read(Op op) -> decltype(op(std::declval<ConnectionStore&>())) {
  if (transaction_owner_.load() == std::this_thread::get_id()) return op(ops_);
  std::lock_guard<std::mutex> lock(mu_);
  return op(ops_);
}

absl::Status SqliteStore::RunInTransaction(const std::function<absl::Status(Store&)>& body) {
  return Write([&](ConnectionStore& ops) { return ops.RunInTransaction(body); });
}

absl::Status SqliteStore::CreateDevice(const Device& device) {
  return Write([&](ConnectionStore& ops) { return ops.CreateDevice(device); });
}
absl::StatusOr<Device> SqliteStore::GetDevice(std::string_view id) {
  return Read([&](ConnectionStore& ops) { return ops.GetDevice(id); });
}
absl::StatusOr<std::vector<Device>> SqliteStore::ListDevices(
    std::int64_t offset, std::int64_t limit, std::optional<std::string_view> owner_id) {
  return Read([&](ConnectionStore& ops) { return ops.ListDevices(offset, limit, owner_id); });
}
absl::StatusOr<std::int64_t> SqliteStore::CountDevices(std::optional<std::string_view> owner_id) {
  return Read([&](ConnectionStore& ops) { return ops.CountDevices(owner_id); });
}
absl::Status SqliteStore::UpdateDevice(const Device& device) {
  return Write([&](ConnectionStore& ops) { return ops.UpdateDevice(device); });
}
absl::Status SqliteStore::TouchLastSeen(std::span<const LastSeen> batch) {
  return Write([&](ConnectionStore& ops) { return ops.TouchLastSeen(batch); });
}

absl::Status SqliteStore::InsertCertificate(const Certificate& certificate) {
  return Write([&](ConnectionStore& ops) { return ops.InsertCertificate(certificate); });
}
absl::StatusOr<Certificate> SqliteStore::GetCertificateByFingerprint(std::string_view fingerprint) {
  return Read([&](ConnectionStore& ops) { return ops.GetCertificateByFingerprint(fingerprint); });
}
absl::StatusOr<Certificate> SqliteStore::GetCurrentCertificate(std::string_view device_id) {
  return Read([&](ConnectionStore& ops) { return ops.GetCurrentCertificate(device_id); });
}
absl::StatusOr<std::vector<Certificate>> SqliteStore::ListCertificatesOfDevice(
    std::string_view device_id) {
  return Read([&](ConnectionStore& ops) { return ops.ListCertificatesOfDevice(device_id); });
}
absl::Status SqliteStore::RevokeCertificate(std::string_view fingerprint, std::string_view reason,
                                            UnixMillis at) {
  return Write(
      [&](ConnectionStore& ops) { return ops.RevokeCertificate(fingerprint, reason, at); });
}
absl::StatusOr<std::int64_t> SqliteStore::RevokeCertificatesOfDevice(std::string_view device_id,
                                                                     std::string_view reason,
                                                                     UnixMillis at) {
  return Write(
      [&](ConnectionStore& ops) { return ops.RevokeCertificatesOfDevice(device_id, reason, at); });
}
absl::StatusOr<std::int64_t> SqliteStore::RevokeCertificatesIssuedToOwner(
    std::string_view device_id, std::string_view owner_id, std::string_view reason, UnixMillis at) {
  return Write([&](ConnectionStore& ops) {
    return ops.RevokeCertificatesIssuedToOwner(device_id, owner_id, reason, at);
  });
}
absl::StatusOr<std::vector<RevokedCertificate>> SqliteStore::ListRevokedCertificates() {
  return Read([&](ConnectionStore& ops) { return ops.ListRevokedCertificates(); });
}
absl::StatusOr<std::vector<CaCertificateCount>> SqliteStore::CountActiveCertificatesByCa(
    UnixMillis now) {
  return Read([&](ConnectionStore& ops) { return ops.CountActiveCertificatesByCa(now); });
}
absl::StatusOr<std::int64_t> SqliteStore::RevokeCertificatesSignedBy(std::string_view ca_cert_pem,
                                                                     std::string_view reason,
                                                                     UnixMillis at) {
  return Write([&](ConnectionStore& ops) {
    return ops.RevokeCertificatesSignedBy(ca_cert_pem, reason, at);
  });
}

absl::Status SqliteStore::CreateUser(const User& user) {
  return Write([&](ConnectionStore& ops) { return ops.CreateUser(user); });
}
absl::StatusOr<User> SqliteStore::GetUser(std::string_view id) {
  return Read([&](ConnectionStore& ops) { return ops.GetUser(id); });
}
absl::StatusOr<User> SqliteStore::GetUserByEmail(std::string_view email) {
  return Read([&](ConnectionStore& ops) { return ops.GetUserByEmail(email); });
}
absl::StatusOr<User> SqliteStore::GetUserBySubject(std::string_view subject) {
  return Read([&](ConnectionStore& ops) { return ops.GetUserBySubject(subject); });
}
absl::StatusOr<std::vector<User>> SqliteStore::ListUsers(std::int64_t offset, std::int64_t limit) {
  return Read([&](ConnectionStore& ops) { return ops.ListUsers(offset, limit); });
}
absl::StatusOr<std::int64_t> SqliteStore::CountUsers() {
  return Read([&](ConnectionStore& ops) { return ops.CountUsers(); });
}
absl::Status SqliteStore::UpdateUser(const User& user) {
  return Write([&](ConnectionStore& ops) { return ops.UpdateUser(user); });
}
absl::Status SqliteStore::DeleteUser(std::string_view id) {
  return Write([&](ConnectionStore& ops) { return ops.DeleteUser(id); });
}

absl::Status SqliteStore::AppendAudit(const AuditEntry& entry) {
  return Write([&](ConnectionStore& ops) { return ops.AppendAudit(entry); });
}
absl::StatusOr<std::vector<AuditEntry>> SqliteStore::ListAudit(std::int64_t limit) {
  return Read([&](ConnectionStore& ops) { return ops.ListAudit(limit); });
}

absl::Status SqliteStore::InsertRenewedCertificate(const Certificate& successor,
                                                   std::string_view renewing_fingerprint,
                                                   UnixMillis grace_until) {
  return Write([&](ConnectionStore& ops) {
    return ops.InsertRenewedCertificate(successor, renewing_fingerprint, grace_until);
  });
}
absl::StatusOr<std::int64_t> SqliteStore::EndExpiredGraces(UnixMillis now) {
  return Write([&](ConnectionStore& ops) { return ops.EndExpiredGraces(now); });
}
absl::StatusOr<std::vector<Device>> SqliteStore::ListDevicesExpiring(
    UnixMillis valid_to_at_most, std::int64_t offset, std::int64_t limit,
    std::optional<std::string_view> owner_id) {
  return Read([&](ConnectionStore& ops) {
    return ops.ListDevicesExpiring(valid_to_at_most, offset, limit, owner_id);
  });
}
absl::StatusOr<std::int64_t> SqliteStore::CountDevicesExpiring(
    UnixMillis valid_to_at_most, std::optional<std::string_view> owner_id) {
  return Read(
      [&](ConnectionStore& ops) { return ops.CountDevicesExpiring(valid_to_at_most, owner_id); });
}

absl::Status SqliteStore::SetClaimCode(std::string_view device_id, const StoredClaimCode& code) {
  return Write([&](ConnectionStore& ops) { return ops.SetClaimCode(device_id, code); });
}
absl::StatusOr<StoredClaimCode> SqliteStore::GetClaimCode(std::string_view device_id) {
  return Read([&](ConnectionStore& ops) { return ops.GetClaimCode(device_id); });
}
absl::Status SqliteStore::ClearClaimCode(std::string_view device_id) {
  return Write([&](ConnectionStore& ops) { return ops.ClearClaimCode(device_id); });
}
absl::Status SqliteStore::RecordClaimFailure(std::string_view key, UnixMillis at) {
  return Write([&](ConnectionStore& ops) { return ops.RecordClaimFailure(key, at); });
}
absl::StatusOr<std::vector<UnixMillis>> SqliteStore::ListClaimFailures(std::string_view key,
                                                                       UnixMillis since) {
  return Read([&](ConnectionStore& ops) { return ops.ListClaimFailures(key, since); });
}

absl::StatusOr<std::int64_t> SqliteStore::PruneClaimFailures(UnixMillis before) {
  return Write([&](ConnectionStore& ops) { return ops.PruneClaimFailures(before); });
}

absl::StatusOr<StoredAclRules> SqliteStore::ListAclRules() {
  return Read([&](ConnectionStore& ops) { return ops.ListAclRules(); });
}
absl::StatusOr<StoredAclRule> SqliteStore::GetAclRule(std::string_view id) {
  return Read([&](ConnectionStore& ops) { return ops.GetAclRule(id); });
}
absl::Status SqliteStore::InsertAclRule(const StoredAclRule& rule) {
  return Write([&](ConnectionStore& ops) { return ops.InsertAclRule(rule); });
}
absl::Status SqliteStore::UpdateAclRule(const StoredAclRule& rule) {
  return Write([&](ConnectionStore& ops) { return ops.UpdateAclRule(rule); });
}
absl::Status SqliteStore::DeleteAclRule(std::string_view id) {
  return Write([&](ConnectionStore& ops) { return ops.DeleteAclRule(id); });
}
absl::Status SqliteStore::MoveAclRule(std::string_view id, std::int64_t position, UnixMillis at,
                                      std::string_view by) {
  return Write([&](ConnectionStore& ops) { return ops.MoveAclRule(id, position, at, by); });
}
absl::StatusOr<bool> SqliteStore::ClaimAclCacheClear(std::int64_t version) {
  return Write([&](ConnectionStore& ops) { return ops.ClaimAclCacheClear(version); });
}

absl::StatusOr<std::shared_ptr<FleetSnapshot>> SqliteStore::LoadFleet() {
  // Inside a transaction: read through it, so the body sees its own changes.
  if (transaction_owner_.load() == std::this_thread::get_id()) return ops_.LoadFleet();
  std::lock_guard<std::mutex> lock(read_mu_);
  return read_ops_.LoadFleet();
}

absl::StatusOr<std::int64_t> SqliteStore::DataVersion() {
  // On the write connection: the reader would also count this store's own commits.
  return Read([&](ConnectionStore& ops) { return ops.DataVersion(); });
}

}  // namespace iothub::store
