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

namespace iothub::app {

struct ServerConfig {
  std::string grpc_listen = "127.0.0.1:9000";
  std::string http_listen = "127.0.0.1:8080";
  std::string data_dir = "./data";
  std::int64_t grpc_threads = 0;  // 0 = one per core
  std::int64_t grpc_max_message_bytes = 2 * 1024 * 1024;
};

struct LogConfig {
  std::string level = "info";   // trace, debug, info, warn, error, critical, off
  std::string format = "text";  // text or json
};

struct HooksConfig {
  // The hooks returned to OnProviderLoaded. The first five are what the hub needs.
  std::vector<std::string> enabled = {"client.authenticate", "client.authorize",
                                      "client.connected", "client.disconnected",
                                      "message.publish"};
  // Topic filters for message.publish: only RPC traffic needs the hub.
  std::vector<std::string> publish_topics = {"users/+/devices/+/rpc/request",
                                             "users/+/devices/+/rpc/response"};
};

struct Config {
  ServerConfig server;
  LogConfig log;
  HooksConfig hooks;
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

// The process environment as a map (only IOTHUB_* entries).
std::map<std::string, std::string> IothubEnvironment();

// The hook names EMQX knows (one unknown name fails EMQX's whole provider load).
const std::vector<std::string>& KnownHookNames();

}  // namespace iothub::app
