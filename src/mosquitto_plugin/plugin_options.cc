#include "mosquitto_plugin/plugin_options.h"

#include <algorithm>
#include <charconv>

#include "absl/status/status.h"

namespace iothub::mosquitto_plugin {
namespace {

// Parses a whole decimal string into [min, max].
bool ParseInt(const std::string& text, long min, long max, long* out) {
  long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  if (value < min || value > max) return false;
  *out = value;
  return true;
}

}  // namespace

absl::StatusOr<PluginOptions> ParsePluginOptions(
    const std::vector<std::pair<std::string, std::string>>& pairs) {
  PluginOptions options;
  for (const auto& [key, value] : pairs) {
    if (key == "url") {
      options.url = value;
    } else if (key == "timeout_ms") {
      long ms = 0;
      if (!ParseInt(value, 1, 60000, &ms)) {
        return absl::InvalidArgumentError("plugin_opt_timeout_ms must be 1-60000");
      }
      options.timeout = std::chrono::milliseconds(ms);
    } else if (key == "tls_ca") {
      options.tls_ca = value;
    } else if (key == "tls_cert") {
      options.tls_cert = value;
    } else if (key == "tls_key") {
      options.tls_key = value;
    } else if (key == "service") {
      if (value == "v2") {
        options.service = ServiceVersion::kV2;
      } else if (value == "v3") {
        options.service = ServiceVersion::kV3;
      } else {
        return absl::InvalidArgumentError("plugin_opt_service must be v2 or v3");
      }
    } else if (key == "sockport") {
      long port = 0;
      if (!ParseInt(value, 0, 65535, &port)) {
        return absl::InvalidArgumentError("plugin_opt_sockport must be 0-65535");
      }
      options.sockport = static_cast<std::uint32_t>(port);
    } else if (key == "acl_cache_ms") {
      long ms = 0;
      if (!ParseInt(value, 0, 600000, &ms)) {
        return absl::InvalidArgumentError("plugin_opt_acl_cache_ms must be 0-600000");
      }
      options.acl_cache = std::chrono::milliseconds(ms);
    } else if (key == "bridge_clientids") {
      options.bridge_clientids.clear();
      for (std::size_t at = 0; at <= value.size();) {
        const std::size_t comma = std::min(value.find(',', at), value.size());
        if (comma == at) {
          return absl::InvalidArgumentError("plugin_opt_bridge_clientids has an empty entry");
        }
        options.bridge_clientids.push_back(value.substr(at, comma - at));
        at = comma + 1;
      }
    }
  }
  if (options.url.empty()) return absl::InvalidArgumentError("plugin_opt_url is required");
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return absl::InvalidArgumentError("plugin_opt_tls_cert and plugin_opt_tls_key go together");
  }
  if (!options.tls_cert.empty() && options.tls_ca.empty()) {
    return absl::InvalidArgumentError("plugin_opt_tls_cert needs plugin_opt_tls_ca");
  }
  return options;
}

}  // namespace iothub::mosquitto_plugin
