// Principal: who an admitted MQTT client is, as authenticate decided it. The session
// table keeps one per clientid; authorize and the RPC pipeline read it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "model/user.h"

namespace iothub {

enum class PrincipalKind {
  kDevice,   // mTLS client certificate; id = device id, owner_id = its owner (may be empty)
  kUser,     // JWT of a user; id = the user's `id`
  kAdmin,    // JWT of an admin user; id = the user's `id`
  kService,  // JWT of a backend service (role "service"); id = the token's `sub`
};

// "device", "user", "admin", "service": for logs and the state journal.
std::string_view ToString(PrincipalKind kind);
// The inverse of ToString; nullopt for any other text.
std::optional<PrincipalKind> ParsePrincipalKind(std::string_view text);

struct Principal {
  PrincipalKind kind = PrincipalKind::kUser;
  std::string id;
  std::string owner_id;  // devices only
  std::string clientid;
  std::string username;  // not set for devices: their username is the certificate
  // True only for the hub's own broker link, admitted by its own client certificate
  // (never by a token, whatever its subject).
  bool hub_link = false;
  // Devices: the certificate they logged in with (uppercase colon hex), which a renewal
  // leaves in grace; empty when unknown (a session restored from before it was kept).
  std::string certificate_fingerprint;
  // Devices: the login used the current certificate while an older one was in grace,
  // so that grace ends now (the housekeeper supersedes the older one).
  bool ends_grace = false;
  // True only for a service admitted by a token with the "broker-bridge" role: another
  // broker's bridge connection, whose messages the hub at their origin broker already
  // decided (docs/deploy.md, "Bridged Mosquitto brokers").
  bool broker_bridge = false;
};

}  // namespace iothub
