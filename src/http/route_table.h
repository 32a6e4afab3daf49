// The HTTP API's route table: ONE list of routes, each with its method, path, summary,
// access rule, request body schema, query parameters, documented responses and
// handler. RegisterApi (register_api.h) registers exactly these routes and
// BuildOpenApi (openapi.h) documents exactly these routes, so the two cannot drift.
//
// Paths are templates with "{name}" parameters ("/api/users/{id}"); a parameter
// matches one path segment ([^/]+ after URL decoding), so "%2F" can never widen it.
// Routes are matched in table order (a literal path before a parameter at the same
// place).
//
// Thread-safety: the table is built once and immutable; handlers are thread-safe.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http/api_context.h"
#include "http/api_error.h"
#include "http/caller.h"

namespace iothub::http {

enum class Method { kGet, kPost, kPut, kPatch, kDelete };
std::string_view ToString(Method method);  // "GET", ...

// Who may call a route. Per-object rules (a user and their own devices) are the
// handler's.
enum class Access {
  kPublic,  // no credentials
  kCaller,  // any authenticated caller
  kAdmin,   // admin token, admin user or service
};

// JSON types a body field may have.
enum class FieldType {
  kString,
  kInteger,
  kNumber,
  kBoolean,
  kObject,
  kStringOrNumber,  // a decimal amount: "12.50" or 12.5
  kNullableString,  // a string or null (null clears)
};

struct FieldSpec {
  std::string name;
  FieldType type = FieldType::kString;
  bool required = false;
  std::string description;
};

// A JSON object body: its fields; any other field is refused (400 naming it).
struct BodySchema {
  std::vector<FieldSpec> fields;
};

struct QueryParam {
  std::string name;
  std::string description;
};

struct ResponseSpec {
  int status = 200;
  std::string description;
  std::string schema;  // a components/schemas name, or empty
};

// What a handler answers: JSON, or text of another type; or an error.
struct Reply {
  int status = 200;
  nlohmann::json json;  // used when content_type is JSON
  std::string text;     // used otherwise
  std::string content_type = "application/json";
  std::optional<ApiError> error;
  // Extra response headers (e.g. Retry-After), name and value.
  std::vector<std::pair<std::string, std::string>> headers;
};

Reply JsonReply(int status, nlohmann::json body);
Reply TextReply(int status, std::string text, std::string content_type);
Reply NoContent();
Reply ErrorReply(ApiError error);

// What a handler receives: the authenticated caller (absent on kPublic routes), the
// path parameters by name (URL-decoded), the query parameters and the validated body.
struct RequestContext {
  const Caller* caller = nullptr;
  std::map<std::string, std::string> path;
  std::multimap<std::string, std::string> query;
  nlohmann::json body;  // an object that passed the route's BodySchema; null without one
};

using Handler = std::function<Reply(ApiContext&, const RequestContext&)>;

struct Route {
  Method method = Method::kGet;
  std::string path;  // "/api/users/{id}"
  std::string summary;
  std::string tag;  // OpenAPI tag: "users", "devices", ...
  Access access = Access::kCaller;
  std::optional<BodySchema> body;  // JSON body required (415 if not JSON) when set
  std::vector<QueryParam> query;
  std::vector<ResponseSpec> responses;
  Handler handler;
};

// The routes of each area (routes_*.cc).
std::vector<Route> UserRoutes();
std::vector<Route> DeviceRoutes();
std::vector<Route> CertificateRoutes();
std::vector<Route> AuthRoutes();  // /api/auth/* and /api/health
std::vector<Route> CommandRoutes();
std::vector<Route> AclRoutes();      // POST /api/acl/explain
std::vector<Route> AclRuleRoutes();  // /api/acl/rules...
std::vector<Route> FleetRoutes();    // /api/fleet/*: the console's fleet views
std::vector<Route> AuditRoutes();    // GET /api/audit
std::vector<Route> CaRoutes();       // /api/ca*
std::vector<Route> OpenApiRoutes();  // GET /api/openapi.json

// The whole table, in matching order. Built once.
const std::vector<Route>& ApiRoutes();

// The names of the "{name}" parameters of `path`, in order.
std::vector<std::string> PathParams(const std::string& path);
// The regular expression httplib matches `path` with ("{id}" -> "([^/]+)").
std::string PathRegex(const std::string& path);

}  // namespace iothub::http
