#include "app/wiring.h"

#include <algorithm>

#include "app/hub_instance_id.h"
#include "app/version.h"
#include "model/renewal_topic.h"
#include "registry/ca_files.h"
#include "registry/data_layout.h"

namespace iothub::app {

crypto::KeyType CaKeyType(const CaConfig& config) {
  // Validated when the config was loaded.
  return registry::ParseKeyType(config.key_type).value_or(crypto::KeyType::kEcP256);
}

LogThrottleOptions MakeLogThrottleOptions(const LogConfig& config) {
  return {.window = std::chrono::seconds(config.throttle_window_s),
          .lines_per_window = static_cast<std::uint32_t>(config.throttle_lines)};
}

std::vector<hooks::HookSpec> HookSpecs(const HooksConfig& config) {
  std::vector<hooks::HookSpec> specs;
  for (const std::string& name : config.enabled) {
    hooks::HookSpec spec{.name = name, .topics = {}};
    if (name == "message.publish") {
      spec.topics = config.publish_topics;
      // Renewal requests must reach the hub, which answers them (docs/certificates.md).
      if (std::find(spec.topics.begin(), spec.topics.end(), kRenewTopicFilter) ==
          spec.topics.end()) {
        spec.topics.emplace_back(kRenewTopicFilter);
      }
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

absl::StatusOr<JwtSetup> MakeJwtVerifier(const JwtConfigSection& config, const Clock& clock) {
  JwtSetup setup;
  auth::JwtConfig jwt{.hs_secrets = config.hs_secrets,
                      .issuer = config.issuer,
                      .audience = config.audience,
                      .leeway_s = config.leeway_s,
                      .client_id = config.client_id,
                      .require_exp = config.require_exp,
                      .max_lifetime_s = config.max_lifetime_s};
  if (!config.hs256_secret.empty()) jwt.hs_secrets.push_back(config.hs256_secret);
  const bool jwks = !config.jwks_file.empty() || !config.jwks_url.empty();
  if (jwt.hs_secrets.empty() && !jwks) return setup;  // no JWT configured
  if (jwks) {
    auth::JwksSourceOptions options{.file = config.jwks_file, .url = config.jwks_url};
    options.refresh_interval = std::chrono::seconds(config.jwks_refresh_s);
    auto source = auth::JwksSource::Create(options, &clock);
    if (!source.ok()) return source.status();
    setup.jwks = *source;
  }
  auto verifier = auth::JwtVerifier::Create(jwt, setup.jwks);
  if (!verifier.ok()) return verifier.status();
  setup.verifier = std::move(*verifier);
  return setup;
}

absl::StatusOr<std::vector<acl::AclRule>> MakeAclRules(const AclConfig& config) {
  std::vector<acl::AclRuleText> texts;
  for (const AclRuleConfig& rule : config.rules) {
    texts.push_back(
        {.effect = rule.effect, .who = rule.who, .action = rule.action, .pattern = rule.topic});
  }
  return acl::ParseAclRules(texts);
}

RenewalOptions MakeRenewalOptions(const CaConfig& config) {
  return {.days = static_cast<int>(config.default_days),
          .grace = std::chrono::seconds(config.renewal_grace_s),
          .min_interval = std::chrono::seconds(config.renewal_min_interval_s)};
}

rpc::RpcConfig MakeRpcConfig(const Config& config) {
  rpc::RpcConfig rpc;
  rpc.default_timeout = std::chrono::milliseconds(config.rpc.timeout_ms);
  rpc.pending.max_per_device = static_cast<std::size_t>(config.rpc.max_pending_per_device);
  rpc.pending.max_per_user = static_cast<std::size_t>(config.rpc.max_pending_per_user);
  rpc.pending.max_total = static_cast<std::size_t>(config.rpc.max_pending_total);
  rpc.plans = config.plans;
  return rpc;
}

absl::StatusOr<SharedState> MakeSharedState(const Config& config, Metrics& metrics) {
  SharedState shared;
  if (config.cluster.redis_url.empty()) return shared;
  auto options = cluster::ParseRedisUrl(config.cluster.redis_url);
  if (!options.ok()) return options.status();
  options->timeout = std::chrono::milliseconds(config.cluster.redis_timeout_ms);
  options->connections = static_cast<std::size_t>(config.cluster.redis_connections);
  // Kept across restarts: the connections this hub counted are still its own.
  auto hub_id = LoadOrCreateHubId(config.server.data_dir);
  if (!hub_id.ok()) return hub_id.status();
  shared.options = *options;
  shared.hub_id = *std::move(hub_id);
  shared.redis = std::make_unique<cluster::RedisClient>(*std::move(options), metrics);
  shared.state = std::make_unique<cluster::RedisRpcState>(*shared.redis, shared.hub_id,
                                                          MakeRpcConfig(config).pending);
  return shared;
}

Sessions MakeSessions(SharedState& state, auth::SessionTable& table, rpc::Presence& presence,
                      const Clock& clock, Metrics& metrics) {
  Sessions sessions;
  if (state.redis == nullptr) {
    sessions.local = std::make_unique<auth::LocalSessionDirectory>(table);
    sessions.sessions = sessions.local.get();
    return sessions;
  }
  sessions.shared = std::make_unique<cluster::RedisSessionDirectory>(
      cluster::RedisSessionParts{.redis = *state.redis,
                                 .subscriber = state.options,
                                 .hub_id = state.hub_id,
                                 .presence = presence,
                                 .clock = clock,
                                 .metrics = metrics});
  sessions.sessions = sessions.shared.get();
  return sessions;
}

hooks::ExhookServerOptions MakeExhookOptions(const ServerConfig& config) {
  hooks::ExhookServerOptions options;
  options.listen = config.grpc_listen;
  options.threads = static_cast<int>(config.grpc_threads);
  options.max_message_bytes = static_cast<int>(config.grpc_max_message_bytes);
  return options;
}

http::ApiOptions MakeApiOptions(const HttpConfig& config) {
  return {.admin_token = config.admin_token,
          .trusted_proxies = config.trusted_proxies,
          .trusted_proxy_email_fallback = config.trusted_proxy_email_fallback,
          .body_limit_bytes = static_cast<std::size_t>(config.body_limit_bytes),
          .version = kVersion};
}

http::HttpServerOptions MakeHttpServerOptions(const HttpConfig& config) {
  http::HttpServerOptions options;
  options.limits.max_connections = static_cast<std::size_t>(config.max_connections);
  options.limits.request_timeout = std::chrono::seconds(config.request_timeout_s);
  options.limits.write_timeout = std::chrono::seconds(config.write_timeout_s);
  options.limits.keep_alive_timeout = std::chrono::seconds(config.keep_alive_timeout_s);
  return options;
}

emqx::BrokerAdminOptions MakeBrokerAdminOptions(const EmqxConfig& config) {
  emqx::BrokerAdminOptions options;
  options.api_url = config.api_url;
  options.api_key = config.api_key;
  options.api_secret = config.api_secret;
  options.ca_file = config.ca_file;
  return options;
}

mqtt::BrokerLinkOptions MakeBrokerLinkOptions(const MqttConfig& config,
                                              const std::optional<HubIdentity>& identity,
                                              const std::filesystem::path& data_dir) {
  mqtt::BrokerLinkOptions options;
  options.host = config.host;
  options.port = static_cast<int>(config.port);
  options.username = config.username;
  options.password = config.password;
  if (config.tls) {
    mqtt::BrokerTls tls;
    tls.ca_file = config.ca_file.empty() ? (registry::CaDirectory(data_dir) / "ca.crt").string()
                                         : config.ca_file;
    tls.cert_file = identity ? identity->cert_file : config.cert_file;
    tls.key_file = identity ? identity->key_file : config.key_file;
    options.tls = tls;
  }
  return options;
}

}  // namespace iothub::app
