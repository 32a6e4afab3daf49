// Config: every setting of the hub, its defaults, and how it is read. Sources, weakest
// first: the embedded defaults, the TOML file (--config), environment variables
// IOTHUB_<SECTION>__<KEY> (e.g. IOTHUB_SERVER__GRPC_LISTEN), then command-line flags.
// Loading validates everything and names the key and the problem on error; an unknown
// key is an error (a typo must not silently leave a default in force).
// Plain value; thread-safe to read once built.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "model/plan.h"

namespace iothub::app {

struct ServerConfig {
  std::string grpc_listen = "127.0.0.1:9000";
  std::string http_listen = "127.0.0.1:8080";
  std::string data_dir = "./data";
  std::int64_t grpc_threads = 0;  // 0 = one per core
  std::int64_t grpc_max_message_bytes = 2 * 1024 * 1024;
};

// Where the registry lives: one SQLite file per hub, or one PostgreSQL database that
// several hubs (and the CLI) share.
struct StoreConfig {
  std::string backend = "sqlite";  // sqlite (<data_dir>/hub.db) or postgres
  std::string postgres_url;        // postgresql://user:password@host:5432/db; holds a secret
};

struct LogConfig {
  std::string level = "info";   // trace, debug, info, warn, error, critical, off
  std::string format = "text";  // text or json
  // Repetitive events (refusals, denials, drops, HTTP 401/403): at most this many lines
  // per kind and window, then one summary line per window (common/log_throttle.h).
  std::int64_t throttle_window_s = 60;
  std::int64_t throttle_lines = 20;
};

struct HooksConfig {
  // The hooks returned to OnProviderLoaded. The first five are what the hub needs.
  std::vector<std::string> enabled = {"client.authenticate", "client.authorize", "client.connected",
                                      "client.disconnected", "message.publish"};
  // Topic filters for message.publish: only RPC traffic needs the hub. The renewal
  // filter devices/+/cert/renew is always added (HookSpecs): the hub answers renewals.
  std::vector<std::string> publish_topics = {"users/+/devices/+/rpc/request",
                                             "users/+/devices/+/rpc/response"};
};

// --- Registry settings: the CA, plans, device authentication ---

struct CaConfig {
  std::string key_type = "ec-p256";  // ec-p256, ec-p384 or rsa-3072 (for a new CA only)
  std::int64_t default_days = 365;   // validity of device certificates, 1-3650
  // Renewal over MQTT (docs/certificates.md): how long the certificate a device renewed
  // with keeps working if the device does not connect with the new one (1 s - 90 days),
  // and the least time between two renewal requests of one device (0 - 1 day).
  std::int64_t renewal_grace_s = 7 * 24 * 3600;
  std::int64_t renewal_min_interval_s = 300;
};

struct AuthConfig {
  // A device's MQTT clientid must equal its device id.
  bool require_clientid_match = true;
  // Listener ports (ClientInfo.sockport) where a certificate login is accepted; empty:
  // any. The broker's cn/dn proof of the certificate is required on every port.
  std::vector<std::uint32_t> certificate_ports;
};

// --- end of registry settings ---

// --- Identity, authorization, RPC and the broker ---

struct JwtConfigSection {
  std::string hs256_secret;             // one HMAC secret; verifies HS256 only
  std::vector<std::string> hs_secrets;  // more HS256 secrets, for rotation
  std::string jwks_file;                // RS/PS/ES keys from a JWKS file, or
  std::string jwks_url;                 // from a JWKS URL (http or https)
  std::int64_t jwks_refresh_s = 30;     // unknown-kid refreshes at most this often
  std::string issuer;                   // required `iss` when set
  std::string audience;                 // required `aud` when set
  std::int64_t leeway_s = 30;           // clock skew allowed on exp/nbf/iat
  std::string client_id;                // resource_access[client_id].roles
  bool require_exp = true;              // refuse tokens without exp
  std::int64_t max_lifetime_s = 0;      // > 0: refuse exp - iat over this (iat needed)
};

// One extra ACL rule ([[acl.rules]]), tried in order before the built-in policy.
struct AclRuleConfig {
  std::string effect;  // allow | deny
  std::string who;     // any | device | user | admin | service
  std::string action;  // publish | subscribe | all
  std::string topic;   // a filter; ${clientid} ${username} ${device_id} ${user_id}
};

struct AclConfig {
  std::vector<AclRuleConfig> rules;
};

struct RpcSection {
  std::int64_t timeout_ms = 5000;  // deadline of a device RPC request (max 30000)
  std::int64_t max_pending_per_device = 32;
  std::int64_t max_pending_per_user = 256;
  std::int64_t max_pending_total = 100000;
};

// Shared ephemeral state of hubs behind one EMQX cluster (pending RPC requests, reply
// tombstones, plan rate limits, device presence). Empty redis_url: kept in this process.
struct ClusterConfig {
  std::string redis_url;                // redis://[:password@]host:port/db
  std::int64_t redis_timeout_ms = 100;  // bound on each Redis call (connect and command)
  std::int64_t redis_connections = 4;   // waiting ones (health, chores); hooks: one pipelined
};

struct HttpConfig {
  std::string admin_token;                   // bootstrap admin bearer token; empty: none
  std::vector<std::string> trusted_proxies;  // OAuth2 Proxy addresses
  std::int64_t body_limit_bytes = 1024 * 1024;
  // A trust decision: also sign in a proxy user whose X-Auth-Request-User matches no
  // hub user by the X-Auth-Request-Email it carries (off: by subject only).
  bool trusted_proxy_email_fallback = false;
  std::int64_t max_connections = 512;     // served at once; one more gets 503
  std::int64_t request_timeout_s = 10;    // to receive a request's head and body
  std::int64_t write_timeout_s = 10;      // for the client to take a response
  std::int64_t keep_alive_timeout_s = 5;  // idle keep-alive connection
};

// The hub's own MQTT link to the broker (device commands from the HTTP API).
struct MqttConfig {
  bool enabled = false;
  std::string host = "127.0.0.1";
  std::int64_t port = 8883;
  bool tls = true;
  std::string ca_file;    // empty: the hub's CA
  std::string cert_file;  // empty: a certificate the hub issues to itself
  std::string key_file;
  std::string username;  // e.g. "jwt" on a listener without client certificates
  std::string password;
};

// EMQX's REST API, so that revocations and binding changes act at once.
struct EmqxConfig {
  std::string api_url;  // e.g. http://emqx:18083; empty: not used
  std::string api_key;
  std::string api_secret;
  std::string ca_file;
};

struct Config {
  ServerConfig server;
  StoreConfig store;
  LogConfig log;
  HooksConfig hooks;
  // Registry settings.
  CaConfig ca;
  // [plans.<name>] tables, merged by name over the built-in free and pro plans.
  std::vector<Plan> plans = DefaultPlans();
  AuthConfig auth;
  JwtConfigSection jwt;
  AclConfig acl;
  RpcSection rpc;
  ClusterConfig cluster;
  HttpConfig http;
  MqttConfig mqtt;
  EmqxConfig emqx;
};

// Values given on the command line; unset ones leave the lower sources in force.
struct ConfigOverrides {
  std::optional<std::string> grpc_listen;
  std::optional<std::string> http_listen;
  std::optional<std::string> data_dir;
};

// Reads `path` (empty: no file), applies `environ`-style overrides and the flags, and
// validates. Errors name the file, the key and the problem.
absl::StatusOr<Config> LoadConfig(const std::string& path,
                                  const std::map<std::string, std::string>& environment,
                                  const ConfigOverrides& overrides);

// LoadConfig with the file's contents given as `text`; `source` names it in errors.
absl::StatusOr<Config> LoadConfigFromText(std::string_view text, std::string_view source,
                                          const std::map<std::string, std::string>& environment,
                                          const ConfigOverrides& overrides);

// The process environment as a map (only IOTHUB_* entries).
std::map<std::string, std::string> IothubEnvironment();

// The hook names EMQX knows (one unknown name fails EMQX's whole provider load).
const std::vector<std::string>& KnownHookNames();

}  // namespace iothub::app
