// Caller: who sent an HTTP API request, as AuthenticateCaller decided it, and the role
// checks the handlers make (contract section 7; issue: admin sees and changes
// everything, a user only themself and their devices).
//
// How a request authenticates, in order:
//  1. `Authorization: Bearer <t>` where t equals the configured admin token (constant-
//     time compare; an empty config disables it): kAdminToken, actor "admin-token".
//  2. `Authorization: Bearer <JWT>` verified by the JwtVerifier:
//     - a service token (role "service"): kService, admin-like, actor "service:<sub>";
//     - otherwise `sub` must be the `userId` (subject) of a registered hub user: kUser,
//       admin when the token's role or the user record says admin, actor "user:<id>".
//       An unregistered subject is 403 (users are created by an admin; no
//       self-registration).
//  3. No Authorization header, the remote address in the trusted proxy list, and
//     X-Auth-Request-User (a subject) or X-Auth-Request-Email naming a registered
//     user: kProxy, role from the user record, actor "proxy:<header value>". The
//     proxy's X-Auth-Request-Access-Token is not re-verified (the proxy is trusted).
//     Proxy headers from any other address are refused (401), never ignored silently.
// Anything else is 401 with `WWW-Authenticate: Bearer`.
//
// Plain value; thread-safe to share once made.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "model/user.h"

namespace iothub::http {

enum class CallerKind { kAdminToken, kService, kUser, kProxy };

// "admin-token", "service", "jwt", "proxy": how the caller authenticated.
std::string_view ToString(CallerKind kind);

struct Caller {
  CallerKind kind = CallerKind::kUser;
  bool admin = false;        // may see and change everything
  std::optional<User> user;  // the hub user (kUser, kProxy)
  std::string subject;       // token `sub` or proxy user; empty for the admin token
  std::string actor;         // audit actor: "admin-token", "user:<id>", ...

  // The hub user id, or empty for callers that are not hub users.
  const std::string& user_id() const;
  // True when the caller is the hub user `id`.
  bool Is(std::string_view id) const { return user.has_value() && user->id == id; }
  // True when the caller may see or change user `id` and what it owns.
  bool MayActFor(std::string_view id) const { return admin || Is(id); }
};

}  // namespace iothub::http
