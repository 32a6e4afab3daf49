// PgOperations: access rules (schema v4), on PostgreSQL. The caller (PostgresStore)
// runs each change in a transaction: the shift of positions, the row and the version
// bump commit together.
#include "absl/strings/str_cat.h"
#include "store/postgres_operations.h"
#include "store/status_macros.h"

namespace iothub::store {
namespace {

// acl_rules: 0 id, 1 position, 2 effect, 3 who, 4 action, 5 topic, 6 description,
//            7 created_at, 8 updated_at, 9 updated_by
#define ACL_RULE_COLUMNS \
  "id, position, effect, who, action, topic, description, created_at, updated_at, updated_by"

// The rule in `row` whose columns start at `first`.
absl::StatusOr<StoredAclRule> ReadAclRule(const PgResult& r, int row, int first) {
  StoredAclRule rule;
  rule.id = r.Text(row, first);
  rule.effect = r.Text(row, first + 2);
  rule.who = r.Text(row, first + 3);
  rule.action = r.Text(row, first + 4);
  rule.topic = r.Text(row, first + 5);
  rule.description = r.Text(row, first + 6);
  rule.updated_by = r.Text(row, first + 9);
  ASSIGN_OR_RETURN(rule.position, r.Int64(row, first + 1));
  ASSIGN_OR_RETURN(rule.created_at, r.Int64(row, first + 7));
  ASSIGN_OR_RETURN(rule.updated_at, r.Int64(row, first + 8));
  return rule;
}

// Appends effect, who, action, topic and description to `params`.
PgParams& WithRuleText(PgParams& params, const StoredAclRule& rule) {
  return params.Text(rule.effect)
      .Text(rule.who)
      .Text(rule.action)
      .Text(rule.topic)
      .Text(rule.description);
}

absl::StatusOr<std::int64_t> CountAclRules(PgConnection& conn) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec("SELECT count(*) FROM acl_rules", PgParams()));
  return r.Int64(0, 0);
}

// The rule's position, or NotFound.
absl::StatusOr<std::int64_t> PositionOf(PgConnection& conn, std::string_view id) {
  ASSIGN_OR_RETURN(PgResult r,
                   conn.Exec("SELECT position FROM acl_rules WHERE id = $1", PgParams().Text(id)));
  if (r.rows() == 0) return absl::NotFoundError("no access rule with this id");
  return r.Int64(0, 0);
}

// Adds `delta` to the position of every rule in [from, to].
absl::Status Shift(PgConnection& conn, std::int64_t from, std::int64_t to, std::int64_t delta) {
  return conn
      .Exec("UPDATE acl_rules SET position = position + $3 WHERE position BETWEEN $1 AND $2",
            PgParams().Int64(from).Int64(to).Int64(delta))
      .status();
}

absl::Status BumpVersion(PgConnection& conn) {
  return conn.Exec("UPDATE acl_rules_version SET version = version + 1", PgParams()).status();
}

absl::Status OutOfRange(std::int64_t position, std::int64_t limit) {
  return absl::InvalidArgumentError(
      absl::StrCat("position ", position, " is out of range (0..", limit, ")"));
}

}  // namespace

absl::StatusOr<StoredAclRules> PgOperations::ListAclRules() {
  // One statement, so the version and the rules come from one snapshot.
  ASSIGN_OR_RETURN(PgResult r, conn_.Exec("SELECT v.version, r.id, r.position, r.effect, r.who,"
                                          " r.action, r.topic, r.description, r.created_at,"
                                          " r.updated_at, r.updated_by FROM acl_rules_version v"
                                          " LEFT JOIN acl_rules r ON true"
                                          " ORDER BY r.position, r.id",
                                          PgParams()));
  StoredAclRules out;
  for (int row = 0; row < r.rows(); ++row) {
    ASSIGN_OR_RETURN(out.version, r.Int64(row, 0));
    if (r.IsNull(row, 1)) continue;
    ASSIGN_OR_RETURN(StoredAclRule rule, ReadAclRule(r, row, 1));
    out.rules.push_back(std::move(rule));
  }
  return out;
}

absl::StatusOr<StoredAclRule> PgOperations::GetAclRule(std::string_view id) {
  ASSIGN_OR_RETURN(
      PgResult r,
      conn_.Exec("SELECT " ACL_RULE_COLUMNS " FROM acl_rules WHERE id = $1", PgParams().Text(id)));
  if (r.rows() == 0) return absl::NotFoundError("no access rule with this id");
  return ReadAclRule(r, 0, 0);
}

absl::Status PgOperations::InsertAclRule(const StoredAclRule& rule) {
  ASSIGN_OR_RETURN(std::int64_t count, CountAclRules(conn_));
  if (rule.position < 0 || rule.position > count) return OutOfRange(rule.position, count);
  RETURN_IF_ERROR(Shift(conn_, rule.position, count, 1));
  RETURN_IF_ERROR(conn_
                      .Exec("INSERT INTO acl_rules (" ACL_RULE_COLUMNS
                            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                            WithRuleText(PgParams().Text(rule.id).Int64(rule.position), rule)
                                .Int64(rule.created_at)
                                .Int64(rule.updated_at)
                                .Text(rule.updated_by))
                      .status());
  return BumpVersion(conn_);
}

absl::Status PgOperations::UpdateAclRule(const StoredAclRule& rule) {
  ASSIGN_OR_RETURN(PgResult r, conn_.Exec("UPDATE acl_rules SET effect = $2, who = $3,"
                                          " action = $4, topic = $5, description = $6,"
                                          " updated_at = $7, updated_by = $8 WHERE id = $1",
                                          WithRuleText(PgParams().Text(rule.id), rule)
                                              .Int64(rule.updated_at)
                                              .Text(rule.updated_by)));
  if (r.affected() == 0) return absl::NotFoundError("no access rule with this id");
  return BumpVersion(conn_);
}

absl::Status PgOperations::DeleteAclRule(std::string_view id) {
  ASSIGN_OR_RETURN(std::int64_t position, PositionOf(conn_, id));
  RETURN_IF_ERROR(conn_.Exec("DELETE FROM acl_rules WHERE id = $1", PgParams().Text(id)).status());
  RETURN_IF_ERROR(Shift(conn_, position + 1, INT64_MAX, -1));
  return BumpVersion(conn_);
}

absl::Status PgOperations::MoveAclRule(std::string_view id, std::int64_t position, UnixMillis at,
                                       std::string_view by) {
  ASSIGN_OR_RETURN(std::int64_t from, PositionOf(conn_, id));
  ASSIGN_OR_RETURN(std::int64_t count, CountAclRules(conn_));
  if (position < 0 || position >= count) return OutOfRange(position, count - 1);
  if (from < position) RETURN_IF_ERROR(Shift(conn_, from + 1, position, -1));
  if (from > position) RETURN_IF_ERROR(Shift(conn_, position, from - 1, 1));
  RETURN_IF_ERROR(conn_
                      .Exec("UPDATE acl_rules SET position = $2, updated_at = $3,"
                            " updated_by = $4 WHERE id = $1",
                            PgParams().Text(id).Int64(position).Int64(at).Text(by))
                      .status());
  return BumpVersion(conn_);
}

absl::StatusOr<bool> PgOperations::ClaimAclCacheClear(std::int64_t version) {
  ASSIGN_OR_RETURN(PgResult r, conn_.Exec("UPDATE acl_rules_version SET cache_cleared = $1"
                                          " WHERE cache_cleared < $1 AND version >= $1",
                                          PgParams().Int64(version)));
  return r.affected() == 1;
}

}  // namespace iothub::store
