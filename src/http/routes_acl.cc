// Routes of /api/acl: POST /api/acl/explain (admins) answers whether a principal -- a
// live clientid of this hub, a device or a user -- may publish to or subscribe a topic,
// and which step or rule decided, with the rule's id and origin (acl/explainer.h: the
// hook's own decision code). No explainer wired: 503.
#include "acl/explainer.h"
#include "http/json_body.h"
#include "http/route_table.h"

namespace iothub::http {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxTopicBytes = 65535;  // MQTT's limit for a topic

// The query in the body, or the field problems.
Result<acl::ExplainQuery> ParseQuery(const json& body) {
  std::vector<FieldProblem> problems;
  acl::ExplainQuery query;
  int named = 0;
  for (const auto& [field, subject] : {std::pair{"clientid", acl::ExplainSubject::kClientId},
                                       std::pair{"deviceId", acl::ExplainSubject::kDevice},
                                       std::pair{"userId", acl::ExplainSubject::kUser}}) {
    if (std::optional<std::string> id = OptionalString(body, field)) {
      ++named;
      query.subject = subject;
      query.id = *id;
      if (id->empty() || id->size() > 256) problems.push_back({field, "must be 1-256 characters"});
    }
  }
  if (named != 1) {
    problems.push_back({"clientid", "name exactly one of clientid, deviceId and userId"});
  }
  const std::string action = OptionalString(body, "action").value_or("");
  if (action == "publish") {
    query.action = acl::Action::kPublish;
  } else if (action == "subscribe") {
    query.action = acl::Action::kSubscribe;
  } else {
    problems.push_back({"action", "must be \"publish\" or \"subscribe\""});
  }
  query.topic = OptionalString(body, "topic").value_or("");
  if (query.topic.empty() || query.topic.size() > kMaxTopicBytes) {
    problems.push_back({"topic", "must be 1-65535 bytes"});
  }
  if (!problems.empty()) return BadRequest("invalid explain query", std::move(problems));
  return query;
}

json PrincipalToJson(const Principal& principal) {
  return json{{"kind", ToString(principal.kind)},
              {"id", principal.id},
              {"clientid", principal.clientid.empty() ? json(nullptr) : json(principal.clientid)},
              {"ownerId", principal.owner_id.empty() ? json(nullptr) : json(principal.owner_id)}};
}

Reply Explain(ApiContext& context, const RequestContext& request) {
  if (context.acl_explainer == nullptr) {
    return ErrorReply(Unavailable("access rules cannot be explained by this server"));
  }
  Result<acl::ExplainQuery> query = ParseQuery(request.body);
  if (!query.ok()) return ErrorReply(query.error());
  absl::StatusOr<acl::ExplainAnswer> answer = context.acl_explainer->Explain(*query);
  if (!answer.ok()) return ErrorReply(ErrorFromStatus(answer.status()));
  const acl::Explanation& explanation = answer->explanation;
  json rule = nullptr;
  if (explanation.step == acl::DecidingStep::kRule) {
    rule = json{{"number", explanation.rule_number},
                {"text", explanation.rule},
                {"id", explanation.rule_id.empty() ? json(nullptr) : json(explanation.rule_id)},
                {"origin", acl::ToString(explanation.rule_origin)}};
  }
  return JsonReply(200, json{{"allow", explanation.decision.allow},
                             {"reason", acl::ToString(explanation.decision.reason)},
                             {"decidedBy", acl::ToString(explanation.step)},
                             {"rule", rule},
                             {"principal", PrincipalToJson(answer->principal)}});
}

}  // namespace

std::vector<Route> AclRoutes() {
  return {
      {Method::kPost,
       "/api/acl/explain",
       "Would this principal be allowed to publish/subscribe this topic, and what decided? "
       "(admin)",
       "acl",
       Access::kAdmin,
       BodySchema{{{"clientid", FieldType::kString, false, "a clientid connected to this hub"},
                   {"deviceId", FieldType::kString, false, "a device, as it would connect"},
                   {"userId", FieldType::kString, false, "a user (without a clientid)"},
                   {"action", FieldType::kString, true, "publish or subscribe"},
                   {"topic", FieldType::kString, true, "a topic (publish) or filter (subscribe)"}}},
       {},
       {{200, "the decision and what made it", "AclExplanation"},
        {404, "no such device or user, or no session for the clientid", "Error"}},
       Explain},
  };
}

}  // namespace iothub::http
