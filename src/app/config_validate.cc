#include "app/config_validate.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <string>

#include "cluster/redis_url.h"
#include "registry/ca_files.h"
#include "store/postgres_url.h"

namespace iothub::app {
namespace {

absl::Status CheckListen(std::string_view key, const std::string& address) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) {
    return absl::InvalidArgumentError(std::string(key) + ": '" + address + "' is not host:port");
  }
  const std::string port = address.substr(colon + 1);
  // from_chars, not stol: a port of 100 digits is a bad value, not an exception.
  int number = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (error != std::errc() || end != port.data() + port.size() || port.front() == '+' ||
      number < 0 || number > 65535) {
    return absl::InvalidArgumentError(std::string(key) + ": '" + port + "' is not a port");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateConfig(const Config& config) {
  if (auto s = CheckListen("server.grpc_listen", config.server.grpc_listen); !s.ok()) return s;
  if (auto s = CheckListen("server.http_listen", config.server.http_listen); !s.ok()) return s;
  if (config.server.data_dir.empty()) {
    return absl::InvalidArgumentError("server.data_dir: must not be empty");
  }
  if (config.store.backend != "sqlite" && config.store.backend != "postgres") {
    return absl::InvalidArgumentError("store.backend: '" + config.store.backend +
                                      "' is not sqlite or postgres");
  }
  if (config.store.backend == "postgres") {
    if (config.store.postgres_url.empty()) {
      return absl::InvalidArgumentError(
          "store.postgres_url: required when store.backend is postgres");
    }
    if (absl::Status s = store::CheckPostgresUrl(config.store.postgres_url); !s.ok()) {
      return absl::InvalidArgumentError("store.postgres_url: " + std::string(s.message()));
    }
  }
  if (!config.cluster.redis_url.empty()) {
    if (auto parsed = cluster::ParseRedisUrl(config.cluster.redis_url); !parsed.ok()) {
      return absl::InvalidArgumentError("cluster.redis_url: " +
                                        std::string(parsed.status().message()));
    }
  }
  static const std::set<std::string> kLevels = {"trace", "debug",    "info", "warn",
                                                "error", "critical", "off"};
  if (!kLevels.contains(config.log.level)) {
    return absl::InvalidArgumentError(
        "log.level: '" + config.log.level +
        "' is not one of trace, debug, info, warn, error, critical, off");
  }
  if (config.log.format != "text" && config.log.format != "json") {
    return absl::InvalidArgumentError("log.format: '" + config.log.format +
                                      "' is not text or json");
  }
  const auto& known = KnownHookNames();
  for (const std::string& hook : config.hooks.enabled) {
    if (std::find(known.begin(), known.end(), hook) == known.end()) {
      return absl::InvalidArgumentError("hooks.enabled: unknown hook '" + hook + "'");
    }
  }
  for (const std::string& filter : config.hooks.publish_topics) {
    if (filter.empty()) return absl::InvalidArgumentError("hooks.publish_topics: empty filter");
  }
  // Registry settings.
  if (!config.jwt.jwks_file.empty() && !config.jwt.jwks_url.empty()) {
    return absl::InvalidArgumentError("jwt: set jwks_file or jwks_url, not both");
  }
  if (!config.http.admin_token.empty() && config.http.admin_token.size() < 16) {
    return absl::InvalidArgumentError("http.admin_token: must be at least 16 characters");
  }
  if (config.mqtt.cert_file.empty() != config.mqtt.key_file.empty()) {
    return absl::InvalidArgumentError("mqtt: cert_file and key_file go together");
  }
  if (!registry::ParseKeyType(config.ca.key_type)) {
    return absl::InvalidArgumentError("ca.key_type: '" + config.ca.key_type +
                                      "' is not one of ec-p256, ec-p384, rsa-3072");
  }
  return absl::OkStatus();
}

}  // namespace iothub::app
