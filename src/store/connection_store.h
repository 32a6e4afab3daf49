// ConnectionStore: the Store operations carried out on one SQLite connection, with no
// locking and no transaction management of its own. SqliteStore owns the connection,
// serializes access to it, opens the write transaction around each mutating call, and
// hands a ConnectionStore to RunInTransaction bodies, so that their calls join.
//
// Thread-compatible: the caller must hold the connection exclusively. Mutating calls
// must run inside a transaction the caller opened; a mutating call that runs several
// statements wraps them in a savepoint, so a failed call leaves nothing behind.
#pragma once

#include "store/database.h"
#include "store/store.h"

namespace iothub::store {

class ConnectionStore final : public Store {
 public:
  // `db` must outlive this object.
  explicit ConnectionStore(Database& db) : db_(db) {}

  // Store
  // Nested bodies run under a savepoint: a failing body is undone on its own.
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
  // Runs in a read transaction of its own unless one is already open, so the three
  // table scans see one consistent state.
  absl::StatusOr<std::shared_ptr<FleetSnapshot>> LoadFleet() override;
  absl::StatusOr<std::int64_t> DataVersion() override;

 private:
  // Inserts the row as it is (no superseding); `fingerprint` is the canonical form.
  absl::Status InsertCertificateRow(const Certificate& certificate, std::string_view fingerprint);
  // Runs `op` under a savepoint: all of its statements, or none.
  absl::Status Atomically(const std::function<absl::Status()>& op);

  Database& db_;
};

}  // namespace iothub::store
