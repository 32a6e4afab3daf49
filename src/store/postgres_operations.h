// PgOperations: the Store operations as SQL on one PostgreSQL connection, with no
// locking and no transaction management of their own (PostgresStore does both). The
// counterpart of ConnectionStore for SQLite; the same semantics and error codes.
//
// Thread-compatible: the caller holds the connection exclusively. An operation of
// several statements must run inside a transaction the caller opened.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "store/postgres_connection.h"
#include "store/store.h"

namespace iothub::store {

// The longest a LoadFleet scan may take (a large fleet), on the server and the client.
inline constexpr std::chrono::milliseconds kPgLoadFleetTimeout{30000};

class PgOperations {
 public:
  // `conn` must outlive this object.
  explicit PgOperations(PgConnection& conn) : conn_(conn) {}

  absl::Status CreateDevice(const Device& device);
  absl::StatusOr<Device> GetDevice(std::string_view id);
  absl::StatusOr<std::vector<Device>> ListDevices(std::int64_t offset, std::int64_t limit,
                                                  std::optional<std::string_view> owner_id);
  absl::StatusOr<std::int64_t> CountDevices(std::optional<std::string_view> owner_id);
  absl::Status UpdateDevice(const Device& device);
  absl::Status TouchLastSeen(std::span<const LastSeen> batch);
  absl::Status InsertCertificate(const Certificate& certificate);
  absl::StatusOr<Certificate> GetCertificateByFingerprint(std::string_view fingerprint);
  absl::StatusOr<Certificate> GetCurrentCertificate(std::string_view device_id);
  absl::StatusOr<std::vector<Certificate>> ListCertificatesOfDevice(std::string_view device_id);
  absl::Status RevokeCertificate(std::string_view fingerprint, std::string_view reason,
                                 UnixMillis at);
  absl::StatusOr<std::int64_t> RevokeCertificatesOfDevice(std::string_view device_id,
                                                          std::string_view reason, UnixMillis at);
  absl::StatusOr<std::int64_t> RevokeCertificatesIssuedToOwner(std::string_view device_id,
                                                               std::string_view owner_id,
                                                               std::string_view reason,
                                                               UnixMillis at);
  absl::StatusOr<std::vector<RevokedCertificate>> ListRevokedCertificates();
  absl::Status InsertRenewedCertificate(const Certificate& successor,
                                        std::string_view renewing_fingerprint,
                                        UnixMillis grace_until);
  absl::StatusOr<std::int64_t> EndExpiredGraces(UnixMillis now);
  absl::StatusOr<std::vector<Device>> ListDevicesExpiring(UnixMillis valid_to_at_most,
                                                          std::int64_t offset, std::int64_t limit,
                                                          std::optional<std::string_view> owner_id);
  absl::StatusOr<std::int64_t> CountDevicesExpiring(UnixMillis valid_to_at_most,
                                                    std::optional<std::string_view> owner_id);
  absl::StatusOr<std::vector<CaCertificateCount>> CountActiveCertificatesByCa(UnixMillis now);
  absl::StatusOr<std::int64_t> RevokeCertificatesSignedBy(std::string_view ca_cert_pem,
                                                          std::string_view reason, UnixMillis at);
  absl::Status CreateUser(const User& user);
  absl::StatusOr<User> GetUser(std::string_view id);
  absl::StatusOr<User> GetUserByEmail(std::string_view email);
  absl::StatusOr<User> GetUserBySubject(std::string_view subject);
  absl::StatusOr<std::vector<User>> ListUsers(std::int64_t offset, std::int64_t limit);
  absl::StatusOr<std::int64_t> CountUsers();
  absl::Status UpdateUser(const User& user);
  absl::Status DeleteUser(std::string_view id);
  absl::Status AppendAudit(const AuditEntry& entry);
  absl::StatusOr<std::vector<AuditEntry>> ListAudit(std::int64_t limit);
  absl::Status SetClaimCode(std::string_view device_id, const StoredClaimCode& code);
  absl::StatusOr<StoredClaimCode> GetClaimCode(std::string_view device_id);
  absl::Status ClearClaimCode(std::string_view device_id);
  absl::Status RecordClaimFailure(std::string_view key, UnixMillis at);
  absl::StatusOr<std::vector<UnixMillis>> ListClaimFailures(std::string_view key, UnixMillis since);
  absl::StatusOr<std::int64_t> PruneClaimFailures(UnixMillis before);
  absl::StatusOr<StoredAclRules> ListAclRules();
  absl::StatusOr<StoredAclRule> GetAclRule(std::string_view id);
  absl::Status InsertAclRule(const StoredAclRule& rule);
  absl::Status UpdateAclRule(const StoredAclRule& rule);
  absl::Status DeleteAclRule(std::string_view id);
  absl::Status MoveAclRule(std::string_view id, std::int64_t position, UnixMillis at,
                           std::string_view by);
  absl::StatusOr<bool> ClaimAclCacheClear(std::int64_t version);
  // The three table scans; the caller runs them in one REPEATABLE READ transaction so
  // that they see one state.
  absl::StatusOr<std::shared_ptr<FleetSnapshot>> ScanFleet();

 private:
  // Inserts the row as it is (no superseding); `fingerprint` is the canonical form.
  absl::Status InsertCertificateRow(const Certificate& certificate, std::string_view fingerprint);

  PgConnection& conn_;
};

}  // namespace iothub::store
