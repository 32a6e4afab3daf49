// ConnectionStore: access rules (schema v4), on SQLite. Each change runs under a
// savepoint: the shift of positions, the row and the version bump, or nothing.
#include "absl/strings/str_cat.h"
#include "store/connection_store.h"
#include "store/status_macros.h"

namespace iothub::store {
namespace {

// acl_rules: 0 id, 1 position, 2 effect, 3 who, 4 action, 5 topic, 6 description,
//            7 created_at, 8 updated_at, 9 updated_by
#define ACL_RULE_COLUMNS \
  "id, position, effect, who, action, topic, description, created_at, updated_at, updated_by"

// The rule whose columns start at `first`.
StoredAclRule ReadAclRule(const Statement& s, int first) {
  return StoredAclRule{.id = s.ColumnText(first),
                       .position = s.ColumnInt64(first + 1),
                       .effect = s.ColumnText(first + 2),
                       .who = s.ColumnText(first + 3),
                       .action = s.ColumnText(first + 4),
                       .topic = s.ColumnText(first + 5),
                       .description = s.ColumnText(first + 6),
                       .created_at = s.ColumnInt64(first + 7),
                       .updated_at = s.ColumnInt64(first + 8),
                       .updated_by = s.ColumnText(first + 9)};
}

// Binds effect, who, action, topic and description as ?first .. ?first+4.
void BindRuleText(Statement& s, int first, const StoredAclRule& rule) {
  s.BindText(first, rule.effect);
  s.BindText(first + 1, rule.who);
  s.BindText(first + 2, rule.action);
  s.BindText(first + 3, rule.topic);
  s.BindText(first + 4, rule.description);
}

absl::StatusOr<std::int64_t> CountAclRules(Database& db) {
  ASSIGN_OR_RETURN(Statement s, db.GetCachedStatement("SELECT count(*) FROM acl_rules"));
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return absl::InternalError("count(*) returned no row");
  return s.ColumnInt64(0);
}

// The rule's position, or NotFound.
absl::StatusOr<std::int64_t> PositionOf(Database& db, std::string_view id) {
  ASSIGN_OR_RETURN(Statement s, db.GetCachedStatement("SELECT position FROM acl_rules"
                                                      " WHERE id = ?1"));
  s.BindText(1, id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return absl::NotFoundError("no access rule with this id");
  return s.ColumnInt64(0);
}

// Adds `delta` to the position of every rule in [from, to].
absl::Status Shift(Database& db, std::int64_t from, std::int64_t to, std::int64_t delta) {
  ASSIGN_OR_RETURN(Statement s, db.GetCachedStatement("UPDATE acl_rules SET position ="
                                                      " position + ?3 WHERE position BETWEEN"
                                                      " ?1 AND ?2"));
  s.BindInt64(1, from);
  s.BindInt64(2, to);
  s.BindInt64(3, delta);
  return s.Run();
}

absl::Status BumpVersion(Database& db) {
  ASSIGN_OR_RETURN(Statement s, db.GetCachedStatement("UPDATE acl_rules_version"
                                                      " SET version = version + 1"));
  return s.Run();
}

absl::Status OutOfRange(std::int64_t position, std::int64_t limit) {
  return absl::InvalidArgumentError(
      absl::StrCat("position ", position, " is out of range (0..", limit, ")"));
}

}  // namespace

absl::StatusOr<StoredAclRules> ConnectionStore::ListAclRules() {
  // One statement, so the version and the rules come from one state of the database.
  ASSIGN_OR_RETURN(Statement s, db_.GetCachedStatement(
                                    "SELECT v.version, r.id, r.position, r.effect, r.who,"
                                    " r.action, r.topic, r.description, r.created_at,"
                                    " r.updated_at, r.updated_by FROM acl_rules_version v"
                                    " LEFT JOIN acl_rules r ON 1 = 1 ORDER BY r.position, r.id"));
  StoredAclRules out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.version = s.ColumnInt64(0);
    if (!s.ColumnIsNull(1)) out.rules.push_back(ReadAclRule(s, 1));
  }
  return out;
}

absl::StatusOr<StoredAclRule> ConnectionStore::GetAclRule(std::string_view id) {
  ASSIGN_OR_RETURN(Statement s, db_.GetCachedStatement("SELECT " ACL_RULE_COLUMNS
                                                       " FROM acl_rules WHERE id = ?1"));
  s.BindText(1, id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return absl::NotFoundError("no access rule with this id");
  return ReadAclRule(s, 0);
}

absl::Status ConnectionStore::InsertAclRule(const StoredAclRule& rule) {
  return Atomically([&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::int64_t count, CountAclRules(db_));
    if (rule.position < 0 || rule.position > count) return OutOfRange(rule.position, count);
    RETURN_IF_ERROR(Shift(db_, rule.position, count, 1));
    ASSIGN_OR_RETURN(Statement s, db_.GetCachedStatement("INSERT INTO acl_rules (" ACL_RULE_COLUMNS
                                                         ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                                                         " ?8, ?9, ?10)"));
    s.BindText(1, rule.id);
    s.BindInt64(2, rule.position);
    BindRuleText(s, 3, rule);
    s.BindInt64(8, rule.created_at);
    s.BindInt64(9, rule.updated_at);
    s.BindText(10, rule.updated_by);
    RETURN_IF_ERROR(s.Run());
    return BumpVersion(db_);
  });
}

absl::Status ConnectionStore::UpdateAclRule(const StoredAclRule& rule) {
  return Atomically([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Statement s, db_.GetCachedStatement(
                                      "UPDATE acl_rules SET effect = ?2, who = ?3, action = ?4,"
                                      " topic = ?5, description = ?6, updated_at = ?7,"
                                      " updated_by = ?8 WHERE id = ?1"));
    s.BindText(1, rule.id);
    BindRuleText(s, 2, rule);
    s.BindInt64(7, rule.updated_at);
    s.BindText(8, rule.updated_by);
    RETURN_IF_ERROR(s.Run());
    if (db_.Changes() == 0) return absl::NotFoundError("no access rule with this id");
    return BumpVersion(db_);
  });
}

absl::Status ConnectionStore::DeleteAclRule(std::string_view id) {
  return Atomically([&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::int64_t position, PositionOf(db_, id));
    ASSIGN_OR_RETURN(Statement s, db_.GetCachedStatement("DELETE FROM acl_rules WHERE id = ?1"));
    s.BindText(1, id);
    RETURN_IF_ERROR(s.Run());
    RETURN_IF_ERROR(Shift(db_, position + 1, INT64_MAX, -1));
    return BumpVersion(db_);
  });
}

absl::Status ConnectionStore::MoveAclRule(std::string_view id, std::int64_t position, UnixMillis at,
                                          std::string_view by) {
  return Atomically([&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::int64_t from, PositionOf(db_, id));
    ASSIGN_OR_RETURN(std::int64_t count, CountAclRules(db_));
    if (position < 0 || position >= count) return OutOfRange(position, count - 1);
    if (from < position) RETURN_IF_ERROR(Shift(db_, from + 1, position, -1));
    if (from > position) RETURN_IF_ERROR(Shift(db_, position, from - 1, 1));
    ASSIGN_OR_RETURN(Statement s,
                     db_.GetCachedStatement("UPDATE acl_rules SET position = ?2, updated_at = ?3,"
                                            " updated_by = ?4 WHERE id = ?1"));
    s.BindText(1, id);
    s.BindInt64(2, position);
    s.BindInt64(3, at);
    s.BindText(4, by);
    RETURN_IF_ERROR(s.Run());
    return BumpVersion(db_);
  });
}

absl::StatusOr<bool> ConnectionStore::ClaimAclCacheClear(std::int64_t version) {
  ASSIGN_OR_RETURN(Statement s,
                   db_.GetCachedStatement("UPDATE acl_rules_version SET cache_cleared = ?1"
                                          " WHERE cache_cleared < ?1 AND version >= ?1"));
  s.BindInt64(1, version);
  RETURN_IF_ERROR(s.Run());
  return db_.Changes() == 1;
}

}  // namespace iothub::store
