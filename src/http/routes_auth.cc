// Routes of /api/auth (contract section 6: the caller) and GET /api/health. The caller
// view is the hub user's JSON view (registry/json_views.h) with the effective `role`
// and `authMethod` ("jwt", "proxy", "admin-token", "service"); callers that are no hub
// user (admin token, service) have id null and their token subject as userId.
#include "http/route_table.h"
#include "registry/json_views.h"
#include "registry/time_format.h"

namespace iothub::http {
namespace {

using nlohmann::json;

json CallerToJson(const Caller& caller) {
  json out;
  if (caller.user) {
    out = registry::UserToJson(*caller.user);
  } else {
    out = json{{"id", nullptr},
               {"userId", caller.subject.empty() ? json(nullptr) : json(caller.subject)},
               {"email", nullptr},
               {"name", nullptr}};
  }
  out["role"] = caller.admin ? "admin" : "user";
  out["authMethod"] = ToString(caller.kind);
  return out;
}

Reply Me(ApiContext&, const RequestContext& request) {
  return JsonReply(200, CallerToJson(*request.caller));
}

// Healthy when the store answers a one-row read (else 503). The MQTT link, when there
// is one, is reported (`mqtt`, and `status` "degraded" while it is down) without
// turning the answer into 503: the container health check reads this endpoint, and the
// broker is started only once the hub is healthy (docker-compose.yml), so a 503 for a
// link that waits for that broker would never clear. Shared state (Redis), when
// configured, is needed for every RPC request: 503 while it is down, with the reason.
Reply Health(ApiContext& context, const RequestContext&) {
  const bool store_ok = context.registry.users().ListUsers({.page = 1, .limit = 1}).ok();
  const absl::Status shared =
      context.shared_state_health ? context.shared_state_health() : absl::OkStatus();
  const bool has_link = static_cast<bool>(context.broker_link_up);
  const bool link_ok = !has_link || context.broker_link_up();
  const char* status = "ok";
  if (!store_ok || !shared.ok()) {
    status = "unavailable";
  } else if (!link_ok) {
    status = "degraded";
  }
  json body{{"status", status},
            {"store", store_ok ? "ok" : "unavailable"},
            {"time", registry::FormatIso8601(context.clock.NowUnixMillis())}};
  if (has_link) body["mqtt"] = link_ok ? "ok" : "unavailable";
  if (context.shared_state_health) {
    body["redis"] = shared.ok() ? "ok" : "unavailable";
    if (!shared.ok()) body["reason"] = std::string(shared.message());
  }
  if (!context.options.version.empty()) body["version"] = context.options.version;
  return JsonReply(store_ok && shared.ok() ? 200 : 503, std::move(body));
}

}  // namespace

std::vector<Route> AuthRoutes() {
  const std::vector<ResponseSpec> caller = {{200, "the caller", "Caller"}};
  return {
      {Method::kGet,
       "/api/health",
       "Liveness and store health (no auth)",
       "health",
       Access::kPublic,
       std::nullopt,
       {},
       {{200, "serving (status \"degraded\" while the MQTT link is down)", "Health"},
        {503, "the store (or the shared state in Redis, when configured) does not answer",
         "Health"}},
       Health},
      {Method::kGet,
       "/api/auth/profile",
       "The caller",
       "auth",
       Access::kCaller,
       std::nullopt,
       {},
       caller,
       Me},
      {Method::kGet,
       "/api/auth/me",
       "The caller",
       "auth",
       Access::kCaller,
       std::nullopt,
       {},
       caller,
       Me},
      {Method::kGet,
       "/api/auth/user",
       "The caller",
       "auth",
       Access::kCaller,
       std::nullopt,
       {},
       caller,
       Me},
      {Method::kGet,
       "/api/auth/admin",
       "The caller, when an admin",
       "auth",
       Access::kAdmin,
       std::nullopt,
       {},
       caller,
       Me},
  };
}

}  // namespace iothub::http
