#include "app/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <functional>

#include "app/config_validate.h"

extern char** environ;

namespace iothub::app {
namespace {

// How one key is read into the Config: a setter that type-checks a TOML node.
using Setter = std::function<absl::Status(const toml::node&, Config&)>;

absl::Status TypeError(std::string_view key, std::string_view expected) {
  return absl::InvalidArgumentError(std::string(key) + ": expected " + std::string(expected));
}

template <typename Section>
Setter StringKey(Section Config::*section, std::string Section::*field, std::string key) {
  return [=](const toml::node& node, Config& config) -> absl::Status {
    if (!node.is_string()) return TypeError(key, "a string");
    config.*section.*field = *node.value<std::string>();
    return absl::OkStatus();
  };
}

template <typename Section>
Setter IntKey(Section Config::*section, std::int64_t Section::*field, std::string key,
              std::int64_t min, std::int64_t max) {
  return [=](const toml::node& node, Config& config) -> absl::Status {
    if (!node.is_integer()) return TypeError(key, "an integer");
    const std::int64_t value = *node.value<std::int64_t>();
    if (value < min || value > max) {
      return absl::InvalidArgumentError(key + ": " + std::to_string(value) + " is outside " +
                                        std::to_string(min) + ".." + std::to_string(max));
    }
    config.*section.*field = value;
    return absl::OkStatus();
  };
}

template <typename Section>
Setter StringListKey(Section Config::*section, std::vector<std::string> Section::*field,
                     std::string key) {
  return [=](const toml::node& node, Config& config) -> absl::Status {
    const toml::array* array = node.as_array();
    if (array == nullptr) return TypeError(key, "an array of strings");
    std::vector<std::string> values;
    for (const toml::node& item : *array) {
      if (!item.is_string()) return TypeError(key, "an array of strings");
      values.push_back(*item.value<std::string>());
    }
    config.*section.*field = std::move(values);
    return absl::OkStatus();
  };
}

// An array of TCP ports (1-65535).
template <typename Section>
Setter PortListKey(Section Config::*section, std::vector<std::uint32_t> Section::*field,
                   std::string key) {
  return [=](const toml::node& node, Config& config) -> absl::Status {
    const toml::array* array = node.as_array();
    if (array == nullptr) return TypeError(key, "an array of ports");
    std::vector<std::uint32_t> values;
    for (const toml::node& item : *array) {
      const std::optional<std::int64_t> port = item.value<std::int64_t>();
      if (!item.is_integer() || *port < 1 || *port > 65535) {
        return TypeError(key, "an array of ports (1-65535)");
      }
      values.push_back(static_cast<std::uint32_t>(*port));
    }
    config.*section.*field = std::move(values);
    return absl::OkStatus();
  };
}

template <typename Section>
Setter BoolKey(Section Config::*section, bool Section::*field, std::string key) {
  return [=](const toml::node& node, Config& config) -> absl::Status {
    if (!node.is_boolean()) return TypeError(key, "true or false");
    config.*section.*field = *node.value<bool>();
    return absl::OkStatus();
  };
}

// --- Registry settings: [plans.<name>] tables ---

constexpr std::string_view kPlansPrefix = "plans.";
constexpr std::int64_t kMaxPlanLimit = 1'000'000;

// A plan name: 1-32 characters of [a-z0-9_-].
bool IsPlanName(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// Sets "plans.<name>.<field>" (max_devices or rpc_per_minute). A plan that is neither
// built in nor already defined is added only when `allow_new` (a [plans.<name>] table
// in the file, which ApplyFile checks sets both keys); the environment can only change
// known plans.
absl::Status ApplyPlanKey(const std::string& key, const toml::node& node, Config& config,
                          std::string_view source, bool allow_new) {
  const std::string rest = key.substr(kPlansPrefix.size());
  const std::size_t dot = rest.find('.');
  const auto error = [&](const std::string& what) {
    return absl::InvalidArgumentError(std::string(source) + ": " + what);
  };
  if (dot == std::string::npos) return error("'" + key + "' must be a [plans.<name>] table");
  const std::string name = rest.substr(0, dot);
  const std::string field = rest.substr(dot + 1);
  if (!IsPlanName(name)) {
    return error(key + ": plan names are 1-32 characters of a-z, 0-9, '_' and '-'");
  }
  if (field != "max_devices" && field != "rpc_per_minute")
    return error("unknown key '" + key + "'");
  if (!node.is_integer()) return error(key + ": expected an integer");
  const std::int64_t value = *node.value<std::int64_t>();
  if (value < 0 || value > kMaxPlanLimit) {
    return error(key + ": " + std::to_string(value) + " is outside 0.." +
                 std::to_string(kMaxPlanLimit));
  }
  auto plan = std::find_if(config.plans.begin(), config.plans.end(),
                           [&](const Plan& p) { return p.name == name; });
  if (plan == config.plans.end()) {
    if (!allow_new) {
      return error(key + ": unknown plan '" + name + "' (define it in a [plans." + name +
                   "] table of the config file)");
    }
    config.plans.push_back(Plan{.name = name, .max_devices = 0, .rpc_per_minute = 0});
    plan = config.plans.end() - 1;
  }
  (field == "max_devices" ? plan->max_devices : plan->rpc_per_minute) =
      static_cast<std::uint32_t>(value);
  return absl::OkStatus();
}

// --- end of registry settings ---

// [[acl.rules]]: an array of tables {effect, who, action, topic}, all strings. Their
// meaning is checked when the rules are compiled (acl::ParseAclRules) at start-up.
absl::Status ApplyAclRules(const toml::node& node, Config& config, std::string_view source) {
  const auto error = [&](std::size_t index, std::string_view problem) {
    return absl::InvalidArgumentError(std::string(source) + ": acl.rules[" + std::to_string(index) +
                                      "]: " + std::string(problem));
  };
  const toml::array* rules = node.as_array();
  if (rules == nullptr) return error(0, "expected [[acl.rules]] tables");
  config.acl.rules.clear();
  for (std::size_t i = 0; i < rules->size(); ++i) {
    const toml::table* rule = (*rules)[i].as_table();
    if (rule == nullptr) return error(i, "expected a table");
    AclRuleConfig parsed;
    for (const auto& [field, value] : *rule) {
      std::string* target = field.str() == "effect"   ? &parsed.effect
                            : field.str() == "who"    ? &parsed.who
                            : field.str() == "action" ? &parsed.action
                            : field.str() == "topic"  ? &parsed.topic
                                                      : nullptr;
      if (target == nullptr) return error(i, "unknown key '" + std::string(field.str()) + "'");
      if (!value.is_string()) return error(i, std::string(field.str()) + ": expected a string");
      *target = *value.value<std::string>();
    }
    config.acl.rules.push_back(std::move(parsed));
  }
  return absl::OkStatus();
}

// Every key the file, the environment and the flags may set, as "section.key".
const std::map<std::string, Setter>& Keys() {
  static const auto* keys = new std::map<std::string, Setter>{
      {"server.grpc_listen",
       StringKey(&Config::server, &ServerConfig::grpc_listen, "server.grpc_listen")},
      {"server.http_listen",
       StringKey(&Config::server, &ServerConfig::http_listen, "server.http_listen")},
      {"server.data_dir", StringKey(&Config::server, &ServerConfig::data_dir, "server.data_dir")},
      {"server.grpc_threads",
       IntKey(&Config::server, &ServerConfig::grpc_threads, "server.grpc_threads", 0, 64)},
      {"server.grpc_max_message_bytes",
       IntKey(&Config::server, &ServerConfig::grpc_max_message_bytes,
              "server.grpc_max_message_bytes", 4096, 64 * 1024 * 1024)},
      {"store.backend", StringKey(&Config::store, &StoreConfig::backend, "store.backend")},
      {"store.postgres_url",
       StringKey(&Config::store, &StoreConfig::postgres_url, "store.postgres_url")},
      {"log.level", StringKey(&Config::log, &LogConfig::level, "log.level")},
      {"log.format", StringKey(&Config::log, &LogConfig::format, "log.format")},
      {"log.throttle_window_s",
       IntKey(&Config::log, &LogConfig::throttle_window_s, "log.throttle_window_s", 1, 86400)},
      {"log.throttle_lines",
       IntKey(&Config::log, &LogConfig::throttle_lines, "log.throttle_lines", 0, 1000000)},
      {"hooks.enabled", StringListKey(&Config::hooks, &HooksConfig::enabled, "hooks.enabled")},
      {"hooks.publish_topics",
       StringListKey(&Config::hooks, &HooksConfig::publish_topics, "hooks.publish_topics")},
      // Registry settings ([plans.<name>] keys are handled by ApplyPlanKey).
      {"ca.key_type", StringKey(&Config::ca, &CaConfig::key_type, "ca.key_type")},
      {"ca.default_days", IntKey(&Config::ca, &CaConfig::default_days, "ca.default_days", 1, 3650)},
      {"ca.renewal_grace_s",
       IntKey(&Config::ca, &CaConfig::renewal_grace_s, "ca.renewal_grace_s", 1, 90 * 86400)},
      {"ca.renewal_min_interval_s", IntKey(&Config::ca, &CaConfig::renewal_min_interval_s,
                                           "ca.renewal_min_interval_s", 0, 86400)},
      {"auth.require_clientid_match",
       BoolKey(&Config::auth, &AuthConfig::require_clientid_match, "auth.require_clientid_match")},
      {"auth.certificate_ports",
       PortListKey(&Config::auth, &AuthConfig::certificate_ports, "auth.certificate_ports")},
      // JWT ([acl] rules are handled by ApplyAclRules).
      {"jwt.hs256_secret",
       StringKey(&Config::jwt, &JwtConfigSection::hs256_secret, "jwt.hs256_secret")},
      {"jwt.hs_secrets",
       StringListKey(&Config::jwt, &JwtConfigSection::hs_secrets, "jwt.hs_secrets")},
      {"jwt.jwks_file", StringKey(&Config::jwt, &JwtConfigSection::jwks_file, "jwt.jwks_file")},
      {"jwt.jwks_url", StringKey(&Config::jwt, &JwtConfigSection::jwks_url, "jwt.jwks_url")},
      {"jwt.jwks_refresh_s",
       IntKey(&Config::jwt, &JwtConfigSection::jwks_refresh_s, "jwt.jwks_refresh_s", 1, 86400)},
      {"jwt.issuer", StringKey(&Config::jwt, &JwtConfigSection::issuer, "jwt.issuer")},
      {"jwt.audience", StringKey(&Config::jwt, &JwtConfigSection::audience, "jwt.audience")},
      {"jwt.leeway_s", IntKey(&Config::jwt, &JwtConfigSection::leeway_s, "jwt.leeway_s", 0, 3600)},
      {"jwt.client_id", StringKey(&Config::jwt, &JwtConfigSection::client_id, "jwt.client_id")},
      {"jwt.require_exp", BoolKey(&Config::jwt, &JwtConfigSection::require_exp, "jwt.require_exp")},
      {"jwt.max_lifetime_s", IntKey(&Config::jwt, &JwtConfigSection::max_lifetime_s,
                                    "jwt.max_lifetime_s", 0, 315'360'000)},
      // Device RPC.
      {"rpc.timeout_ms",
       IntKey(&Config::rpc, &RpcSection::timeout_ms, "rpc.timeout_ms", 100, 30000)},
      {"rpc.max_pending_per_device", IntKey(&Config::rpc, &RpcSection::max_pending_per_device,
                                            "rpc.max_pending_per_device", 1, 10000)},
      {"rpc.max_pending_per_user", IntKey(&Config::rpc, &RpcSection::max_pending_per_user,
                                          "rpc.max_pending_per_user", 1, 1000000)},
      {"rpc.max_pending_total",
       IntKey(&Config::rpc, &RpcSection::max_pending_total, "rpc.max_pending_total", 1, 10000000)},
      // Shared state of several hubs.
      {"cluster.redis_url",
       StringKey(&Config::cluster, &ClusterConfig::redis_url, "cluster.redis_url")},
      {"cluster.redis_timeout_ms", IntKey(&Config::cluster, &ClusterConfig::redis_timeout_ms,
                                          "cluster.redis_timeout_ms", 5, 5000)},
      {"cluster.redis_connections", IntKey(&Config::cluster, &ClusterConfig::redis_connections,
                                           "cluster.redis_connections", 1, 64)},
      // HTTP API.
      {"http.admin_token", StringKey(&Config::http, &HttpConfig::admin_token, "http.admin_token")},
      {"http.trusted_proxies",
       StringListKey(&Config::http, &HttpConfig::trusted_proxies, "http.trusted_proxies")},
      {"http.body_limit_bytes", IntKey(&Config::http, &HttpConfig::body_limit_bytes,
                                       "http.body_limit_bytes", 1024, 64 * 1024 * 1024)},
      {"http.trusted_proxy_email_fallback",
       BoolKey(&Config::http, &HttpConfig::trusted_proxy_email_fallback,
               "http.trusted_proxy_email_fallback")},
      {"http.max_connections",
       IntKey(&Config::http, &HttpConfig::max_connections, "http.max_connections", 1, 10000)},
      {"http.request_timeout_s",
       IntKey(&Config::http, &HttpConfig::request_timeout_s, "http.request_timeout_s", 1, 600)},
      {"http.write_timeout_s",
       IntKey(&Config::http, &HttpConfig::write_timeout_s, "http.write_timeout_s", 1, 600)},
      {"http.keep_alive_timeout_s", IntKey(&Config::http, &HttpConfig::keep_alive_timeout_s,
                                           "http.keep_alive_timeout_s", 1, 600)},
      // The hub's MQTT link.
      {"mqtt.enabled", BoolKey(&Config::mqtt, &MqttConfig::enabled, "mqtt.enabled")},
      {"mqtt.host", StringKey(&Config::mqtt, &MqttConfig::host, "mqtt.host")},
      {"mqtt.port", IntKey(&Config::mqtt, &MqttConfig::port, "mqtt.port", 1, 65535)},
      {"mqtt.tls", BoolKey(&Config::mqtt, &MqttConfig::tls, "mqtt.tls")},
      {"mqtt.ca_file", StringKey(&Config::mqtt, &MqttConfig::ca_file, "mqtt.ca_file")},
      {"mqtt.cert_file", StringKey(&Config::mqtt, &MqttConfig::cert_file, "mqtt.cert_file")},
      {"mqtt.key_file", StringKey(&Config::mqtt, &MqttConfig::key_file, "mqtt.key_file")},
      {"mqtt.username", StringKey(&Config::mqtt, &MqttConfig::username, "mqtt.username")},
      {"mqtt.password", StringKey(&Config::mqtt, &MqttConfig::password, "mqtt.password")},
      // EMQX's REST API.
      {"emqx.api_url", StringKey(&Config::emqx, &EmqxConfig::api_url, "emqx.api_url")},
      {"emqx.api_key", StringKey(&Config::emqx, &EmqxConfig::api_key, "emqx.api_key")},
      {"emqx.api_secret", StringKey(&Config::emqx, &EmqxConfig::api_secret, "emqx.api_secret")},
      {"emqx.ca_file", StringKey(&Config::emqx, &EmqxConfig::ca_file, "emqx.ca_file")},
  };
  return *keys;
}

// An environment value as TOML: `9000` is an integer, `["a","b"]` an array, anything
// that does not parse as a TOML value stays a plain string.
toml::table EnvValue(const std::string& value) {
  try {
    toml::table parsed = toml::parse("v = " + value);
    return parsed;
  } catch (const toml::parse_error&) {
    toml::table table;
    table.insert("v", value);
    return table;
  }
}

// "IOTHUB_SERVER__GRPC_LISTEN" -> "server.grpc_listen"; empty when not of that form.
std::string EnvKey(const std::string& name) {
  constexpr std::string_view kPrefix = "IOTHUB_";
  const std::size_t split = name.find("__");
  if (name.rfind(kPrefix, 0) != 0 || split == std::string::npos) return "";
  std::string key =
      name.substr(kPrefix.size(), split - kPrefix.size()) + "." + name.substr(split + 2);
  // Deeper levels: IOTHUB_PLANS__FREE__MAX_DEVICES -> plans.free.max_devices.
  for (std::size_t at = key.find("__"); at != std::string::npos; at = key.find("__", at + 1)) {
    key.replace(at, 2, ".");
  }
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return key;
}

absl::Status Apply(const std::string& key, const toml::node& node, Config& config,
                   std::string_view source) {
  if (key.starts_with(kPlansPrefix)) return ApplyPlanKey(key, node, config, source, false);
  const auto it = Keys().find(key);
  if (it == Keys().end()) {
    return absl::InvalidArgumentError(std::string(source) + ": unknown key '" + key + "'");
  }
  absl::Status status = it->second(node, config);
  if (!status.ok()) {
    return absl::InvalidArgumentError(std::string(source) + ": " + std::string(status.message()));
  }
  return absl::OkStatus();
}

// The error of a TOML parse, as "config <source>:<line>:<column>: <description>".
absl::Status TomlParseError(std::string_view source, const toml::parse_error& error) {
  const auto& where = error.source().begin;
  return absl::InvalidArgumentError(
      "config " + std::string(source) + ":" + std::to_string(where.line) + ":" +
      std::to_string(where.column) + ": " + std::string(error.description()));
}

// Applies a parsed configuration file; `source` names it in errors.
absl::Status ApplyTable(const toml::table& file, std::string_view source_name, Config& config) {
  const std::string path(source_name);
  for (const auto& [section, value] : file) {
    const toml::table* table = value.as_table();
    if (table == nullptr) {
      return absl::InvalidArgumentError("config " + path + ": '" + std::string(section.str()) +
                                        "' must be a [section]");
    }
    for (const auto& [key, node] : *table) {
      if (section.str() == "acl" && key.str() == "rules") {
        absl::Status status = ApplyAclRules(node, config, "config " + path);
        if (!status.ok()) return status;
        continue;
      }
      // [plans.<name>] tables: one level deeper.
      if (section.str() == "plans" && node.is_table()) {
        const std::string name(key.str());
        const toml::table& plan = *node.as_table();
        const bool known = std::any_of(config.plans.begin(), config.plans.end(),
                                       [&](const Plan& p) { return p.name == name; });
        if (!known && (!plan.contains("max_devices") || !plan.contains("rpc_per_minute"))) {
          return absl::InvalidArgumentError("config " + path + ": plans." + name +
                                            ": a new plan needs max_devices and rpc_per_minute");
        }
        for (const auto& [field, value] : plan) {
          absl::Status status = ApplyPlanKey("plans." + name + "." + std::string(field.str()),
                                             value, config, "config " + path, true);
          if (!status.ok()) return status;
        }
        continue;
      }
      absl::Status status = Apply(std::string(section.str()) + "." + std::string(key.str()), node,
                                  config, "config " + path);
      if (!status.ok()) return status;
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyFile(const std::string& path, Config& config) {
  try {
    return ApplyTable(toml::parse_file(path), path, config);
  } catch (const toml::parse_error& error) {
    return TomlParseError(path, error);
  }
}

absl::Status ApplyText(std::string_view text, std::string_view source, Config& config) {
  try {
    return ApplyTable(toml::parse(text, source), source, config);
  } catch (const toml::parse_error& error) {
    return TomlParseError(source, error);
  }
}

}  // namespace

const std::vector<std::string>& KnownHookNames() {
  static const std::vector<std::string> kNames = {
      "client.connect",      "client.connack",     "client.connected",     "client.disconnected",
      "client.authenticate", "client.authorize",   "client.subscribe",     "client.unsubscribe",
      "session.created",     "session.subscribed", "session.unsubscribed", "session.resumed",
      "session.discarded",   "session.takenover",  "session.terminated",   "message.publish",
      "message.delivered",   "message.acked",      "message.dropped"};
  return kNames;
}

std::map<std::string, std::string> IothubEnvironment() {
  std::map<std::string, std::string> out;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::size_t eq = text.find('=');
    if (text.rfind("IOTHUB_", 0) == 0 && eq != std::string_view::npos) {
      out.emplace(text.substr(0, eq), text.substr(eq + 1));
    }
  }
  return out;
}

namespace {

// The environment, the flags and validation on top of what the file set.
absl::StatusOr<Config> FinishLoad(Config config,
                                  const std::map<std::string, std::string>& environment,
                                  const ConfigOverrides& overrides) {
  for (const auto& [name, value] : environment) {
    const std::string key = EnvKey(name);
    if (key.empty()) continue;  // IOTHUB_ variables of other tools (no "__")
    // A string key takes the raw text (a token of digits stays a string); other keys
    // take the value as TOML (integers, booleans, arrays).
    const toml::value<std::string> raw(value);
    if (Apply(key, raw, config, name).ok()) continue;
    const toml::table parsed = EnvValue(value);
    absl::Status status = Apply(key, *parsed.get("v"), config, "environment " + name);
    if (!status.ok()) return status;
  }
  if (overrides.grpc_listen) config.server.grpc_listen = *overrides.grpc_listen;
  if (overrides.http_listen) config.server.http_listen = *overrides.http_listen;
  if (overrides.data_dir) config.server.data_dir = *overrides.data_dir;
  if (absl::Status status = ValidateConfig(config); !status.ok()) return status;
  return config;
}

}  // namespace

absl::StatusOr<Config> LoadConfig(const std::string& path,
                                  const std::map<std::string, std::string>& environment,
                                  const ConfigOverrides& overrides) {
  Config config;
  if (!path.empty()) {
    if (absl::Status status = ApplyFile(path, config); !status.ok()) return status;
  }
  return FinishLoad(std::move(config), environment, overrides);
}

absl::StatusOr<Config> LoadConfigFromText(std::string_view text, std::string_view source,
                                          const std::map<std::string, std::string>& environment,
                                          const ConfigOverrides& overrides) {
  Config config;
  if (absl::Status status = ApplyText(text, source, config); !status.ok()) return status;
  return FinishLoad(std::move(config), environment, overrides);
}

}  // namespace iothub::app
