// What EmqxBrokerAdmin does with an answer from EMQX's REST API: the call kinds, the
// verdict on one attempt, the retry backoff, and the names metrics and logs use.
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "emqx/broker_admin_options.h"

namespace iothub::emqx {

enum class CallKind {
  kKickClient,       // DELETE /api/v5/clients/{clientid}
  kClearAuthzCache,  // DELETE /api/v5/authorization/cache
};

// The verdict on one attempt.
enum class Verdict {
  kDone,          // 2xx
  kNotConnected,  // 404 on a kick: the client has no session, nothing to kick
  kRetry,         // connection error, timeout, 408, 429 or 5xx: try again later
  kUnauthorized,  // 401 or 403: wrong api_key/api_secret or role; retrying cannot help
  kRejected,      // any other status: a bug or a wrong api_url; retrying cannot help
};

// `http_status` is empty when no answer arrived (connection error or timeout).
Verdict Classify(CallKind kind, std::optional<int> http_status);

// The wait after `failed_attempts` (>= 1) failed attempts of one call:
// initial_backoff_ms doubling, capped at max_backoff_ms.
std::chrono::milliseconds BackoffAfter(int failed_attempts, const BrokerAdminOptions& options);

// Metric label values.
std::string_view CallKindName(CallKind kind);  // "kick_client", "clear_authz_cache"

}  // namespace iothub::emqx
