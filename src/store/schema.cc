#include "store/schema.h"

#include <array>

namespace iothub::store {
namespace {

// --- SQLite ---

// Version 1: users, devices, certificates, audit_log.
// - users.subject is NULL when a user has no identity-provider subject (UNIQUE ignores
//   NULLs); emails compare case-insensitively (ASCII) so "A@x" and "a@x" collide.
// - A bound device must have an owner; owner_id references users, so a user who still
//   owns devices cannot be deleted.
// - audit_log is append-only: triggers refuse UPDATE and DELETE.
constexpr std::string_view kSqliteV1 = R"sql(
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

// --- PostgreSQL ---

// Version 1, the same tables and rules as SQLite's:
// - Text keys use the "C" collation, so ORDER BY id sorts bytes as SQLite does whatever
//   the database's locale; lower() under "C" folds ASCII only, like NOCASE, and the
//   unique index on lower(email) makes emails collide case-insensitively.
// - certificates.seq and audit_log.seq stand in for SQLite's rowid (insertion order).
// - Change notification: a row trigger on users, devices (not on last_seen_at-only
//   updates) and certificates bumps the registry_changes sequence and NOTIFYs channel
//   iothub_registry, in the changing transaction, so listeners hear of it at commit
//   (one notification per transaction: PostgreSQL folds identical ones).
// - audit_log is append-only: a trigger refuses UPDATE, DELETE and TRUNCATE.
constexpr std::string_view kPostgresV1 = R"sql(
CREATE TABLE users (
  id              TEXT COLLATE "C" PRIMARY KEY,
  subject         TEXT COLLATE "C" UNIQUE,
  email           TEXT COLLATE "C" NOT NULL,
  name            TEXT NOT NULL,
  avatar          TEXT,
  role            TEXT NOT NULL CHECK (role IN ('user', 'admin')),
  balance_cents   BIGINT NOT NULL CHECK (balance_cents >= 0),
  plan            TEXT NOT NULL,
  plan_expires_at BIGINT,
  metadata_json   TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email_nocase ON users (lower(email));
CREATE INDEX users_by_created ON users (created_at, id);

CREATE TABLE devices (
  id               TEXT COLLATE "C" PRIMARY KEY,
  model            TEXT NOT NULL,
  public_key       TEXT NOT NULL,
  owner_id         TEXT COLLATE "C" REFERENCES users (id),
  status           TEXT NOT NULL CHECK (status IN ('unbound', 'bound', 'revoked')),
  firmware_version TEXT,
  last_seen_at     BIGINT,
  created_at       BIGINT NOT NULL,
  CHECK (status <> 'bound' OR owner_id IS NOT NULL)
);
CREATE INDEX devices_by_created ON devices (created_at, id);
CREATE INDEX devices_by_owner ON devices (owner_id, created_at, id);

CREATE TABLE certificates (
  id                TEXT COLLATE "C" PRIMARY KEY,
  device_id         TEXT COLLATE "C" NOT NULL REFERENCES devices (id),
  client_cert_pem   TEXT NOT NULL,
  ca_cert_pem       TEXT NOT NULL,
  fingerprint       TEXT COLLATE "C" NOT NULL UNIQUE,
  serial_number     TEXT COLLATE "C" NOT NULL UNIQUE,
  valid_from        BIGINT NOT NULL,
  valid_to          BIGINT NOT NULL,
  created_at        BIGINT NOT NULL,
  revoked_at        BIGINT,
  revocation_reason TEXT,
  seq               BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX certificates_by_device ON certificates (device_id, created_at);
CREATE INDEX certificates_revoked ON certificates (revoked_at) WHERE revoked_at IS NOT NULL;

CREATE TABLE audit_log (
  seq     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at      BIGINT NOT NULL,
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  target  TEXT NOT NULL,
  details TEXT NOT NULL
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

CREATE SEQUENCE registry_changes;
CREATE FUNCTION registry_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM nextval('registry_changes');
  PERFORM pg_notify('iothub_registry', '');
  RETURN NULL;
END $$;
CREATE TRIGGER users_changed AFTER INSERT OR UPDATE OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION registry_changed();
CREATE TRIGGER devices_changed
  AFTER INSERT OR DELETE OR UPDATE OF id, model, public_key, owner_id, status, firmware_version
  ON devices FOR EACH ROW EXECUTE FUNCTION registry_changed();
CREATE TRIGGER certificates_changed AFTER INSERT OR UPDATE OR DELETE ON certificates
  FOR EACH ROW EXECUTE FUNCTION registry_changed();
)sql";

// Version 2: certificates.owner_at_issue, the user the device was bound to when the
// certificate was signed (NULL: signed while unbound, e.g. at the factory). Unbinding
// revokes the certificates of the owner's tenure, so a previous owner who obtained one
// cannot keep acting as the device (DeviceRegistry::UnbindDevice). Existing rows stay
// NULL: their history is unknown.
constexpr std::string_view kSqliteV2 = R"sql(
ALTER TABLE certificates ADD COLUMN owner_at_issue TEXT;
)sql";
constexpr std::string_view kPostgresV2 = R"sql(
ALTER TABLE certificates ADD COLUMN owner_at_issue TEXT COLLATE "C";
)sql";

// Version 3: device claim codes (proof of possession, DeviceRegistry::ClaimDevice).
// - claim_codes holds at most one code per device, only as a salted SHA-256 (hex) of
//   its canonical form; the code itself is never stored.
// - claim_failures records each failed claim attempt under a limiter key
//   ("device:<id>", "user:<id>") and its time, so lockouts hold across restarts and
//   across hubs sharing one database. No foreign key: an attempt may name no device.
// Neither table feeds the fleet snapshot, so no change notification on PostgreSQL.
constexpr std::string_view kSqliteV3 = R"sql(
CREATE TABLE claim_codes (
  device_id TEXT PRIMARY KEY NOT NULL REFERENCES devices (id),
  salt      TEXT NOT NULL,
  hash      TEXT NOT NULL,
  issued_at INTEGER NOT NULL
);
CREATE TABLE claim_failures (
  key TEXT NOT NULL,
  at  INTEGER NOT NULL
);
CREATE INDEX claim_failures_by_key ON claim_failures (key, at);
)sql";
constexpr std::string_view kPostgresV3 = R"sql(
CREATE TABLE claim_codes (
  device_id TEXT COLLATE "C" PRIMARY KEY REFERENCES devices (id),
  salt      TEXT NOT NULL,
  hash      TEXT NOT NULL,
  issued_at BIGINT NOT NULL
);
CREATE TABLE claim_failures (
  key TEXT COLLATE "C" NOT NULL,
  at  BIGINT NOT NULL
);
CREATE INDEX claim_failures_by_key ON claim_failures (key, at);
)sql";

// Version 4: access rules managed at runtime (registry/acl_rule_book.h), evaluated
// after the configuration file's rules.
// - acl_rules holds each rule as written (checked by acl::ParseAclRule before it is
//   stored); position is its 0-based place among the database rules, kept dense
//   (0..n-1) by the store. No unique index on position: shifting a range would trip it
//   row by row in SQLite.
// - acl_rules_version has one row: `version` counts rule changes (every change bumps it
//   in its own transaction, so a reader sees rules and version together), and
//   `cache_cleared` is the last version whose EMQX authorization-cache clear a hub has
//   claimed (Store::ClaimAclCacheClear: one hub clears per change, not every hub).
// - PostgreSQL: a statement trigger on acl_rules NOTIFYs iothub_registry as the
//   registry tables do, so other hubs reload their rules within a second; claiming a
//   cache clear notifies nobody.
constexpr std::string_view kSqliteV4 = R"sql(
CREATE TABLE acl_rules (
  id          TEXT PRIMARY KEY NOT NULL,
  position    INTEGER NOT NULL CHECK (position >= 0),
  effect      TEXT NOT NULL CHECK (effect IN ('allow', 'deny')),
  who         TEXT NOT NULL CHECK (who IN ('any', 'device', 'user', 'admin', 'service')),
  action      TEXT NOT NULL CHECK (action IN ('publish', 'subscribe', 'all')),
  topic       TEXT NOT NULL,
  description TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  updated_by  TEXT NOT NULL
);
CREATE INDEX acl_rules_by_position ON acl_rules (position, id);
CREATE TABLE acl_rules_version (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  version       INTEGER NOT NULL,
  cache_cleared INTEGER NOT NULL
);
INSERT INTO acl_rules_version (id, version, cache_cleared) VALUES (1, 0, 0);
)sql";
constexpr std::string_view kPostgresV4 = R"sql(
CREATE TABLE acl_rules (
  id          TEXT COLLATE "C" PRIMARY KEY,
  position    BIGINT NOT NULL CHECK (position >= 0),
  effect      TEXT NOT NULL CHECK (effect IN ('allow', 'deny')),
  who         TEXT NOT NULL CHECK (who IN ('any', 'device', 'user', 'admin', 'service')),
  action      TEXT NOT NULL CHECK (action IN ('publish', 'subscribe', 'all')),
  topic       TEXT COLLATE "C" NOT NULL,
  description TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  updated_by  TEXT NOT NULL
);
CREATE INDEX acl_rules_by_position ON acl_rules (position, id);
CREATE TABLE acl_rules_version (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  version       BIGINT NOT NULL,
  cache_cleared BIGINT NOT NULL
);
INSERT INTO acl_rules_version (id, version, cache_cleared) VALUES (1, 0, 0);
CREATE TRIGGER acl_rules_changed AFTER INSERT OR UPDATE OR DELETE ON acl_rules
  FOR EACH STATEMENT EXECUTE FUNCTION registry_changed();
)sql";

// Version 5: certificates.grace_until, the end of the grace of a certificate that a
// renewal over MQTT replaced (CertificateRenewal): it stays unrevoked, and admits its
// device, until its successor is first used or the grace ends; then it is superseded.
// At most one unrevoked certificate of a device has no grace_until: its current one.
// The partial index serves the housekeeper's scan for graces that ended.
constexpr std::string_view kSqliteV5 = R"sql(
ALTER TABLE certificates ADD COLUMN grace_until INTEGER;
CREATE INDEX certificates_in_grace ON certificates (grace_until)
  WHERE grace_until IS NOT NULL AND revoked_at IS NULL;
)sql";
constexpr std::string_view kPostgresV5 = R"sql(
ALTER TABLE certificates ADD COLUMN grace_until BIGINT;
CREATE INDEX certificates_in_grace ON certificates (grace_until)
  WHERE grace_until IS NOT NULL AND revoked_at IS NULL;
)sql";

// --- The one migration history ---

// One schema version in both dialects. To change the schema, append a step with the
// SQL of each dialect; never edit a step that has shipped.
struct SchemaStep {
  int version;
  std::string_view description;
  std::string_view sqlite;
  std::string_view postgres;
};

constexpr SchemaStep kSteps[] = {
    {1, "users, devices, certificates, audit_log", kSqliteV1, kPostgresV1},
    {2, "certificates.owner_at_issue", kSqliteV2, kPostgresV2},
    {3, "claim_codes, claim_failures", kSqliteV3, kPostgresV3},
    {4, "acl_rules, acl_rules_version", kSqliteV4, kPostgresV4},
    {5, "certificates.grace_until (renewal)", kSqliteV5, kPostgresV5},
};

template <std::string_view SchemaStep::*kSql>
constexpr std::array<Migration, std::size(kSteps)> Select() {
  std::array<Migration, std::size(kSteps)> out{};
  for (std::size_t i = 0; i < std::size(kSteps); ++i) {
    out[i] = {kSteps[i].version, kSteps[i].description, kSteps[i].*kSql};
  }
  return out;
}

constexpr auto kSqliteMigrations = Select<&SchemaStep::sqlite>();
constexpr auto kPostgresMigrations = Select<&SchemaStep::postgres>();

}  // namespace

std::span<const Migration> StoreMigrations(Dialect dialect) {
  if (dialect == Dialect::kPostgres) return kPostgresMigrations;
  return kSqliteMigrations;
}

}  // namespace iothub::store
