// RedisConnection: one blocking hiredis connection as every RedisClient path uses it:
// connected on demand with options.timeout on connect, reads and writes
// (redisSetTimeout: SO_RCVTIMEO/SO_SNDTIMEO), AUTH and SELECT sent first, and a
// reconnect back-off while Redis is away (100 ms doubling to 1 s) during which Ensure()
// fails at once. Also the conversion of hiredis replies into RedisReply values.
// Not thread-safe: one owner at a time (a mutex-guarded slot, or the pipeline thread).
// Internal to src/cluster (it includes hiredis).
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cluster/hiredis_handles.h"
#include "cluster/redis_client.h"

namespace iothub::cluster {

// The reply tree as plain values; an error reply anywhere becomes Internal.
absl::StatusOr<RedisReply> ToRedisReply(const redisReply& r);

class RedisConnection {
 public:
  explicit RedisConnection(const RedisOptions& options) : options_(options) {}

  // OK when connected or connected now; Unavailable (never the password) when the
  // attempt fails or the back-off since the last failure has not run out yet.
  absl::Status Ensure();
  // Queues `command` in the output buffer (hiredis formats it). Requires Ensure().
  void Append(std::span<const std::string_view> command);
  // Queues a command already in the wire format (a copy is taken). Requires Ensure().
  void AppendFormatted(std::string_view command);
  // The next reply; the first call writes everything queued. A timeout or a broken
  // stream leaves the stream's state unknown: the connection is dropped (the next
  // Ensure() reconnects) and Unavailable returned.
  absl::StatusOr<RedisReplyPtr> Read();
  // How many times Ensure() connected: what a new session of Redis forgot (scripts
  // loaded on an older one may be gone) shows as a new number.
  std::uint64_t connects() const { return connects_; }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kFirstBackoff{100};
  static constexpr std::chrono::milliseconds kMaxBackoff{1000};

  const RedisOptions& options_;
  RedisContextPtr context_;  // null: down
  Clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_ = kFirstBackoff;
  std::uint64_t connects_ = 0;
  // One command's arguments as hiredis takes them; kept to allocate once, not per call.
  std::vector<const char*> argv_;
  std::vector<std::size_t> lengths_;
};

}  // namespace iothub::cluster
