// Routes of /api/ca (admins; docs/certificates.md "CA rotation"): the status of every
// CA, the bundle of trusted CAs for a broker's cafile, a rotation, and retiring a CA
// (409 while active device certificates depend on it, unless {"force": true}). Every
// change is audited by the registry (ca.rotate, ca.retire).
#include "http/json_body.h"
#include "http/route_table.h"
#include "registry/ca_service.h"
#include "registry/json_views.h"

namespace iothub::http {
namespace {

using nlohmann::json;

Reply Status(ApiContext& context, const RequestContext&) {
  absl::StatusOr<std::vector<registry::CaStatus>> cas = context.registry.cas().Status();
  if (!cas.ok()) return ErrorReply(ErrorFromStatus(cas.status()));
  json items = json::array();
  for (const registry::CaStatus& ca : *cas) items.push_back(json(registry::CaStatusToJson(ca)));
  return JsonReply(200, json{{"cas", items}});
}

Reply Bundle(ApiContext& context, const RequestContext&) {
  absl::StatusOr<std::string> bundle = context.registry.cas().Bundle();
  if (!bundle.ok()) return ErrorReply(ErrorFromStatus(bundle.status()));
  return TextReply(200, *bundle, "application/x-pem-file");
}

Reply Rotate(ApiContext& context, const RequestContext& request) {
  absl::StatusOr<registry::CaStatus> created =
      context.registry.cas().Rotate(context.ca_key_type, request.caller->actor);
  if (!created.ok()) return ErrorReply(ErrorFromStatus(created.status()));
  return JsonReply(201, registry::CaStatusToJson(*created));
}

Reply Retire(ApiContext& context, const RequestContext& request) {
  const bool force = request.body.contains("force") && request.body["force"].get<bool>();
  absl::StatusOr<registry::CaRetirement> retired =
      context.registry.cas().Retire(request.path.at("id"), force, request.caller->actor);
  if (!retired.ok()) return ErrorReply(ErrorFromStatus(retired.status(), "id"));
  return JsonReply(
      200, json{{"id", retired->id}, {"revokedCertificates", retired->revoked_certificates}});
}

}  // namespace

std::vector<Route> CaRoutes() {
  return {
      {Method::kGet,
       "/api/ca",
       "Every CA: id, subject, validity, active or retired, the one that signs, and how many "
       "active device certificates it backs (admin)",
       "ca",
       Access::kAdmin,
       std::nullopt,
       {},
       {{200, "{cas: [CaStatus]}", "CaList"}},
       Status},
      {Method::kGet,
       "/api/ca/bundle",
       "The certificates of every trusted CA, PEM: a broker's cafile (admin)",
       "ca",
       Access::kAdmin,
       std::nullopt,
       {},
       {{200, "PEM certificates, application/x-pem-file", ""}},
       Bundle},
      {Method::kPost,
       "/api/ca/rotate",
       "Create a new CA (key type: [ca] key_type) that signs from now on; the others stay "
       "trusted (admin)",
       "ca",
       Access::kAdmin,
       std::nullopt,
       {},
       {{201, "the new CA", "CaStatus"}},
       Rotate},
      {Method::kPost,
       "/api/ca/{id}/retire",
       "Retire a CA: its certificates are revoked and refused, it leaves the bundle (admin)",
       "ca",
       Access::kAdmin,
       BodySchema{{{"force", FieldType::kBoolean, false,
                    "retire even while active device certificates depend on it (revokes them)"}}},
       {},
       {{200, "{id, revokedCertificates}", "CaRetirement"},
        {404, "no such CA", "Error"},
        {409, "active certificates depend on it, it signs, or it is already retired", "Error"}},
       Retire},
  };
}

}  // namespace iothub::http
