// JwtConfig: what a JwtVerifier checks besides signatures. Plain value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "auth/jwt_algorithm.h"

namespace iothub::auth {

struct JwtConfig {
  // Shared secrets, tried in order (several allow rotation); each verifies hs_alg only.
  std::vector<std::string> hs_secrets{};
  // The one HMAC algorithm of hs_secrets: a token with another HS alg is refused
  // (kAlgNotAllowed), never verified with the secret.
  JwtAlgorithm hs_alg = JwtAlgorithm::kHS256;
  // Required iss when non-empty (exact match).
  std::string issuer{};
  // Required member of aud (string or array) when non-empty.
  std::string audience{};
  // Clock skew allowed for exp, nbf and iat, in seconds.
  std::int64_t leeway_s = 30;
  // Selects resource_access[client_id].roles; empty ignores resource_access.
  std::string client_id{};
  // Refuse a token without exp (kMissingExp): it would never expire.
  bool require_exp = true;
  // When > 0, refuse a token whose exp - iat exceeds this many seconds
  // (kLifetimeTooLong); it then needs both exp (kMissingExp) and iat (kMissingIat).
  std::int64_t max_lifetime_s = 0;
};

}  // namespace iothub::auth
