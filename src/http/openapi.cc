#include "http/openapi.h"

#include <algorithm>
#include <cctype>

#include "http/json_body.h"

namespace iothub::http {
namespace {

using nlohmann::json;

json Ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

json Nullable(json schema) {
  schema["nullable"] = true;
  return schema;
}

const json kString = {{"type", "string"}};
const json kTime = {{"type", "string"}, {"format", "date-time"}};
const json kInteger = {{"type", "integer"}};

json Object(json properties) { return {{"type", "object"}, {"properties", properties}}; }

json Schemas() {
  json schemas;
  schemas["Error"] =
      Object({{"error", Object({{"code", kString},
                                {"message", kString},
                                {"details",
                                 {{"type", "array"},
                                  {"items", Object({{"field", kString}, {"problem", kString}})}}},
                                {"retryAfterSeconds", kInteger}})}});
  schemas["User"] = Object({{"id", kString},
                            {"userId", Nullable(kString)},
                            {"email", kString},
                            {"name", kString},
                            {"avatar", Nullable(kString)},
                            {"role", {{"type", "string"}, {"enum", {"admin", "user"}}}},
                            {"balance", {{"type", "string"}, {"example", "12.50"}}},
                            {"plan", kString},
                            {"planExpiresAt", Nullable(kTime)},
                            {"metadata", {{"type", "object"}}},
                            {"createdAt", kTime},
                            {"updatedAt", kTime}});
  schemas["Caller"] = {
      {"allOf",
       {Ref("User"),
        Object({{"authMethod",
                 {{"type", "string"}, {"enum", {"jwt", "proxy", "admin-token", "service"}}}}})}}};
  schemas["UserPage"] = Object({{"users", {{"type", "array"}, {"items", Ref("User")}}},
                                {"total", kInteger},
                                {"page", kInteger},
                                {"limit", kInteger}});
  schemas["Device"] =
      Object({{"id", kString},
              {"model", kString},
              {"publicKey", Nullable(kString)},
              {"ownerId", Nullable(kString)},
              {"status", {{"type", "string"}, {"enum", {"unbound", "bound", "revoked"}}}},
              {"firmwareVersion", Nullable(kString)},
              {"lastSeenAt", Nullable(kTime)},
              {"createdAt", kTime}});
  schemas["DeviceAnswer"] = Object({{"message", kString}, {"device", Ref("Device")}});
  // claimCode: shown once (sign-device, unbind-device); only its hash is stored.
  schemas["DeviceCodeAnswer"] =
      Object({{"message", kString}, {"device", Ref("Device")}, {"claimCode", kString}});
  schemas["ClaimCode"] = Object({{"message", kString}, {"claimCode", kString}});
  schemas["DevicePage"] = Object({{"devices", {{"type", "array"}, {"items", Ref("Device")}}},
                                  {"total", kInteger},
                                  {"page", kInteger},
                                  {"limit", kInteger}});
  schemas["Certificate"] = Object({{"id", kString},
                                   {"deviceId", kString},
                                   {"fingerprint", kString},
                                   {"serialNumber", kString},
                                   {"validFrom", kTime},
                                   {"validTo", kTime},
                                   {"createdAt", kTime},
                                   {"revokedAt", Nullable(kTime)},
                                   {"revocationReason", Nullable(kString)},
                                   {"clientCert", kString},
                                   {"caCert", kString}});
  schemas["SignedCertificate"] = Object({{"certificate", kString},
                                         {"caCertificate", kString},
                                         {"fingerprint", kString},
                                         {"serialNumber", kString},
                                         {"validFrom", kTime},
                                         {"validTo", kTime}});
  schemas["Validation"] = Object(
      {{"valid", {{"type", "boolean"}}},
       {"deviceId", kString},
       {"fingerprint", kString},
       {"reason",
        {{"type", "string"}, {"enum", {"unknown", "revoked", "not_yet_valid", "expired"}}}}});
  schemas["Message"] = Object({{"message", kString}});
  schemas["CaStatus"] = Object({{"id", kString},
                                {"generation", kInteger},
                                {"subject", kString},
                                {"notBefore", kTime},
                                {"notAfter", kTime},
                                {"status", {{"type", "string"}, {"enum", {"active", "retired"}}}},
                                {"retiredAt", Nullable(kTime)},
                                {"signing", {{"type", "boolean"}}},
                                {"activeCertificates", kInteger}});
  schemas["CaList"] = Object({{"cas", {{"type", "array"}, {"items", Ref("CaStatus")}}}});
  schemas["CaRetirement"] = Object({{"id", kString}, {"revokedCertificates", kInteger}});
  const json metadata =
      Object({{"executionTime", kInteger}, {"sentAt", kTime}, {"receivedAt", Nullable(kTime)}});
  schemas["CommandResult"] = Object(
      {{"id", kString},
       {"result", {{"type", "object"}}},
       {"error", Object({{"code", kInteger}, {"message", kString}, {"data", json::object()}})},
       {"metadata", metadata}});
  schemas["CommandSent"] = Object({{"success", {{"type", "boolean"}}},
                                   {"message", kString},
                                   {"id", kString},
                                   {"metadata", metadata}});
  schemas["AclExplanation"] = Object(
      {{"allow", {{"type", "boolean"}}},
       {"reason", kString},
       {"decidedBy", {{"type", "string"}, {"enum", {"topic", "principal", "rule", "builtin"}}}},
       {"rule",
        Nullable(Object({{"number", kInteger},
                         {"text", kString},
                         {"id", Nullable(kString)},
                         {"origin", {{"type", "string"}, {"enum", {"config", "database"}}}}}))},
       {"principal", Object({{"kind", kString},
                             {"id", kString},
                             {"clientid", Nullable(kString)},
                             {"ownerId", Nullable(kString)}})}});
  schemas["AclRule"] = Object(
      {{"id", Nullable(kString)},
       {"origin", {{"type", "string"}, {"enum", {"config", "database"}}}},
       {"position", kInteger},
       {"effect", {{"type", "string"}, {"enum", {"allow", "deny"}}}},
       {"who", {{"type", "string"}, {"enum", {"any", "device", "user", "admin", "service"}}}},
       {"action", {{"type", "string"}, {"enum", {"publish", "subscribe", "all"}}}},
       {"topic", kString},
       {"description", kString},
       {"createdAt", Nullable(kInteger)},
       {"updatedAt", Nullable(kInteger)},
       {"updatedBy", Nullable(kString)}});
  schemas["AclRuleAnswer"] = Object({{"rule", Ref("AclRule")}});
  schemas["AclRuleList"] = Object({{"rules", {{"type", "array"}, {"items", Ref("AclRule")}}}});
  const json time_or_null = Nullable(kTime);
  const json current_certificate =
      Nullable(Object({{"fingerprint", kString}, {"validFrom", kTime}, {"validTo", kTime}}));
  schemas["FleetOverview"] = Object({{"devices", Object({{"total", kInteger},
                                                         {"unbound", kInteger},
                                                         {"bound", kInteger},
                                                         {"revoked", kInteger}})},
                                     {"users", kInteger},
                                     {"onlineNow", kInteger},
                                     {"certificates", Object({{"current", kInteger},
                                                              {"expiringSoon", kInteger},
                                                              {"expired", kInteger},
                                                              {"expiringWithinDays", kInteger}})},
                                     {"generatedAt", kTime}});
  schemas["FleetDevice"] = Object({{"id", kString},
                                   {"status", kString},
                                   {"ownerId", Nullable(kString)},
                                   {"online", {{"type", "boolean"}}},
                                   {"connected", {{"type", "boolean"}}},
                                   {"lastSeenAt", time_or_null},
                                   {"model", kString},
                                   {"firmwareVersion", Nullable(kString)},
                                   {"createdAt", kTime},
                                   {"certificate", current_certificate}});
  schemas["FleetDevicePage"] =
      Object({{"devices", {{"type", "array"}, {"items", Ref("FleetDevice")}}},
              {"total", kInteger},
              {"page", kInteger},
              {"limit", kInteger}});
  schemas["FleetDeviceDetail"] = Object(
      {{"device", Ref("FleetDevice")},
       {"certificates", {{"type", "array"}, {"items", Object({{"fingerprint", kString}})}}}});
  schemas["FleetCertificatePage"] =
      Object({{"certificates",
               {{"type", "array"},
                {"items", Object({{"fingerprint", kString},
                                  {"deviceId", kString},
                                  {"validFrom", kTime},
                                  {"validTo", kTime},
                                  {"state",
                                   {{"type", "string"},
                                    {"enum", {"active", "expiring", "expired", "revoked"}}}}})}}},
              {"total", kInteger},
              {"page", kInteger},
              {"limit", kInteger}});
  schemas["AuditLog"] = Object({{"entries",
                                 {{"type", "array"},
                                  {"items", Object({{"seq", kInteger},
                                                    {"at", kTime},
                                                    {"actor", kString},
                                                    {"action", kString},
                                                    {"target", kString},
                                                    {"details", {{"type", "object"}}}})}}}});
  schemas["RpcMethods"] =
      Object({{"methods",
               {{"type", "array"},
                {"items", Object({{"name", kString}, {"fields", {{"type", "array"}}}})}}}});
  schemas["Health"] = Object({{"status", kString},
                              {"store", kString},
                              {"mqtt", kString},
                              {"redis", kString},
                              {"reason", kString},
                              {"time", kTime},
                              {"version", kString}});
  return schemas;
}

// Paging parameters are integers; every other query parameter is text.
bool IsIntegerParam(const std::string& name) { return name == "page" || name == "limit"; }

json Response(const std::string& description, const std::string& schema) {
  json out{{"description", description}};
  if (!schema.empty()) {
    out["content"] = {{"application/json", {{"schema", Ref(schema)}}}};
  }
  return out;
}

json Operation(const Route& route) {
  json op{{"summary", route.summary},
          {"tags", {route.tag}},
          {"operationId", std::string(ToString(route.method)) + " " + route.path}};
  json parameters = json::array();
  for (const std::string& name : PathParams(route.path)) {
    parameters.push_back({{"name", name}, {"in", "path"}, {"required", true}, {"schema", kString}});
  }
  for (const QueryParam& param : route.query) {
    parameters.push_back({{"name", param.name},
                          {"in", "query"},
                          {"required", false},
                          {"description", param.description},
                          {"schema", IsIntegerParam(param.name) ? kInteger : kString}});
  }
  if (!parameters.empty()) op["parameters"] = parameters;
  if (route.body) {
    op["requestBody"] = {
        {"required", true},
        {"content", {{"application/json", {{"schema", BodySchemaToJson(*route.body)}}}}}};
  }

  json responses = json::object();
  for (const ResponseSpec& response : route.responses) {
    responses[std::to_string(response.status)] = Response(response.description, response.schema);
  }
  auto add_error = [&](int status, const char* description) {
    const std::string key = std::to_string(status);
    if (!responses.contains(key)) responses[key] = Response(description, "Error");
  };
  const bool has_input = route.body || !route.query.empty() || !PathParams(route.path).empty();
  if (has_input) add_error(400, "invalid input; details name the fields");
  if (route.access != Access::kPublic) {
    add_error(401, "no or bad credentials");
    add_error(403, "the caller may not do this");
  }
  if (!PathParams(route.path).empty() || route.body) add_error(404, "not found");
  if (route.method != Method::kGet) add_error(409, "conflict with the current state");
  if (route.body) {
    add_error(413, "body larger than the limit");
    add_error(415, "body is not application/json");
  }
  op["responses"] = std::move(responses);
  if (route.access == Access::kPublic) {
    op["security"] = json::array();
  }
  return op;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

json BuildOpenApi(const std::vector<Route>& routes, const std::string& version) {
  json paths = json::object();
  for (const Route& route : routes) {
    paths[route.path][Lower(ToString(route.method))] = Operation(route);
  }
  return json{
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "iot-hub HTTP API"},
        {"version", version.empty() ? "0" : version},
        {"description",
         "Admin and user API of iot-hub. Errors are {\"error\": {code, message, details}}; "
         "every invalid input is 400."}}},
      {"paths", paths},
      {"components",
       {{"schemas", Schemas()},
        {"securitySchemes",
         {{"bearer",
           {{"type", "http"},
            {"scheme", "bearer"},
            {"description", "a JWT of the identity provider, or the bootstrap admin token"}}},
          {"oauth2Proxy",
           {{"type", "apiKey"},
            {"in", "header"},
            {"name", "X-Auth-Request-User"},
            {"description",
             "OAuth2 Proxy headers, trusted only from configured proxies; the user is the "
             "hub user whose userId is X-Auth-Request-User"}}}}}}},
      {"security", json::array({{{"bearer", json::array()}}, {{"oauth2Proxy", json::array()}}})},
  };
}

std::vector<Route> OpenApiRoutes() {
  return {{Method::kGet,
           "/api/openapi.json",
           "This OpenAPI document (no auth)",
           "meta",
           Access::kPublic,
           std::nullopt,
           {},
           {{200, "the OpenAPI 3.0 document", ""}},
           [](ApiContext& context, const RequestContext&) {
             return JsonReply(200, BuildOpenApi(ApiRoutes(), context.options.version));
           }}};
}

}  // namespace iothub::http
