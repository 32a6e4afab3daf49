#include "cluster/redis_health.h"

namespace iothub::cluster {

RedisHealth::RedisHealth(Metrics& metrics)
    : latency_(metrics.GetHistogram("iothub_redis_command_seconds",
                                    "Round trips to Redis (shared state), successful or not.")),
      errors_(metrics.GetCounter("iothub_redis_errors_total",
                                 "Redis round trips that failed (down, timeout, error reply).")),
      up_gauge_(
          metrics.GetGauge("iothub_redis_up", "1 while the last Redis round trip succeeded.")) {}

std::string RedisHealth::last_error() const {
  std::lock_guard lock(error_mutex_);
  return last_error_;
}

void RedisHealth::Record(const absl::Status& status, std::chrono::steady_clock::duration elapsed) {
  latency_.ObserveSeconds(std::chrono::duration<double>(elapsed).count());
  if (status.ok() || absl::IsInternal(status)) {
    if (!status.ok()) errors_.Increment();
    up_.store(true, std::memory_order_relaxed);
    up_gauge_.Set(1);
    return;
  }
  errors_.Increment();
  up_.store(false, std::memory_order_relaxed);
  up_gauge_.Set(0);
  std::lock_guard lock(error_mutex_);
  last_error_ = std::string(status.message());
}

}  // namespace iothub::cluster
