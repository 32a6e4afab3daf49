// Store: the hub's persistent state (devices, certificates, users, audit log) behind an
// abstract interface. Two backends: SqliteStore (sqlite_store.h, one hub) and
// PostgresStore (postgres_store.h, shared by several hubs); the contract tests in
// tests/unit/store run against both. Known difference: PostgreSQL text cannot hold NUL
// bytes or invalid UTF-8, so PostgresStore refuses them with InvalidArgument.
//
// Thread-safety: implementations must be safe to call from several threads.
//
// Errors are values, never exceptions: NotFound for a missing row, AlreadyExists for a
// unique key taken (nothing written), FailedPrecondition for a broken reference or a
// refused state change, InvalidArgument for a value the schema rejects, Unavailable when
// the database stayed locked by another process or cannot be reached, Internal for
// anything else.
//
// Atomicity: every mutating call is atomic on its own. To make several calls (a change
// and its audit row) commit together, run them in RunInTransaction on the Store& it
// passes to the body.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "model/certificate.h"
#include "model/device.h"
#include "model/fleet_snapshot.h"
#include "model/user.h"

namespace iothub::store {

// One append-only audit row: who did what to which object.
struct AuditEntry {
  std::int64_t seq = 0;  // assigned by the store; ignored by AppendAudit
  UnixMillis at = 0;
  std::string actor;   // user id, "cli", "system", ...
  std::string action;  // "device.create", "certificate.revoke", ...
  std::string target;  // the object's id
  std::string details_json = "{}";
};

// A device seen at a time (batched by the hooks, written with TouchLastSeen).
struct LastSeen {
  std::string device_id;
  UnixMillis at = 0;
};

// A CRL entry.
struct RevokedCertificate {
  std::string serial_number;
  UnixMillis revoked_at = 0;
  std::string ca_cert_pem;  // the CA that signed it (one CRL per CA)
};

// How many active certificates one CA backs (CountActiveCertificatesByCa).
struct CaCertificateCount {
  std::string ca_cert_pem;
  std::int64_t count = 0;
};

// A device's claim code as stored: a salted hash, never the code (registry/claim_code.h).
struct StoredClaimCode {
  std::string salt;  // hex
  std::string hash;  // hex SHA-256 over salt bytes + canonical code
  UnixMillis issued_at = 0;
};

// One access rule kept in the database (schema v4), as written: the store keeps the
// text, the acl module gives it meaning (acl::ParseAclRule checks it before it is
// stored, and again when the policy is built).
struct StoredAclRule {
  std::string id;             // a UUID
  std::int64_t position = 0;  // 0-based place among the database rules
  std::string effect;         // "allow" | "deny"
  std::string who;            // "any" | "device" | "user" | "admin" | "service"
  std::string action;         // "publish" | "subscribe" | "all"
  std::string topic;          // a topic filter, placeholders allowed
  std::string description;
  UnixMillis created_at = 0;
  UnixMillis updated_at = 0;
  std::string updated_by;  // the audit actor of the last change
};

// The database rules in position order and the version they are at, read together.
struct StoredAclRules {
  std::vector<StoredAclRule> rules;
  std::int64_t version = 0;  // bumped by every rule change
};

// The revocation reason InsertCertificate gives to the certificates a new one replaces.
inline constexpr std::string_view kSupersededReason = "superseded";

class Store {
 public:
  virtual ~Store() = default;

  // --- Transactions ---
  // Runs `body` in one write transaction and commits if it returns OK; otherwise (or if
  // the commit fails) rolls everything back and returns the error. Calls made on the
  // Store& passed to `body` -- and nested RunInTransaction calls -- join the
  // transaction. Blocks other writers of this store until it ends; keep bodies short.
  // Note: a failed call inside the body leaves nothing behind even if the body ignores
  // the error and commits.
  virtual absl::Status RunInTransaction(const std::function<absl::Status(Store&)>& body) = 0;

  // --- Devices ---
  // AlreadyExists when the id is taken; FailedPrecondition when owner_id names no user.
  virtual absl::Status CreateDevice(const Device& device) = 0;
  virtual absl::StatusOr<Device> GetDevice(std::string_view id) = 0;
  // Devices ordered by (created_at, id); only those of `owner_id` when given.
  virtual absl::StatusOr<std::vector<Device>> ListDevices(
      std::int64_t offset, std::int64_t limit, std::optional<std::string_view> owner_id) = 0;
  virtual absl::StatusOr<std::int64_t> CountDevices(std::optional<std::string_view> owner_id) = 0;
  // How many devices `user_id` owns (plan limits); same as CountDevices(user_id).
  absl::StatusOr<std::int64_t> CountDevicesOwnedBy(std::string_view user_id) {
    return CountDevices(user_id);
  }
  // Replaces every column but id and created_at. NotFound for an unknown id.
  virtual absl::Status UpdateDevice(const Device& device) = 0;
  // Sets last_seen_at of each device, in one transaction. Unknown ids are skipped, and a
  // time never moves last_seen_at backwards.
  virtual absl::Status TouchLastSeen(std::span<const LastSeen> batch) = 0;

  // --- Certificates ---
  // Fingerprints are accepted in any case with or without colons, and stored and
  // returned in the canonical uppercase colon form (InvalidArgument if not 32 bytes).
  //
  // Current-certificate rule: a device has at most one unrevoked certificate besides one
  // in renewal grace (see InsertRenewedCertificate). Inserting an unrevoked certificate
  // revokes the device's other unrevoked ones with reason "superseded" at the new
  // certificate's created_at, in the same transaction.
  // AlreadyExists for a taken id, fingerprint or serial; FailedPrecondition for an
  // unknown device.
  virtual absl::Status InsertCertificate(const Certificate& certificate) = 0;
  virtual absl::StatusOr<Certificate> GetCertificateByFingerprint(std::string_view fingerprint) = 0;
  // The device's newest unrevoked certificate (during a renewal grace, the successor);
  // NotFound when it has none.
  virtual absl::StatusOr<Certificate> GetCurrentCertificate(std::string_view device_id) = 0;
  // All of a device's certificates, newest first.
  virtual absl::StatusOr<std::vector<Certificate>> ListCertificatesOfDevice(
      std::string_view device_id) = 0;
  // NotFound for an unknown fingerprint. Revoking a revoked certificate is a no-op that
  // keeps the first time and reason.
  virtual absl::Status RevokeCertificate(std::string_view fingerprint, std::string_view reason,
                                         UnixMillis at) = 0;
  // Revokes the device's unrevoked certificates; returns how many.
  virtual absl::StatusOr<std::int64_t> RevokeCertificatesOfDevice(std::string_view device_id,
                                                                  std::string_view reason,
                                                                  UnixMillis at) = 0;
  // Revokes the device's unrevoked certificates signed while it was bound to
  // `owner_id` (owner_at_issue); returns how many.
  virtual absl::StatusOr<std::int64_t> RevokeCertificatesIssuedToOwner(std::string_view device_id,
                                                                       std::string_view owner_id,
                                                                       std::string_view reason,
                                                                       UnixMillis at) = 0;
  // Every revoked certificate, ordered by revoked_at, for the CRL.
  virtual absl::StatusOr<std::vector<RevokedCertificate>> ListRevokedCertificates() = 0;
  // Per CA certificate (ca_cert_pem as stored), how many certificates are unrevoked and
  // not expired at `now` (valid_to >= now); CAs without any are left out.
  virtual absl::StatusOr<std::vector<CaCertificateCount>> CountActiveCertificatesByCa(
      UnixMillis now) = 0;
  // Revokes every unrevoked certificate whose ca_cert_pem is `ca_cert_pem` (a retired
  // CA's); returns how many.
  virtual absl::StatusOr<std::int64_t> RevokeCertificatesSignedBy(std::string_view ca_cert_pem,
                                                                  std::string_view reason,
                                                                  UnixMillis at) = 0;

  // --- Renewal grace (schema v5) ---
  // Grace rule: a renewal inserts the device's new current certificate without revoking
  // the one the device renewed with (`renewing_fingerprint`), which keeps working until
  // `grace_until` (its grace_until column); every other unrevoked certificate of the
  // device is superseded at the successor's created_at, so a device has at most two
  // unrevoked certificates: its current one and one in grace. `successor` must be
  // unrevoked and have no grace_until (InvalidArgument); FailedPrecondition when the
  // renewing certificate is unknown, revoked or another device's; otherwise as
  // InsertCertificate. InsertCertificate itself supersedes certificates in grace too.
  virtual absl::Status InsertRenewedCertificate(const Certificate& successor,
                                                std::string_view renewing_fingerprint,
                                                UnixMillis grace_until) = 0;
  // Supersedes every certificate whose grace_until is at or before `now`, at its
  // grace_until; returns how many.
  virtual absl::StatusOr<std::int64_t> EndExpiredGraces(UnixMillis now) = 0;
  // Devices, not revoked, whose current certificate (unrevoked, not in grace) ends at or
  // before `valid_to_at_most` (so expired ones too), ordered by (created_at, id); only
  // those of `owner_id` when given. Count: how many in all.
  virtual absl::StatusOr<std::vector<Device>> ListDevicesExpiring(
      UnixMillis valid_to_at_most, std::int64_t offset, std::int64_t limit,
      std::optional<std::string_view> owner_id) = 0;
  virtual absl::StatusOr<std::int64_t> CountDevicesExpiring(
      UnixMillis valid_to_at_most, std::optional<std::string_view> owner_id) = 0;

  // --- Users ---
  // AlreadyExists when the id, the email (ASCII case-insensitive) or a non-empty subject
  // is taken. An empty subject means "none" and never collides.
  virtual absl::Status CreateUser(const User& user) = 0;
  virtual absl::StatusOr<User> GetUser(std::string_view id) = 0;
  virtual absl::StatusOr<User> GetUserByEmail(std::string_view email) = 0;
  virtual absl::StatusOr<User> GetUserBySubject(std::string_view subject) = 0;
  // Users ordered by (created_at, id).
  virtual absl::StatusOr<std::vector<User>> ListUsers(std::int64_t offset, std::int64_t limit) = 0;
  virtual absl::StatusOr<std::int64_t> CountUsers() = 0;
  // Replaces every column but id and created_at. NotFound for an unknown id.
  virtual absl::Status UpdateUser(const User& user) = 0;
  // Delete rule: refused with FailedPrecondition while the user owns any device (the
  // caller unbinds them first, with their own audit rows); NotFound for an unknown id.
  virtual absl::Status DeleteUser(std::string_view id) = 0;

  // --- Audit log (append-only) ---
  virtual absl::Status AppendAudit(const AuditEntry& entry) = 0;
  // The newest `limit` entries, newest first.
  virtual absl::StatusOr<std::vector<AuditEntry>> ListAudit(std::int64_t limit) = 0;

  // --- Claim codes and failed claim attempts ---
  // Sets (or replaces) the device's claim code. FailedPrecondition for an unknown device.
  virtual absl::Status SetClaimCode(std::string_view device_id, const StoredClaimCode& code) = 0;
  // NotFound when the device has no claim code.
  virtual absl::StatusOr<StoredClaimCode> GetClaimCode(std::string_view device_id) = 0;
  // Removes the device's claim code (a no-op when it has none).
  virtual absl::Status ClearClaimCode(std::string_view device_id) = 0;
  // Records one failed claim attempt under a limiter key ("device:d1", "user:u1").
  virtual absl::Status RecordClaimFailure(std::string_view key, UnixMillis at) = 0;
  // The times of the key's failed attempts at or after `since`, oldest first.
  virtual absl::StatusOr<std::vector<UnixMillis>> ListClaimFailures(std::string_view key,
                                                                    UnixMillis since) = 0;
  // Deletes the failed attempts (of every key) before `before`; returns how many.
  virtual absl::StatusOr<std::int64_t> PruneClaimFailures(UnixMillis before) = 0;

  // --- Access rules (schema v4) ---
  // Positions stay dense: the rules hold 0..n-1. Every change below bumps the version.
  virtual absl::StatusOr<StoredAclRules> ListAclRules() = 0;
  // NotFound for an unknown id.
  virtual absl::StatusOr<StoredAclRule> GetAclRule(std::string_view id) = 0;
  // Inserts `rule` at rule.position (0..n; the rules from there move down one).
  // AlreadyExists for a taken id; InvalidArgument for a position past the end.
  virtual absl::Status InsertAclRule(const StoredAclRule& rule) = 0;
  // Replaces effect, who, action, topic, description, updated_at and updated_by; id,
  // position and created_at stay. NotFound for an unknown id.
  virtual absl::Status UpdateAclRule(const StoredAclRule& rule) = 0;
  // Deletes the rule; the rules after it move up one. NotFound for an unknown id.
  virtual absl::Status DeleteAclRule(std::string_view id) = 0;
  // Moves the rule to `position` (0..n-1), the rules between shifting by one, and sets
  // its updated_at and updated_by. NotFound for an unknown id; InvalidArgument for a
  // position out of range.
  virtual absl::Status MoveAclRule(std::string_view id, std::int64_t position, UnixMillis at,
                                   std::string_view by) = 0;
  // True for exactly one caller per rule version: the first to claim `version` (or a
  // later one) since the last claim. The claimant clears the broker's authorization
  // cache, so that hubs sharing the database do not all clear it.
  virtual absl::StatusOr<bool> ClaimAclCacheClear(std::int64_t version) = 0;

  // --- Hot-path snapshot and change detection ---
  // A consistent picture of all devices, certificates and users (one scan per table).
  // Each device's current_fingerprint/has_certificate come from its current certificate.
  virtual absl::StatusOr<std::shared_ptr<FleetSnapshot>> LoadFleet() = 0;
  // A number that changes when another connection -- another process such as the CLI,
  // another hub, or another Store on the same database -- commits (SQLite: at once;
  // PostgreSQL: when the change notification arrives, within milliseconds). Writes
  // through this store do not change it (their caller already knows). Cheap: poll it,
  // reload on change.
  virtual absl::StatusOr<std::int64_t> DataVersion() = 0;
};

}  // namespace iothub::store
