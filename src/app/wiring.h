// Wiring: the config turned into the options and objects of each module. Pure
// translations, plus the few objects that need work at start-up (the JWT key source).
// Called once by `serve`; not thread-sensitive.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "acl/acl_rule.h"
#include "app/config.h"
#include "app/hub_identity.h"
#include "app/renewal_worker.h"
#include "auth/jwks_source.h"
#include "auth/jwt_verifier.h"
#include "auth/local_session_directory.h"
#include "auth/session_table.h"
#include "cluster/redis_client.h"
#include "cluster/redis_rpc_state.h"
#include "cluster/redis_session_directory.h"
#include "common/log_throttle.h"
#include "crypto/keys.h"
#include "emqx/broker_admin_options.h"
#include "hooks/exhook_server.h"
#include "hooks/hook_types.h"
#include "http/api_context.h"
#include "http/http_server.h"
#include "mqtt/broker_link.h"
#include "rpc/rpc_pipeline.h"

namespace iothub::app {

// The JWT verifier and, when keys come from a JWKS, the source that refreshes them.
// `verifier` is null when [jwt] configures no key at all (JWT logins are then refused).
struct JwtSetup {
  std::shared_ptr<auth::JwksSource> jwks;
  std::unique_ptr<auth::JwtVerifier> verifier;
};

crypto::KeyType CaKeyType(const CaConfig& config);
LogThrottleOptions MakeLogThrottleOptions(const LogConfig& config);
std::vector<hooks::HookSpec> HookSpecs(const HooksConfig& config);
absl::StatusOr<JwtSetup> MakeJwtVerifier(const JwtConfigSection& config, const Clock& clock);
absl::StatusOr<std::vector<acl::AclRule>> MakeAclRules(const AclConfig& config);
rpc::RpcConfig MakeRpcConfig(const Config& config);
RenewalOptions MakeRenewalOptions(const CaConfig& config);

// Where the RPC pipeline's pending requests, rate limits and cross-hub presence live:
// in this process (no [cluster] redis_url: `redis` and `state` are null, the pipeline
// makes its own LocalRpcState), or in Redis, shared with the other hubs.
struct SharedState {
  std::unique_ptr<cluster::RedisClient> redis;
  std::unique_ptr<cluster::RedisRpcState> state;
  cluster::RedisOptions options;  // of `redis`
  std::string hub_id;             // this process among the hubs
};
absl::StatusOr<SharedState> MakeSharedState(const Config& config, Metrics& metrics);

// Where sessions live: this process's `table` (no Redis: `shared` stays null), or
// Redis, shared with the other hubs (`shared`, following its invalidation channel).
// `sessions` is the one the hooks use.
struct Sessions {
  std::unique_ptr<auth::LocalSessionDirectory> local;
  std::unique_ptr<cluster::RedisSessionDirectory> shared;
  auth::SessionDirectory* sessions = nullptr;
};
Sessions MakeSessions(SharedState& state, auth::SessionTable& table, rpc::Presence& presence,
                      const Clock& clock, Metrics& metrics);
hooks::ExhookServerOptions MakeExhookOptions(const ServerConfig& config);
http::ApiOptions MakeApiOptions(const HttpConfig& config);
http::HttpServerOptions MakeHttpServerOptions(const HttpConfig& config);
emqx::BrokerAdminOptions MakeBrokerAdminOptions(const EmqxConfig& config);
// With no client certificate configured, the link uses the hub's own identity and trusts
// the hub's CA (the broker's server certificate is then one the hub issued).
mqtt::BrokerLinkOptions MakeBrokerLinkOptions(const MqttConfig& config,
                                              const std::optional<HubIdentity>& identity,
                                              const std::filesystem::path& data_dir);

}  // namespace iothub::app
