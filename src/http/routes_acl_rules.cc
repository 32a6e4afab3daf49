// Routes of /api/acl/rules (admins): the access rules in evaluation order -- configured
// rules (read-only, origin "config", no id) then database rules -- and the changes an
// admin makes to the database rules: create (at the end or before a rule), update,
// delete, move. Validation and auditing are the domain's (registry/acl_rule_book.h);
// these handlers map its field problems and statuses. No rule book wired: 503.
#include "http/json_body.h"
#include "http/route_table.h"
#include "registry/acl_rule_book.h"
#include "registry/json_views.h"

namespace iothub::http {
namespace {

using nlohmann::json;

Reply RuleList(int status, const absl::StatusOr<std::vector<registry::ListedAclRule>>& rules,
               std::string_view field) {
  if (!rules.ok()) return ErrorReply(ErrorFromStatus(rules.status(), field));
  json out = json::array();
  for (const registry::ListedAclRule& rule : *rules)
    out.push_back(json(registry::AclRuleToJson(rule)));
  return JsonReply(status, json{{"rules", std::move(out)}});
}

Reply RuleAnswer(int status, const absl::StatusOr<registry::ListedAclRule>& rule,
                 std::string_view field) {
  if (!rule.ok()) return ErrorReply(ErrorFromStatus(rule.status(), field));
  return JsonReply(status, json{{"rule", registry::AclRuleToJson(*rule)}});
}

// The rule in the body, or a 400 naming every bad field.
Result<registry::AclRuleInput> ParseInput(const json& body) {
  registry::AclRuleInput input{.effect = OptionalString(body, "effect").value_or(""),
                               .who = OptionalString(body, "who").value_or(""),
                               .action = OptionalString(body, "action").value_or(""),
                               .topic = OptionalString(body, "topic").value_or(""),
                               .description = OptionalString(body, "description").value_or("")};
  std::vector<FieldProblem> problems;
  for (registry::AclRuleFieldProblem& problem : registry::CheckAclRuleInput(input)) {
    problems.push_back({std::move(problem.field), std::move(problem.problem)});
  }
  if (!problems.empty()) return BadRequest("invalid access rule", std::move(problems));
  return input;
}

Reply NoBook() { return ErrorReply(Unavailable("access rules are not managed by this server")); }

Reply ListRules(ApiContext& context, const RequestContext&) {
  if (context.acl_rules == nullptr) return NoBook();
  return RuleList(200, context.acl_rules->List(), "");
}

Reply CreateRule(ApiContext& context, const RequestContext& request) {
  if (context.acl_rules == nullptr) return NoBook();
  Result<registry::AclRuleInput> input = ParseInput(request.body);
  if (!input.ok()) return ErrorReply(input.error());
  return RuleAnswer(201,
                    context.acl_rules->Create(*input, OptionalString(request.body, "before"),
                                              request.caller->actor),
                    "before");
}

Reply UpdateRule(ApiContext& context, const RequestContext& request) {
  if (context.acl_rules == nullptr) return NoBook();
  Result<registry::AclRuleInput> input = ParseInput(request.body);
  if (!input.ok()) return ErrorReply(input.error());
  return RuleAnswer(
      200, context.acl_rules->Update(request.path.at("id"), *input, request.caller->actor), "");
}

Reply DeleteRule(ApiContext& context, const RequestContext& request) {
  if (context.acl_rules == nullptr) return NoBook();
  if (absl::Status s = context.acl_rules->Delete(request.path.at("id"), request.caller->actor);
      !s.ok()) {
    return ErrorReply(ErrorFromStatus(s));
  }
  return NoContent();
}

Reply MoveRule(ApiContext& context, const RequestContext& request) {
  if (context.acl_rules == nullptr) return NoBook();
  const std::int64_t index = *OptionalInteger(request.body, "index");
  return RuleList(200, context.acl_rules->Move(request.path.at("id"), index, request.caller->actor),
                  "index");
}

BodySchema RuleBody(bool with_before) {
  BodySchema schema{{{"effect", FieldType::kString, true, "allow or deny"},
                     {"who", FieldType::kString, true, "any, device, user, admin or service"},
                     {"action", FieldType::kString, true, "publish, subscribe or all"},
                     {"topic", FieldType::kString, true,
                      "a topic filter; levels may be ${clientid}, ${username}, ${device_id} "
                      "or ${user_id}"},
                     {"description", FieldType::kString, false, "free text"}}};
  if (with_before) {
    schema.fields.push_back(
        {"before", FieldType::kString, false, "insert before this database rule (default: last)"});
  }
  return schema;
}

}  // namespace

std::vector<Route> AclRuleRoutes() {
  const ResponseSpec not_found{404, "no database rule with this id", "Error"};
  const ResponseSpec read_only{409, "a rule from the configuration file (read-only)", "Error"};
  return {
      {Method::kGet,
       "/api/acl/rules",
       "Access rules in evaluation order: configured ones, then database ones (admin)",
       "acl",
       Access::kAdmin,
       std::nullopt,
       {},
       {{200, "every rule", "AclRuleList"}},
       ListRules},
      {Method::kPost,
       "/api/acl/rules",
       "Add a database access rule, last or before another (admin, audited)",
       "acl",
       Access::kAdmin,
       RuleBody(true),
       {},
       {{201, "the rule as stored", "AclRuleAnswer"}, {400, "a problem per bad field", "Error"}},
       CreateRule},
      {Method::kPut,
       "/api/acl/rules/{id}",
       "Replace a database access rule (admin, audited)",
       "acl",
       Access::kAdmin,
       RuleBody(false),
       {},
       {{200, "the rule as stored", "AclRuleAnswer"},
        {400, "a problem per bad field", "Error"},
        not_found,
        read_only},
       UpdateRule},
      {Method::kDelete,
       "/api/acl/rules/{id}",
       "Delete a database access rule (admin, audited)",
       "acl",
       Access::kAdmin,
       std::nullopt,
       {},
       {{204, "deleted", ""}, not_found, read_only},
       DeleteRule},
      {Method::kPost,
       "/api/acl/rules/{id}/move",
       "Move a database access rule to an index among the database rules (admin, audited)",
       "acl",
       Access::kAdmin,
       BodySchema{{{"index", FieldType::kInteger, true, "0-based, among the database rules"}}},
       {},
       {{200, "every rule after the move", "AclRuleList"},
        {400, "index out of range", "Error"},
        not_found,
        read_only},
       MoveRule},
  };
}

}  // namespace iothub::http
