#include "auth/jwt_claims.h"

namespace iothub::auth {
namespace {

// Looks at `holder`["roles"], an array of strings, for "admin", "service" and
// "broker-bridge".
void ScanRoles(const nlohmann::json& holder, JwtClaims* claims) {
  if (!holder.is_object()) return;
  const auto roles = holder.find("roles");
  if (roles == holder.end() || !roles->is_array()) return;
  for (const auto& role : *roles) {
    if (!role.is_string()) continue;
    const auto& text = role.get_ref<const std::string&>();
    if (text == "admin") claims->role = Role::kAdmin;
    if (text == "service") claims->is_service = true;
    if (text == "broker-bridge") claims->is_bridge = true;
  }
}

}  // namespace

void ApplyRoles(std::string_view client_id, JwtClaims* claims) {
  claims->role = Role::kUser;
  claims->is_service = false;
  claims->is_bridge = false;
  const nlohmann::json& raw = claims->raw;
  if (!raw.is_object()) return;
  if (const auto realm = raw.find("realm_access"); realm != raw.end()) ScanRoles(*realm, claims);
  if (client_id.empty()) return;
  const auto resource = raw.find("resource_access");
  if (resource == raw.end() || !resource->is_object()) return;
  if (const auto access = resource->find(std::string(client_id)); access != resource->end()) {
    ScanRoles(*access, claims);
  }
}

}  // namespace iothub::auth
