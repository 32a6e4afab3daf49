#include "app/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <set>

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

// Every key the file, the environment and the flags may set, as "section.key".
const std::map<std::string, Setter>& Keys() {
  static const auto* keys = new std::map<std::string, Setter>{
      {"server.grpc_listen", StringKey(&Config::server, &ServerConfig::grpc_listen, "server.grpc_listen")},
      {"server.http_listen", StringKey(&Config::server, &ServerConfig::http_listen, "server.http_listen")},
      {"server.data_dir", StringKey(&Config::server, &ServerConfig::data_dir, "server.data_dir")},
      {"server.grpc_threads",
       IntKey(&Config::server, &ServerConfig::grpc_threads, "server.grpc_threads", 0, 64)},
      {"server.grpc_max_message_bytes",
       IntKey(&Config::server, &ServerConfig::grpc_max_message_bytes,
              "server.grpc_max_message_bytes", 4096, 64 * 1024 * 1024)},
      {"log.level", StringKey(&Config::log, &LogConfig::level, "log.level")},
      {"log.format", StringKey(&Config::log, &LogConfig::format, "log.format")},
      {"hooks.enabled", StringListKey(&Config::hooks, &HooksConfig::enabled, "hooks.enabled")},
      {"hooks.publish_topics",
       StringListKey(&Config::hooks, &HooksConfig::publish_topics, "hooks.publish_topics")},
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
  std::string key = name.substr(kPrefix.size(), split - kPrefix.size()) + "." + name.substr(split + 2);
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
  return key;
}

absl::Status Apply(const std::string& key, const toml::node& node, Config& config,
                   std::string_view source) {
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

absl::Status ApplyFile(const std::string& path, Config& config) {
  toml::table file;
  try {
    file = toml::parse_file(path);
  } catch (const toml::parse_error& error) {
    const auto& where = error.source().begin;
    return absl::InvalidArgumentError("config " + path + ":" + std::to_string(where.line) + ":" +
                                      std::to_string(where.column) + ": " +
                                      std::string(error.description()));
  }
  for (const auto& [section, value] : file) {
    const toml::table* table = value.as_table();
    if (table == nullptr) {
      return absl::InvalidArgumentError("config " + path + ": '" + std::string(section.str()) +
                                        "' must be a [section]");
    }
    for (const auto& [key, node] : *table) {
      absl::Status status = Apply(std::string(section.str()) + "." + std::string(key.str()), node,
                                  config, "config " + path);
      if (!status.ok()) return status;
    }
  }
  return absl::OkStatus();
}

absl::Status CheckListen(std::string_view key, const std::string& address) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) {
    return absl::InvalidArgumentError(std::string(key) + ": '" + address +
                                      "' is not host:port");
  }
  const std::string port = address.substr(colon + 1);
  if (!std::all_of(port.begin(), port.end(), ::isdigit) || std::stol(port) > 65535) {
    return absl::InvalidArgumentError(std::string(key) + ": '" + port + "' is not a port");
  }
  return absl::OkStatus();
}

absl::Status Validate(const Config& config) {
  if (auto s = CheckListen("server.grpc_listen", config.server.grpc_listen); !s.ok()) return s;
  if (auto s = CheckListen("server.http_listen", config.server.http_listen); !s.ok()) return s;
  if (config.server.data_dir.empty()) {
    return absl::InvalidArgumentError("server.data_dir: must not be empty");
  }
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn",
                                                "error", "critical", "off"};
  if (!kLevels.contains(config.log.level)) {
    return absl::InvalidArgumentError("log.level: '" + config.log.level +
                                      "' is not one of trace, debug, info, warn, error, critical, off");
  }
  if (config.log.format != "text" && config.log.format != "json") {
    return absl::InvalidArgumentError("log.format: '" + config.log.format + "' is not text or json");
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
  return absl::OkStatus();
}

}  // namespace

const std::vector<std::string>& KnownHookNames() {
  static const std::vector<std::string> kNames = {
      "client.connect",      "client.connack",       "client.connected",   "client.disconnected",
      "client.authenticate", "client.authorize",     "client.subscribe",   "client.unsubscribe",
      "session.created",     "session.subscribed",   "session.unsubscribed", "session.resumed",
      "session.discarded",   "session.takenover",    "session.terminated", "message.publish",
      "message.delivered",   "message.acked",        "message.dropped"};
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

absl::StatusOr<Config> LoadConfig(const std::string& path,
                                  const std::map<std::string, std::string>& environment,
                                  const ConfigOverrides& overrides) {
  Config config;
  if (!path.empty()) {
    if (absl::Status status = ApplyFile(path, config); !status.ok()) return status;
  }
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
  if (absl::Status status = Validate(config); !status.ok()) return status;
  return config;
}

}  // namespace iothub::app
