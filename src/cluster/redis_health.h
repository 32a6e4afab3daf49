// RedisHealth: what every path of a RedisClient (its synchronous connections and its
// pipeline) reports in common: whether Redis answered last, what failed last, and the
// metrics iothub_redis_command_seconds, iothub_redis_errors_total and iothub_redis_up.
// Thread-safe; Record() is a few relaxed atomic updates unless it records a failure.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "common/metrics.h"

namespace iothub::cluster {

class RedisHealth {
 public:
  explicit RedisHealth(Metrics& metrics);

  // One command (or one round trip of several) answered `elapsed` after it was asked:
  // OK; Internal for an error reply (an answer: Redis is up); anything else is
  // connection trouble and marks Redis down.
  void Record(const absl::Status& status, std::chrono::steady_clock::duration elapsed);

  bool up() const { return up_.load(std::memory_order_relaxed); }
  std::string last_error() const;

 private:
  std::atomic<bool> up_{false};
  mutable std::mutex error_mutex_;
  std::string last_error_ = "redis: not reached yet";
  Histogram& latency_;
  Counter& errors_;
  Gauge& up_gauge_;
};

}  // namespace iothub::cluster
