// RedisClient: a small synchronous Redis client (hiredis) for calls on the hook path.
//  - Bounded: connecting and every command time out after options.timeout; a command
//    never waits for a connection that is down (it fails at once while the client
//    backs off between reconnects: 100 ms doubling to 1 s, so service returns within
//    about a second of Redis).
//  - A few connections (options.connections), each behind its own mutex, so that
//    gRPC threads do not queue behind one another's round trips.
//  - Scripts run by EVALSHA, falling back to EVAL once after a restart of Redis
//    forgot them.
//  - Per call on the calling thread: no copy of the arguments (hiredis formats them
//    straight from the caller's views, through buffers each connection keeps), one
//    write and one read on a blocking socket, the reply converted once.
//  - Measured: iothub_redis_command_seconds (every round trip), iothub_redis_errors_total
//    and iothub_redis_up.
// Errors are values (Unavailable for connection trouble and timeouts, Internal for an
// error reply). The password never appears in a status or a log. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cluster/redis_url.h"
#include "common/metrics.h"

namespace iothub::cluster {

// A reply, as a tree of plain values. Error replies are statuses, never a RedisReply.
struct RedisReply {
  enum class Type { kNil, kInteger, kString, kArray };
  Type type = Type::kNil;
  long long integer = 0;
  std::string str;  // bulk and status strings
  std::vector<RedisReply> elements;
};

// A Lua script and its SHA-1, as EVALSHA names it.
class RedisScript {
 public:
  explicit RedisScript(std::string source);
  const std::string& source() const { return source_; }
  const std::string& sha1() const { return sha1_; }

 private:
  std::string source_;
  std::string sha1_;
};

class RedisClient {
 public:
  RedisClient(RedisOptions options, Metrics& metrics);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // One command, e.g. {"HGET", key, field}.
  absl::StatusOr<RedisReply> Command(const std::vector<std::string_view>& argv);
  // Several commands in one round trip; the replies in order (the first error fails all).
  absl::StatusOr<std::vector<RedisReply>> Pipeline(
      const std::vector<std::vector<std::string_view>>& commands);
  // EVALSHA of `script` (EVAL when Redis does not know it yet).
  absl::StatusOr<RedisReply> Eval(const RedisScript& script,
                                  const std::vector<std::string_view>& keys,
                                  const std::vector<std::string_view>& args);

  // Whether the last round trip succeeded; and what failed last (for /api/health).
  bool up() const { return up_.load(std::memory_order_relaxed); }
  std::string last_error() const;

 private:
  struct Connection;
  absl::StatusOr<std::vector<RedisReply>> RoundTrip(
      std::span<const std::vector<std::string_view>> commands);
  absl::Status Connect(Connection& connection);
  void NoteFailure(const absl::Status& status);

  const RedisOptions options_;
  std::unique_ptr<Connection[]> connections_;
  std::atomic<std::size_t> next_{0};
  std::atomic<bool> up_{false};
  mutable std::mutex error_mutex_;
  std::string last_error_;
  Histogram& latency_;
  Counter& errors_;
  Gauge& up_gauge_;
};

}  // namespace iothub::cluster
