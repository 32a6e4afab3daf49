// JwtClaims: what a verified token says about its bearer, and how roles are read from
// Keycloak-style claims (contract section 7). Plain values; functions are thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/user.h"

namespace iothub::auth {

struct JwtClaims {
  std::string subject;                        // sub, never empty
  std::string issuer;                         // iss, empty when absent
  std::vector<std::string> audiences;         // aud as a list (a string aud gives one entry)
  std::optional<std::int64_t> exp, nbf, iat;  // seconds since the epoch
  // kAdmin when "admin" is among realm_access.roles or resource_access[client_id].roles
  // (admin wins wherever it appears); kUser otherwise.
  Role role = Role::kUser;
  // True when the role "service" appears in those same lists: the bearer is a backend
  // service principal (PrincipalKind::kService, id = sub), not a human user.
  bool is_service = false;
  // True when the role "broker-bridge" appears there as well: with is_service, the bearer
  // is a broker's bridge to another broker (Principal::broker_bridge).
  bool is_bridge = false;
  std::string email, name, preferred_username;  // empty when absent or not strings
  nlohmann::json raw;                           // the whole payload object
};

// Fills role, is_service and is_bridge of `claims` from its payload `raw`. `client_id` selects
// resource_access[client_id]; empty skips resource_access. Ignores values of wrong type.
void ApplyRoles(std::string_view client_id, JwtClaims* claims);

}  // namespace iothub::auth
