#include "emqx/call_policy.h"

#include <algorithm>
#include <cstdint>

namespace iothub::emqx {

Verdict Classify(CallKind kind, std::optional<int> http_status) {
  if (!http_status) return Verdict::kRetry;
  const int status = *http_status;
  if (status >= 200 && status < 300) return Verdict::kDone;
  if (status == 404 && kind == CallKind::kKickClient) return Verdict::kNotConnected;
  if (status == 401 || status == 403) return Verdict::kUnauthorized;
  if (status == 408 || status == 429 || status >= 500) return Verdict::kRetry;
  return Verdict::kRejected;
}

std::chrono::milliseconds BackoffAfter(int failed_attempts, const BrokerAdminOptions& options) {
  std::int64_t wait = options.initial_backoff_ms;
  for (int i = 1; i < failed_attempts && wait < options.max_backoff_ms; ++i) wait *= 2;
  return std::chrono::milliseconds(std::min<std::int64_t>(wait, options.max_backoff_ms));
}

std::string_view CallKindName(CallKind kind) {
  switch (kind) {
    case CallKind::kKickClient:
      return "kick_client";
    case CallKind::kClearAuthzCache:
      return "clear_authz_cache";
  }
  return "unknown";
}

}  // namespace iothub::emqx
