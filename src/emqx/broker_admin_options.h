// BrokerAdminOptions: where EMQX's REST API is and how hard to try. Plain data plus a
// validator; thread-compatible.
#pragma once

#include <absl/status/status.h>

#include <cstddef>
#include <string>

namespace iothub::emqx {

struct BrokerAdminOptions {
  // Base URL of EMQX's dashboard listener, e.g. http://emqx:18083 (a path prefix, for a
  // reverse proxy, is kept). Empty: no broker API, the hub uses NullBrokerNotifier.
  std::string api_url;
  // EMQX 5.3+ API key and secret, sent as HTTP basic auth (key:secret). Never logged.
  std::string api_key;
  std::string api_secret;
  std::string ca_file;  // https only: CA bundle to trust; empty uses the system's

  int timeout_ms = 2000;          // connect, and each read/write, per attempt
  int max_attempts = 5;           // per call, the first one included
  int initial_backoff_ms = 200;   // wait after the first failed attempt, doubling...
  int max_backoff_ms = 5000;      // ...up to this
  int drain_timeout_ms = 2000;    // Stop() sends what is queued for at most this long
  std::size_t max_queue = 10000;  // calls waiting beyond this are dropped (and counted)
};

// OK when the options describe a usable API (an empty api_url is valid: disabled).
// InvalidArgument names the bad field; the message never contains the secret.
absl::Status ValidateBrokerAdminOptions(const BrokerAdminOptions& options);

// The URL split for httplib: "http://host:port" and a path prefix without a trailing
// slash ("" or "/prefix"). Assumes ValidateBrokerAdminOptions passed.
struct ApiEndpoint {
  std::string scheme_host_port;
  std::string path_prefix;
};
ApiEndpoint SplitApiUrl(const std::string& api_url);

}  // namespace iothub::emqx
