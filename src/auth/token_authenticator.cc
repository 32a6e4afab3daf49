#include "auth/token_authenticator.h"

namespace iothub::auth {

AuthResult TokenAuthenticator::Authenticate(std::string_view clientid, std::string_view token,
                                            const FleetSnapshot& fleet, UnixMillis now) const {
  if (verifier_ == nullptr) return AuthResult::Refuse("JWT authentication is not configured");
  if (token.empty()) return AuthResult::Refuse("no token in the password");
  JwtResult result = verifier_->Verify(token, now);
  if (!result.ok()) return AuthResult::Refuse(ToString(result.failure()));
  const JwtClaims& claims = result.claims();
  // A device's id is its clientid: a token client admitted under it would take the
  // device's connection and hub session over (and leave the device counted online).
  if (fleet.FindDevice(clientid) != nullptr) return AuthResult::Refuse("clientid is a device id");

  auto principal = std::make_shared<Principal>();
  principal->clientid = std::string(clientid);
  principal->username = "jwt";
  if (claims.is_service) {
    principal->kind = PrincipalKind::kService;
    principal->id = claims.subject;
    principal->broker_bridge = claims.is_bridge;
    return {std::move(principal), claims.is_bridge ? "broker bridge token" : "service token"};
  }
  const UserRecord* user = fleet.FindUserBySubject(claims.subject);
  if (user == nullptr) return AuthResult::Refuse("token subject is not a registered user");
  const bool admin = claims.role == Role::kAdmin || user->role == Role::kAdmin;
  principal->kind = admin ? PrincipalKind::kAdmin : PrincipalKind::kUser;
  principal->id = user->id;
  return {std::move(principal), admin ? "admin token" : "user token"};
}

}  // namespace iothub::auth
