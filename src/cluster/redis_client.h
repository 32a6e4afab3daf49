// RedisClient: a small Redis client (hiredis) for calls on the hook path, in two ways.
// Synchronous (Command, Pipeline, Eval), on the calling thread:
//  - A few connections (options.connections), each behind its own mutex, so that
//    gRPC threads do not queue behind one another's round trips.
//  - Per call: no copy of the arguments (hiredis formats them straight from the
//    caller's views, through buffers each connection keeps), one write and one read on
//    a blocking socket, the reply converted once.
// Pipelined (EvalAsync, CommandAsync), for callers that must not wait: the command is
//  formatted on the calling thread and queued; one thread writes all queued commands in one write
//  on a connection of its own and answers each with its reply (RedisPipelinedLink).
// Both are bounded: connecting and every read and write time out after options.timeout;
// nothing waits for a connection that is down (calls fail at once while the client
// backs off between reconnects: 100 ms doubling to 1 s, so service returns within about
// a second of Redis). Scripts run by EVALSHA, loaded again after a restart of Redis
// forgot them. Measured for both: iothub_redis_command_seconds (every command or round
// trip), iothub_redis_errors_total and iothub_redis_up; the pipeline adds
// iothub_redis_queued, iothub_redis_pipelined_total, iothub_redis_pipeline_writes_total
// and iothub_redis_queue_full_total.
// Errors are values (Unavailable for connection trouble and timeouts, Internal for an
// error reply). The password never appears in a status or a log. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "cluster/redis_health.h"
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

class RedisPipelinedLink;

class RedisClient {
 public:
  // Called exactly once with the reply or an error (EvalAsync, CommandAsync).
  using EvalDone = absl::AnyInvocable<void(absl::StatusOr<RedisReply>)>;

  // Connects on first use (the pipeline's thread starts at once).
  RedisClient(RedisOptions options, Metrics& metrics);
  ~RedisClient();  // answers every EvalAsync still queued, then joins the pipeline
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
  // EVALSHA of `script` without waiting for the reply. The command is formatted on the
  // calling thread (keys and args need not outlive the call; `script` must outlive the
  // answer, as the long-lived constants scripts are do) and queued; one pipeline
  // thread writes every queued command in one write on a connection of its own and
  // reads the replies in order. `done` runs exactly once: on the pipeline thread with
  // the reply or an error (Unavailable: down, reconnect backoff, timeout; Internal: an
  // error reply), or at once on the calling thread when the queue is full (or memory
  // runs out formatting: ResourceExhausted) or the client is stopping (Unavailable).
  // `done` runs with no lock of the client held and may call EvalAsync again.
  // Every call is answered within about twice options.timeout. The commands of one
  // caller reach Redis in the order of the calls (scripts are loaded on each pipeline
  // connection before their first use). NOSCRIPT all the same (SCRIPT FLUSH while
  // connected): the pipeline thread sends SCRIPT LOAD and the command again, after the
  // other commands of its write, which only then may run before it.
  void EvalAsync(const RedisScript& script, std::span<const std::string_view> keys,
                 std::span<const std::string_view> args, EvalDone done);
  // One command, e.g. {"HGET", key, field}, through the same pipeline as EvalAsync and
  // answered as it says (argv need not outlive the call; no NOSCRIPT retry: no script).
  void CommandAsync(std::span<const std::string_view> argv, EvalDone done);

  // Whether the last command answered; and what failed last (for /api/health).
  bool up() const { return health_.up(); }
  std::string last_error() const { return health_.last_error(); }

 private:
  struct Connection;
  struct AsyncArgv;
  absl::StatusOr<std::vector<RedisReply>> RoundTrip(
      std::span<const std::vector<std::string_view>> commands);
  // Formats `argv` and queues it on the pipeline (`script`: what NOSCRIPT loads, or null).
  void SubmitAsync(AsyncArgv& argv, const RedisScript* script, EvalDone done);

  const RedisOptions options_;
  RedisHealth health_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::atomic<std::size_t> next_{0};
  std::unique_ptr<RedisPipelinedLink> pipeline_;  // last: stopped first
};

}  // namespace iothub::cluster
