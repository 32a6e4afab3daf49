#include "store/schema.h"

namespace iothub::store {
namespace {

// Version 1: users, devices, certificates, audit_log.
// - users.subject is NULL when a user has no identity-provider subject (UNIQUE ignores
//   NULLs); emails compare case-insensitively (ASCII) so "A@x" and "a@x" collide.
// - A bound device must have an owner; owner_id references users, so a user who still
//   owns devices cannot be deleted.
// - audit_log is append-only: triggers refuse UPDATE and DELETE.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE users (
  id              TEXT PRIMARY KEY NOT NULL,
  subject         TEXT UNIQUE,
  email           TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name            TEXT NOT NULL,
  avatar          TEXT,
  role            TEXT NOT NULL CHECK (role IN ('user', 'admin')),
  balance_cents   INTEGER NOT NULL CHECK (balance_cents >= 0),
  plan            TEXT NOT NULL,
  plan_expires_at INTEGER,
  metadata_json   TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX users_by_created ON users (created_at, id);

CREATE TABLE devices (
  id               TEXT PRIMARY KEY NOT NULL,
  model            TEXT NOT NULL,
  public_key       TEXT NOT NULL,
  owner_id         TEXT REFERENCES users (id),
  status           TEXT NOT NULL CHECK (status IN ('unbound', 'bound', 'revoked')),
  firmware_version TEXT,
  last_seen_at     INTEGER,
  created_at       INTEGER NOT NULL,
  CHECK (status <> 'bound' OR owner_id IS NOT NULL)
);
CREATE INDEX devices_by_created ON devices (created_at, id);
CREATE INDEX devices_by_owner ON devices (owner_id, created_at, id);

CREATE TABLE certificates (
  id                TEXT PRIMARY KEY NOT NULL,
  device_id         TEXT NOT NULL REFERENCES devices (id),
  client_cert_pem   TEXT NOT NULL,
  ca_cert_pem       TEXT NOT NULL,
  fingerprint       TEXT NOT NULL UNIQUE,
  serial_number     TEXT NOT NULL UNIQUE,
  valid_from        INTEGER NOT NULL,
  valid_to          INTEGER NOT NULL,
  created_at        INTEGER NOT NULL,
  revoked_at        INTEGER,
  revocation_reason TEXT
);
CREATE INDEX certificates_by_device ON certificates (device_id, created_at);
CREATE INDEX certificates_revoked ON certificates (revoked_at) WHERE revoked_at IS NOT NULL;

CREATE TABLE audit_log (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  at      INTEGER NOT NULL,
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  target  TEXT NOT NULL,
  details TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
)sql";

// Version 2: certificates.owner_at_issue, the user the device was bound to when the
// certificate was signed (NULL: signed while unbound, e.g. at the factory). Unbinding
// revokes the certificates of the owner's tenure, so a previous owner who obtained one
// cannot keep acting as the device (DeviceRegistry::UnbindDevice). Existing rows stay
// NULL: their history is unknown.
constexpr std::string_view kV2 = R"sql(
ALTER TABLE certificates ADD COLUMN owner_at_issue TEXT;
)sql";

constexpr Migration kMigrations[] = {
    {1, "users, devices, certificates, audit_log", kV1},
    {2, "certificates.owner_at_issue", kV2},
};

}  // namespace

std::span<const Migration> StoreMigrations() { return kMigrations; }

}  // namespace iothub::store
