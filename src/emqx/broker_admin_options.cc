#include "emqx/broker_admin_options.h"

namespace iothub::emqx {

absl::Status ValidateBrokerAdminOptions(const BrokerAdminOptions& options) {
  const std::string& url = options.api_url;
  if (url.empty()) return absl::OkStatus();
  const std::size_t scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return absl::InvalidArgumentError("emqx api_url must start with http:// or https://");
  }
  const std::size_t authority_end = url.find_first_of("/?#", scheme_end + 3);
  const std::string authority = url.substr(scheme_end + 3, authority_end - (scheme_end + 3));
  if (authority.empty()) return absl::InvalidArgumentError("emqx api_url has no host");
  // Credentials in the URL would end up in logs; they belong in api_key/api_secret.
  if (authority.find('@') != std::string::npos) {
    return absl::InvalidArgumentError(
        "emqx api_url must not contain credentials; use api_key and api_secret");
  }
  if (authority_end != std::string::npos && url[authority_end] != '/') {
    return absl::InvalidArgumentError("emqx api_url must not have a query or fragment");
  }
  if (options.api_key.empty() || options.api_secret.empty()) {
    return absl::InvalidArgumentError("emqx api_key and api_secret are required with api_url");
  }
  if (options.timeout_ms <= 0) return absl::InvalidArgumentError("emqx timeout_ms must be > 0");
  if (options.max_attempts < 1) return absl::InvalidArgumentError("emqx max_attempts must be >= 1");
  if (options.initial_backoff_ms < 0 || options.max_backoff_ms < options.initial_backoff_ms) {
    return absl::InvalidArgumentError("emqx backoff must satisfy 0 <= initial <= max");
  }
  if (options.drain_timeout_ms < 0) {
    return absl::InvalidArgumentError("emqx drain_timeout_ms must be >= 0");
  }
  if (options.max_queue == 0) return absl::InvalidArgumentError("emqx max_queue must be > 0");
  return absl::OkStatus();
}

ApiEndpoint SplitApiUrl(const std::string& api_url) {
  const std::size_t scheme_end = api_url.find("://");
  const std::size_t path_start = api_url.find('/', scheme_end + 3);
  ApiEndpoint endpoint;
  endpoint.scheme_host_port = api_url.substr(0, path_start);
  if (path_start != std::string::npos) endpoint.path_prefix = api_url.substr(path_start);
  while (!endpoint.path_prefix.empty() && endpoint.path_prefix.back() == '/') {
    endpoint.path_prefix.pop_back();
  }
  return endpoint;
}

}  // namespace iothub::emqx
