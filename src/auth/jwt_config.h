// JwtConfig: what a JwtVerifier checks besides signatures. Plain value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace iothub::auth {

struct JwtConfig {
  // Shared secrets for HS256/384/512, tried in order (several allow rotation).
  std::vector<std::string> hs_secrets{};
  // Required iss when non-empty (exact match).
  std::string issuer{};
  // Required member of aud (string or array) when non-empty.
  std::string audience{};
  // Clock skew allowed for exp, nbf and iat, in seconds.
  std::int64_t leeway_s = 30;
  // Selects resource_access[client_id].roles; empty ignores resource_access.
  std::string client_id{};
};

}  // namespace iothub::auth
