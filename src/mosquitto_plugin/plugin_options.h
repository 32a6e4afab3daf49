// PluginOptions: the plugin_opt_* settings of iot-hub-mosquitto.so, parsed from the
// key/value pairs Mosquitto hands to mosquitto_plugin_init (keys without "plugin_opt_").
// Pure and thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace iothub::mosquitto_plugin {

// Which gRPC service name the hub is called on.
enum class ServiceVersion { kV2, kV3 };

struct PluginOptions {
  std::string url;                               // host:port of the hub (required)
  std::chrono::milliseconds timeout{1000};       // deadline of every call
  std::string tls_ca;                            // PEM file; TLS when set
  std::string tls_cert;                          // client certificate PEM (mTLS)
  std::string tls_key;                           // client key PEM (mTLS)
  ServiceVersion service = ServiceVersion::kV2;  // emqx.exhook.v2 or v3
  std::uint32_t sockport = 0;                    // reported ClientInfo.sockport
  // How long an authorize answer is reused for the same client, action and topic (as
  // EMQX's authz cache does); 0 asks the hub on every check. A bind, unbind or revoke
  // reaches connected clients within this time.
  std::chrono::milliseconds acl_cache{0};
  // The local clientids of this broker's bridges to other brokers (`local_clientid` of
  // each `connection`). Messages arriving over such a bridge were decided by the hub
  // of the broker they entered through: they pass without a call. Only the broker's
  // own bridge connection counts, never a client that logged in under such an id.
  std::vector<std::string> bridge_clientids;
};

// Parses the options; unknown keys are ignored, bad values are an error.
// Keys: url, timeout_ms, tls_ca, tls_cert, tls_key, service (v2|v3), sockport,
// acl_cache_ms, bridge_clientids (comma-separated).
absl::StatusOr<PluginOptions> ParsePluginOptions(
    const std::vector<std::pair<std::string, std::string>>& pairs);

}  // namespace iothub::mosquitto_plugin
