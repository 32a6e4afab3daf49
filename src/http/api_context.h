// ApiContext: what the HTTP API's handlers use -- the registry, the JWT verifier, the
// command sender, the clock, the metrics -- and its options. Built by `serve` and
// passed to RegisterApi; everything referenced must outlive the httplib::Server.
//
// Thread-safety: read-only after RegisterApi; the referenced services are thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "acl/explainer.h"
#include "auth/jwt_verifier.h"
#include "common/clock.h"
#include "common/log_throttle.h"
#include "common/metrics.h"
#include "crypto/keys.h"
#include "http/command_sender.h"
#include "http/fleet_index.h"
#include "registry/acl_rule_book.h"
#include "registry/registry.h"

namespace iothub::http {

inline constexpr std::size_t kDefaultBodyLimitBytes = 1024 * 1024;

struct ApiOptions {
  // Bootstrap admin token (`Authorization: Bearer <token>`); empty disables it.
  std::string admin_token;
  // Remote addresses (exact IPv4/IPv6 text, e.g. "127.0.0.1") whose OAuth2 Proxy
  // headers (X-Auth-Request-*) are trusted. Empty: proxy headers are never trusted.
  std::vector<std::string> trusted_proxies;
  // A trust decision: when X-Auth-Request-User (the identity provider's subject) matches
  // no hub user, sign in the user whose e-mail is X-Auth-Request-Email. Off: the proxy
  // user is identified by subject only (an e-mail is not proof of being that hub user).
  bool trusted_proxy_email_fallback = false;
  // Largest request body accepted; larger ones get 413.
  std::size_t body_limit_bytes = kDefaultBodyLimitBytes;
  // Shown by GET /api/health.
  std::string version;
};

struct ApiContext {
  registry::Registry& registry;
  // Verifies bearer JWTs; null: only the admin token and proxy headers authenticate.
  const auth::JwtVerifier* jwt_verifier = nullptr;
  // Sends device commands; null: the command endpoints answer 503.
  CommandSender* command_sender = nullptr;
  // Whether the hub's MQTT link is connected and holds its subscriptions, for
  // GET /api/health; empty when there is no link ([mqtt] enabled = false).
  std::function<bool()> broker_link_up;
  // Whether the shared state (Redis, [cluster] redis_url) answers, with the reason when
  // not, for GET /api/health; empty when the state is in this process.
  std::function<absl::Status()> shared_state_health;
  const Clock& clock;
  Metrics& metrics;
  // Bounds the access log's 401/403 lines; null: every request is logged.
  LogThrottle* log_throttle = nullptr;
  // Answers POST /api/acl/explain; null: 503.
  const acl::AclExplainer* acl_explainer = nullptr;
  // Manages /api/acl/rules; null: 503.
  registry::AclRuleBook* acl_rules = nullptr;
  // The fleet as the console pages through it (GET /api/fleet/*); null: 503.
  FleetIndex* fleet = nullptr;
  // Whether the device has a live connection: this hub's, or another hub's when the
  // state is shared. Empty: no device is online.
  std::function<bool(std::string_view device_id)> device_online;
  // The devices connected to this hub now (counts and the online filter). Empty: none.
  std::function<std::vector<std::string>()> online_devices;
  // The key type of the CA POST /api/ca/rotate makes (config [ca] key_type).
  crypto::KeyType ca_key_type = crypto::KeyType::kEcP256;
  ApiOptions options;
};

}  // namespace iothub::http
