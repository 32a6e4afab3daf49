// TokenAuthenticator: admits users and services that connect with username `jwt` and a
// JWT as password (contract section 7). A token with the "service" role admits a service
// principal (id = sub), a broker's bridge when it also has the "broker-bridge" role; any other
// token must name, by `sub`, a user registered in the hub (users are created by the admin API or
// the CLI), who is admitted as a user, or as an admin when the token or the registry says admin. A
// clientid that is a registered device's id is refused whatever the token: it belongs to that
// device. Thread-safe (the verifier is).
#pragma once

#include <string_view>

#include "auth/auth_result.h"
#include "auth/jwt_verifier.h"
#include "model/fleet_snapshot.h"

namespace iothub::auth {

class TokenAuthenticator {
 public:
  // `verifier` may be null: then every token is refused (JWT is not configured).
  explicit TokenAuthenticator(const JwtVerifier* verifier) : verifier_(verifier) {}

  AuthResult Authenticate(std::string_view clientid, std::string_view token,
                          const FleetSnapshot& fleet, UnixMillis now) const;

 private:
  const JwtVerifier* verifier_;
};

}  // namespace iothub::auth
