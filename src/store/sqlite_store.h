// SqliteStore: the Store on one SQLite file (WAL mode), the hub's only backend so far.
//
// Thread-safe. All calls share one write connection guarded by a mutex, so they run one
// at a time; each mutating call is its own BEGIN IMMEDIATE transaction. LoadFleet, the
// one long read, uses a second, read-only connection with its own mutex, so reloading a
// large fleet does not stall writers (WAL lets a reader and a writer run together).
// Other processes (the CLI) may use the same file: writers wait for each other up to
// the busy timeout (5 s), then fail with Unavailable.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "store/connection_store.h"
#include "store/database.h"
#include "store/store.h"

namespace iothub::store {

class SqliteStore final : public Store {
 public:
  static constexpr int kBusyTimeoutMs = 5000;

  // Opens or creates the database at `path` (creating its parent directory), sets
  // journal_mode=WAL, synchronous=NORMAL, foreign_keys=ON and the busy timeout, and
  // applies the schema migrations. Fails with FailedPrecondition when the file was
  // written by a newer schema version than this build knows.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const std::string& path);

  ~SqliteStore() override = default;

  // Store
  // The body runs with this store's lock held. It should use the Store& it is given; a
  // call on this SqliteStore from the same thread also joins (no deadlock), but calls
  // from other threads wait until the body returns.
  absl::Status RunInTransaction(const std::function<absl::Status(Store&)>& body) override;
  absl::Status CreateDevice(const Device& device) override;
  absl::StatusOr<Device> GetDevice(std::string_view id) override;
  absl::StatusOr<std::vector<Device>> ListDevices(
      std::int64_t offset, std::int64_t limit, std::optional<std::string_view> owner_id) override;
  absl::StatusOr<std::int64_t> CountDevices(std::optional<std::string_view> owner_id) override;
  absl::Status UpdateDevice(const Device& device) override;
  absl::Status TouchLastSeen(std::span<const LastSeen> batch) override;
  absl::Status InsertCertificate(const Certificate& certificate) override;
  absl::StatusOr<Certificate> GetCertificateByFingerprint(std::string_view fingerprint) override;
  absl::StatusOr<Certificate> GetCurrentCertificate(std::string_view device_id) override;
  absl::StatusOr<std::vector<Certificate>> ListCertificatesOfDevice(
      std::string_view device_id) override;
  absl::Status RevokeCertificate(std::string_view fingerprint, std::string_view reason,
                                 UnixMillis at) override;
  absl::StatusOr<std::int64_t> RevokeCertificatesOfDevice(std::string_view device_id,
                                                          std::string_view reason,
                                                          UnixMillis at) override;
  absl::StatusOr<std::int64_t> RevokeCertificatesIssuedToOwner(std::string_view device_id,
                                                               std::string_view owner_id,
                                                               std::string_view reason,
                                                               UnixMillis at) override;
  absl::StatusOr<std::vector<RevokedCertificate>> ListRevokedCertificates() override;
  absl::Status InsertRenewedCertificate(const Certificate& successor,
                                        std::string_view renewing_fingerprint,
                                        UnixMillis grace_until) override;
  absl::StatusOr<std::int64_t> EndExpiredGraces(UnixMillis now) override;
  absl::StatusOr<std::vector<Device>> ListDevicesExpiring(
      UnixMillis valid_to_at_most, std::int64_t offset, std::int64_t limit,
      std::optional<std::string_view> owner_id) override;
  absl::StatusOr<std::int64_t> CountDevicesExpiring(
      UnixMillis valid_to_at_most, std::optional<std::string_view> owner_id) override;
  absl::StatusOr<std::vector<CaCertificateCount>> CountActiveCertificatesByCa(
      UnixMillis now) override;
  absl::StatusOr<std::int64_t> RevokeCertificatesSignedBy(std::string_view ca_cert_pem,
                                                          std::string_view reason,
                                                          UnixMillis at) override;
  absl::Status CreateUser(const User& user) override;
  absl::StatusOr<User> GetUser(std::string_view id) override;
  absl::StatusOr<User> GetUserByEmail(std::string_view email) override;
  absl::StatusOr<User> GetUserBySubject(std::string_view subject) override;
  absl::StatusOr<std::vector<User>> ListUsers(std::int64_t offset, std::int64_t limit) override;
  absl::StatusOr<std::int64_t> CountUsers() override;
  absl::Status UpdateUser(const User& user) override;
  absl::Status DeleteUser(std::string_view id) override;
  absl::Status AppendAudit(const AuditEntry& entry) override;
  absl::StatusOr<std::vector<AuditEntry>> ListAudit(std::int64_t limit) override;
  absl::Status SetClaimCode(std::string_view device_id, const StoredClaimCode& code) override;
  absl::StatusOr<StoredClaimCode> GetClaimCode(std::string_view device_id) override;
  absl::Status ClearClaimCode(std::string_view device_id) override;
  absl::Status RecordClaimFailure(std::string_view key, UnixMillis at) override;
  absl::StatusOr<std::vector<UnixMillis>> ListClaimFailures(std::string_view key,
                                                            UnixMillis since) override;
  absl::StatusOr<std::int64_t> PruneClaimFailures(UnixMillis before) override;
  absl::StatusOr<StoredAclRules> ListAclRules() override;
  absl::StatusOr<StoredAclRule> GetAclRule(std::string_view id) override;
  absl::Status InsertAclRule(const StoredAclRule& rule) override;
  absl::Status UpdateAclRule(const StoredAclRule& rule) override;
  absl::Status DeleteAclRule(std::string_view id) override;
  absl::Status MoveAclRule(std::string_view id, std::int64_t position, UnixMillis at,
                           std::string_view by) override;
  absl::StatusOr<bool> ClaimAclCacheClear(std::int64_t version) override;
  absl::StatusOr<std::shared_ptr<FleetSnapshot>> LoadFleet() override;
  absl::StatusOr<std::int64_t> DataVersion() override;

 private:
  SqliteStore(std::unique_ptr<Database> db, std::unique_ptr<Database> read_db);

  // Runs `op` on the write connection inside a write transaction (or inside the
  // caller's, when this thread is already running a RunInTransaction body).
  template <typename Op>
  auto Write(Op op) -> decltype(op(std::declval<ConnectionStore&>()));
  // Runs `op` on the write connection, without opening a transaction.
  template <typename Op>
  auto Read(Op op) -> decltype(op(std::declval<ConnectionStore&>()));

  std::mutex mu_;
  std::unique_ptr<Database> db_ ABSL_GUARDED_BY(mu_);
  ConnectionStore ops_ ABSL_GUARDED_BY(mu_);
  // The thread that holds mu_ inside a transaction, so that its re-entrant calls join
  // instead of deadlocking. Only that thread ever sees its own id here.
  std::atomic<std::thread::id> transaction_owner_;

  std::mutex read_mu_;  // never held together with mu_
  std::unique_ptr<Database> read_db_ ABSL_GUARDED_BY(read_mu_);
  ConnectionStore read_ops_ ABSL_GUARDED_BY(read_mu_);
};

}  // namespace iothub::store
