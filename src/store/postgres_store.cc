#include "store/postgres_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "store/postgres_locks.h"
#include "store/postgres_migrations.h"
#include "store/schema.h"
#include "store/status_macros.h"

namespace iothub::store {
namespace {

const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& result) {
  return result.status();
}

// Marks this thread as the transaction's owner while it lives.
class OwnerScope {
 public:
  explicit OwnerScope(std::atomic<std::thread::id>& owner) : owner_(owner) {
    owner_.store(std::this_thread::get_id());
  }
  ~OwnerScope() { owner_.store(std::thread::id()); }

 private:
  std::atomic<std::thread::id>& owner_;
};

// Runs a COMMIT and checks that it did commit: PostgreSQL answers COMMIT in an aborted
// transaction with a silent ROLLBACK.
absl::Status Commit(PgConnection& conn) {
  absl::StatusOr<PgResult> done = conn.Exec("COMMIT");
  if (!done.ok()) return done.status();
  if (done->command() != "COMMIT") {
    return absl::AbortedError(absl::StrCat("transaction rolled back (", Sv(done->command()), ")"));
  }
  return absl::OkStatus();
}

}  // namespace

PostgresStore::PostgresStore(std::string url)
    : url_(std::move(url)), writer_(url_), write_ops_(writer_), reader_(url_), read_ops_(reader_) {}

PostgresStore::~PostgresStore() {
  std::lock_guard<std::mutex> lock(listener_mu_);
  listener_.reset();  // joins the listener thread before the connections go
}

absl::StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& url) {
  std::unique_ptr<PostgresStore> store(new PostgresStore(url));
  {
    std::lock_guard<std::mutex> lock(store->mu_);
    absl::StatusOr<int> version =
        MigratePostgres(store->writer_, StoreMigrations(Dialect::kPostgres));
    if (!version.ok()) return version.status();
    store->writer_pid_ = store->writer_.backend_pid();
  }
  return store;
}

bool PostgresStore::InThisThreadsTransaction() const {
  return transaction_owner_.load() == std::this_thread::get_id();
}

template <typename Op>
auto PostgresStore::Joined(Op op) -> decltype(op(std::declval<PgOperations&>())) {
  // Only the owner thread gets here, and it holds mu_ (taken by the outer Write).
  if (!writer_.connected() || writer_.connects() != transaction_connects_) {
    return absl::UnavailableError("the transaction was lost with its PostgreSQL connection");
  }
  RETURN_IF_ERROR(writer_.ExecScript("SAVEPOINT store_op"));
  auto result = op(write_ops_);
  if (!StatusOf(result).ok()) {
    // Undo this call only; the transaction stays usable for the rest of the body.
    if (writer_.connected()) {
      if (!writer_.ExecScript("ROLLBACK TO SAVEPOINT store_op; RELEASE SAVEPOINT store_op").ok()) {
        writer_.Drop();  // the outer transaction cannot commit now
      }
    }
    return result;
  }
  RETURN_IF_ERROR(writer_.ExecScript("RELEASE SAVEPOINT store_op"));
  return result;
}

template <typename Op>
auto PostgresStore::Write(Op op) -> decltype(op(std::declval<PgOperations&>())) {
  if (InThisThreadsTransaction()) return Joined(op);
  std::lock_guard<std::mutex> lock(mu_);
  writer_.DropIfInTransaction();
  RETURN_IF_ERROR(writer_.Connect());
  writer_pid_ = writer_.backend_pid();
  RETURN_IF_ERROR(writer_.ExecScript(absl::StrCat("BEGIN; SELECT pg_advisory_xact_lock(",
                                                  kPgLockNamespace, ", ", kPgWriteLock, ")")));
  transaction_connects_ = writer_.connects();
  auto result = [&] {
    OwnerScope scope(transaction_owner_);
    return op(write_ops_);
  }();
  const bool same_connection = writer_.connected() && writer_.connects() == transaction_connects_;
  if (!StatusOf(result).ok()) {
    if (same_connection && !writer_.ExecScript("ROLLBACK").ok()) writer_.Drop();
    return result;
  }
  if (!same_connection) {
    return absl::UnavailableError("the transaction was lost with its PostgreSQL connection");
  }
  if (absl::Status s = Commit(writer_); !s.ok()) {
    writer_.Drop();  // it may or may not have committed before the failure; start clean
    return s;
  }
  return result;
}

template <typename Op>
auto PostgresStore::Read(Op op) -> decltype(op(std::declval<PgOperations&>())) {
  if (InThisThreadsTransaction()) return Joined(op);
  std::lock_guard<std::mutex> lock(read_mu_);
  reader_.DropIfInTransaction();
  return op(read_ops_);
}

absl::Status PostgresStore::RunInTransaction(const std::function<absl::Status(Store&)>& body) {
  // Calls the body makes on the Store& (this store) come back on this thread and join.
  return Write([&](PgOperations&) { return body(*this); });
}

absl::Status PostgresStore::CreateDevice(const Device& device) {
  return Write([&](PgOperations& ops) { return ops.CreateDevice(device); });
}
absl::StatusOr<Device> PostgresStore::GetDevice(std::string_view id) {
  return Read([&](PgOperations& ops) { return ops.GetDevice(id); });
}
absl::StatusOr<std::vector<Device>> PostgresStore::ListDevices(
    std::int64_t offset, std::int64_t limit, std::optional<std::string_view> owner_id) {
  return Read([&](PgOperations& ops) { return ops.ListDevices(offset, limit, owner_id); });
}
absl::StatusOr<std::int64_t> PostgresStore::CountDevices(std::optional<std::string_view> owner_id) {
  return Read([&](PgOperations& ops) { return ops.CountDevices(owner_id); });
}
absl::Status PostgresStore::UpdateDevice(const Device& device) {
  return Write([&](PgOperations& ops) { return ops.UpdateDevice(device); });
}
absl::Status PostgresStore::TouchLastSeen(std::span<const LastSeen> batch) {
  return Write([&](PgOperations& ops) { return ops.TouchLastSeen(batch); });
}

absl::Status PostgresStore::InsertCertificate(const Certificate& certificate) {
  return Write([&](PgOperations& ops) { return ops.InsertCertificate(certificate); });
}
absl::StatusOr<Certificate> PostgresStore::GetCertificateByFingerprint(
    std::string_view fingerprint) {
  return Read([&](PgOperations& ops) { return ops.GetCertificateByFingerprint(fingerprint); });
}
absl::StatusOr<Certificate> PostgresStore::GetCurrentCertificate(std::string_view device_id) {
  return Read([&](PgOperations& ops) { return ops.GetCurrentCertificate(device_id); });
}
absl::StatusOr<std::vector<Certificate>> PostgresStore::ListCertificatesOfDevice(
    std::string_view device_id) {
  return Read([&](PgOperations& ops) { return ops.ListCertificatesOfDevice(device_id); });
}
absl::Status PostgresStore::RevokeCertificate(std::string_view fingerprint, std::string_view reason,
                                              UnixMillis at) {
  return Write([&](PgOperations& ops) { return ops.RevokeCertificate(fingerprint, reason, at); });
}
absl::StatusOr<std::int64_t> PostgresStore::RevokeCertificatesOfDevice(std::string_view device_id,
                                                                       std::string_view reason,
                                                                       UnixMillis at) {
  return Write(
      [&](PgOperations& ops) { return ops.RevokeCertificatesOfDevice(device_id, reason, at); });
}
absl::StatusOr<std::int64_t> PostgresStore::RevokeCertificatesIssuedToOwner(
    std::string_view device_id, std::string_view owner_id, std::string_view reason, UnixMillis at) {
  return Write([&](PgOperations& ops) {
    return ops.RevokeCertificatesIssuedToOwner(device_id, owner_id, reason, at);
  });
}
absl::StatusOr<std::vector<RevokedCertificate>> PostgresStore::ListRevokedCertificates() {
  return Read([&](PgOperations& ops) { return ops.ListRevokedCertificates(); });
}
absl::StatusOr<std::vector<CaCertificateCount>> PostgresStore::CountActiveCertificatesByCa(
    UnixMillis now) {
  return Read([&](PgOperations& ops) { return ops.CountActiveCertificatesByCa(now); });
}
absl::StatusOr<std::int64_t> PostgresStore::RevokeCertificatesSignedBy(std::string_view ca_cert_pem,
                                                                       std::string_view reason,
                                                                       UnixMillis at) {
  return Write(
      [&](PgOperations& ops) { return ops.RevokeCertificatesSignedBy(ca_cert_pem, reason, at); });
}

absl::Status PostgresStore::CreateUser(const User& user) {
  return Write([&](PgOperations& ops) { return ops.CreateUser(user); });
}
absl::StatusOr<User> PostgresStore::GetUser(std::string_view id) {
  return Read([&](PgOperations& ops) { return ops.GetUser(id); });
}
absl::StatusOr<User> PostgresStore::GetUserByEmail(std::string_view email) {
  return Read([&](PgOperations& ops) { return ops.GetUserByEmail(email); });
}
absl::StatusOr<User> PostgresStore::GetUserBySubject(std::string_view subject) {
  return Read([&](PgOperations& ops) { return ops.GetUserBySubject(subject); });
}
absl::StatusOr<std::vector<User>> PostgresStore::ListUsers(std::int64_t offset,
                                                           std::int64_t limit) {
  return Read([&](PgOperations& ops) { return ops.ListUsers(offset, limit); });
}
absl::StatusOr<std::int64_t> PostgresStore::CountUsers() {
  return Read([&](PgOperations& ops) { return ops.CountUsers(); });
}
absl::Status PostgresStore::UpdateUser(const User& user) {
  return Write([&](PgOperations& ops) { return ops.UpdateUser(user); });
}
absl::Status PostgresStore::DeleteUser(std::string_view id) {
  return Write([&](PgOperations& ops) { return ops.DeleteUser(id); });
}

absl::Status PostgresStore::AppendAudit(const AuditEntry& entry) {
  return Write([&](PgOperations& ops) { return ops.AppendAudit(entry); });
}
absl::StatusOr<std::vector<AuditEntry>> PostgresStore::ListAudit(std::int64_t limit) {
  return Read([&](PgOperations& ops) { return ops.ListAudit(limit); });
}

absl::Status PostgresStore::InsertRenewedCertificate(const Certificate& successor,
                                                     std::string_view renewing_fingerprint,
                                                     UnixMillis grace_until) {
  return Write([&](PgOperations& ops) {
    return ops.InsertRenewedCertificate(successor, renewing_fingerprint, grace_until);
  });
}
absl::StatusOr<std::int64_t> PostgresStore::EndExpiredGraces(UnixMillis now) {
  return Write([&](PgOperations& ops) { return ops.EndExpiredGraces(now); });
}
absl::StatusOr<std::vector<Device>> PostgresStore::ListDevicesExpiring(
    UnixMillis valid_to_at_most, std::int64_t offset, std::int64_t limit,
    std::optional<std::string_view> owner_id) {
  return Read([&](PgOperations& ops) {
    return ops.ListDevicesExpiring(valid_to_at_most, offset, limit, owner_id);
  });
}
absl::StatusOr<std::int64_t> PostgresStore::CountDevicesExpiring(
    UnixMillis valid_to_at_most, std::optional<std::string_view> owner_id) {
  return Read(
      [&](PgOperations& ops) { return ops.CountDevicesExpiring(valid_to_at_most, owner_id); });
}

absl::Status PostgresStore::SetClaimCode(std::string_view device_id, const StoredClaimCode& code) {
  return Write([&](PgOperations& ops) { return ops.SetClaimCode(device_id, code); });
}
absl::StatusOr<StoredClaimCode> PostgresStore::GetClaimCode(std::string_view device_id) {
  return Read([&](PgOperations& ops) { return ops.GetClaimCode(device_id); });
}
absl::Status PostgresStore::ClearClaimCode(std::string_view device_id) {
  return Write([&](PgOperations& ops) { return ops.ClearClaimCode(device_id); });
}
absl::Status PostgresStore::RecordClaimFailure(std::string_view key, UnixMillis at) {
  return Write([&](PgOperations& ops) { return ops.RecordClaimFailure(key, at); });
}
absl::StatusOr<std::vector<UnixMillis>> PostgresStore::ListClaimFailures(std::string_view key,
                                                                         UnixMillis since) {
  return Read([&](PgOperations& ops) { return ops.ListClaimFailures(key, since); });
}

absl::StatusOr<std::int64_t> PostgresStore::PruneClaimFailures(UnixMillis before) {
  return Write([&](PgOperations& ops) { return ops.PruneClaimFailures(before); });
}

absl::StatusOr<StoredAclRules> PostgresStore::ListAclRules() {
  return Read([&](PgOperations& ops) { return ops.ListAclRules(); });
}
absl::StatusOr<StoredAclRule> PostgresStore::GetAclRule(std::string_view id) {
  return Read([&](PgOperations& ops) { return ops.GetAclRule(id); });
}
absl::Status PostgresStore::InsertAclRule(const StoredAclRule& rule) {
  return Write([&](PgOperations& ops) { return ops.InsertAclRule(rule); });
}
absl::Status PostgresStore::UpdateAclRule(const StoredAclRule& rule) {
  return Write([&](PgOperations& ops) { return ops.UpdateAclRule(rule); });
}
absl::Status PostgresStore::DeleteAclRule(std::string_view id) {
  return Write([&](PgOperations& ops) { return ops.DeleteAclRule(id); });
}
absl::Status PostgresStore::MoveAclRule(std::string_view id, std::int64_t position, UnixMillis at,
                                        std::string_view by) {
  return Write([&](PgOperations& ops) { return ops.MoveAclRule(id, position, at, by); });
}
absl::StatusOr<bool> PostgresStore::ClaimAclCacheClear(std::int64_t version) {
  return Write([&](PgOperations& ops) { return ops.ClaimAclCacheClear(version); });
}

absl::StatusOr<std::shared_ptr<FleetSnapshot>> PostgresStore::LoadFleet() {
  // Inside a transaction: read through it, so the body sees its own changes.
  if (InThisThreadsTransaction()) return Joined([](PgOperations& ops) { return ops.ScanFleet(); });
  std::lock_guard<std::mutex> lock(read_mu_);
  reader_.DropIfInTransaction();
  RETURN_IF_ERROR(
      reader_.ExecScript(absl::StrCat("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"
                                      " SET LOCAL statement_timeout = ",
                                      kPgLoadFleetTimeout.count())));
  absl::StatusOr<std::shared_ptr<FleetSnapshot>> result = read_ops_.ScanFleet();
  // Read-only, so nothing to lose; but never leave the transaction open.
  if (reader_.connected() && !reader_.ExecScript(result.ok() ? "COMMIT" : "ROLLBACK").ok()) {
    reader_.Drop();
  }
  return result;
}

absl::StatusOr<std::int64_t> PostgresStore::DataVersion() {
  std::lock_guard<std::mutex> lock(listener_mu_);
  if (listener_ == nullptr) {
    listener_ = std::make_unique<PgChangeListener>(
        url_, [this](int pid) { return pid == writer_pid_.load(); });
    // A failure is reported once; the listener keeps reconnecting and bumps the
    // version when it succeeds.
    if (absl::Status s = listener_->Start(); !s.ok()) return s;
  }
  return listener_->version();
}

}  // namespace iothub::store
