// GET /api/audit (admins): the newest entries of the audit log, newest first, for the
// web console. Details are the JSON the registry wrote with the entry (never a secret:
// the registry keeps claim codes and keys out of it).
#include <nlohmann/json.hpp>

#include "http/request_params.h"
#include "http/route_table.h"
#include "registry/time_format.h"

namespace iothub::http {
namespace {

using nlohmann::json;

constexpr std::int64_t kDefaultLimit = 50;
constexpr std::int64_t kMaxLimit = 500;

Reply ListAudit(ApiContext& context, const RequestContext& request) {
  Result<std::int64_t> limit = QueryInteger(request.query, "limit", kDefaultLimit, 1, kMaxLimit);
  if (!limit.ok()) return ErrorReply(limit.error());
  absl::StatusOr<std::vector<store::AuditEntry>> entries = context.registry.RecentAudit(*limit);
  if (!entries.ok()) return ErrorReply(ErrorFromStatus(entries.status()));
  json list = json::array();
  for (const store::AuditEntry& entry : *entries) {
    json details = json::parse(entry.details_json, nullptr, /*allow_exceptions=*/false);
    if (details.is_discarded()) details = entry.details_json;
    list.push_back({{"seq", entry.seq},
                    {"at", registry::FormatIso8601(entry.at)},
                    {"actor", entry.actor},
                    {"action", entry.action},
                    {"target", entry.target},
                    {"details", std::move(details)}});
  }
  return JsonReply(200, json{{"entries", std::move(list)}});
}

}  // namespace

std::vector<Route> AuditRoutes() {
  return {
      {Method::kGet,
       "/api/audit",
       "The newest audit log entries, newest first (admin)",
       "audit",
       Access::kAdmin,
       std::nullopt,
       {{"limit", "how many entries, 1-500 (default 50)"}},
       {{200, "{entries: [{seq, at, actor, action, target, details}]}", "AuditLog"}},
       ListAudit},
  };
}

}  // namespace iothub::http
