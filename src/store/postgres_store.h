// PostgresStore: the Store on a PostgreSQL database (15+), shareable by several hubs
// and the CLI. The same semantics and error codes as SqliteStore.
//
// Connections (three, each owned by one role):
//  - the writer, behind a mutex: every mutating call and every RunInTransaction body.
//    Each write transaction first takes an advisory lock (postgres_locks.h), so writers
//    of all hubs take turns exactly as SQLite's single write lock makes them, and a
//    load-change-store transition never interleaves with another hub's. The hub's write
//    rate is low (API calls, batched last-seen updates), and the hot path reads only
//    the in-memory snapshot, so one serialized writer costs nothing that matters.
//  - the reader, behind its own mutex: reads outside transactions and LoadFleet (in a
//    REPEATABLE READ READ ONLY transaction: one consistent state), so API reads and
//    snapshot reloads do not queue behind writes.
//  - the change listener (postgres_change_listener.h), started on the first
//    DataVersion() call, so only a serving hub holds it.
// Inside a transaction every call runs under a savepoint: PostgreSQL aborts the whole
// transaction on any error, and the Store contract wants a failed call to leave the
// rest of the body intact.
//
// Bounded: connect_timeout 3 s, statement and lock timeouts 5 s on the server, and a
// client-side deadline on every call (postgres_connection.h); a dead server gives
// Unavailable. Each connection reconnects by itself on its next call; a transaction
// whose connection broke fails with Unavailable rather than continue on a new one.
//
// Thread-safe. The URL holds the password: it is never logged (see RedactPostgresUrl).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "store/postgres_change_listener.h"
#include "store/postgres_connection.h"
#include "store/postgres_operations.h"
#include "store/store.h"

namespace iothub::store {

class PostgresStore final : public Store {
 public:
  // Connects to `url` (postgresql://user:password@host:port/db or a libpq key=value
  // string) and applies the schema migrations. Unavailable when the server cannot be
  // reached; FailedPrecondition when the database has a newer schema than this build.
  static absl::StatusOr<std::unique_ptr<PostgresStore>> Open(const std::string& url);

  ~PostgresStore() override;

  // Store
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
  // A counter the change listener bumps when another connection commits a registry
  // change (users, devices other than last-seen times, certificates); never fails once
  // the listener exists. Writes through this store are skipped (their caller knows).
  absl::StatusOr<std::int64_t> DataVersion() override;

 private:
  explicit PostgresStore(std::string url);

  // Runs `op` in a write transaction (or joins the caller's, under a savepoint, when
  // this thread is running a RunInTransaction body).
  template <typename Op>
  auto Write(Op op) -> decltype(op(std::declval<PgOperations&>()));
  // Runs `op` on the reader (or joins the caller's transaction, as Write does).
  template <typename Op>
  auto Read(Op op) -> decltype(op(std::declval<PgOperations&>()));
  // Runs `op` inside this thread's open transaction, under a savepoint.
  template <typename Op>
  auto Joined(Op op) -> decltype(op(std::declval<PgOperations&>()));
  bool InThisThreadsTransaction() const;

  const std::string url_;

  std::mutex mu_;
  PgConnection writer_ ABSL_GUARDED_BY(mu_);
  PgOperations write_ops_ ABSL_GUARDED_BY(mu_);
  // The writer's connect count when the open transaction began: a different count (or
  // no connection) means the transaction died with its connection.
  std::uint64_t transaction_connects_ ABSL_GUARDED_BY(mu_) = 0;
  // The thread inside a transaction, so that its re-entrant calls join it.
  std::atomic<std::thread::id> transaction_owner_;
  // The writer's server pid; the listener skips its notifications.
  std::atomic<int> writer_pid_{0};

  std::mutex read_mu_;  // never held together with mu_
  PgConnection reader_ ABSL_GUARDED_BY(read_mu_);
  PgOperations read_ops_ ABSL_GUARDED_BY(read_mu_);

  std::mutex listener_mu_;
  std::unique_ptr<PgChangeListener> listener_ ABSL_GUARDED_BY(listener_mu_);
};

}  // namespace iothub::store
