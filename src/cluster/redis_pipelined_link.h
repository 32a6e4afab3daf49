// RedisPipelinedLink: the connection behind RedisClient::EvalAsync and CommandAsync. Callers queue
// commands already formatted on their own thread; one thread of the link takes
// everything queued (up to kMaxBatch commands), writes it in one write on a connection
// of its own, reads the replies in order and answers each command's `done` with no
// lock held. So the gRPC threads never wait on Redis, and the commands of all of them
// share writes and reads.
//  - Bounded: at most options.max_queued commands wait (more are refused at once with
//    ResourceExhausted); a command that waited a whole options.timeout in the queue is
//    answered Unavailable unsent; reads and writes time out after options.timeout, which
//    drops the connection and fails the batch's commands still unanswered. So every
//    command is answered within about twice options.timeout.
//  - Scripts: each one is loaded (SCRIPT LOAD) on each new connection before its first
//    EVALSHA, in the same write, so that the commands of a batch run in the order
//    queued even after Redis restarted and forgot its scripts. NOSCRIPT all the same
//    (SCRIPT FLUSH on a live connection): SCRIPT LOAD, then the same command once
//    more, on the link's thread (so after the batch's other commands).
//  - Stop() (and the destructor) answers the queued commands Unavailable, lets the batch
//    being read finish (its commands get their replies or its timeout) and joins.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "cluster/redis_client.h"
#include "cluster/redis_connection.h"
#include "cluster/redis_health.h"
#include "common/metrics.h"

namespace iothub::cluster {

class RedisPipelinedLink {
 public:
  // Commands per write at most, so that one read loop (and its timeout) stays bounded.
  static constexpr std::size_t kMaxBatch = 512;

  // A command in the wire format, as redisFormatCommandArgv made it (malloc'd).
  struct FormattedFree {
    void operator()(char* command) const { redisFreeCommand(command); }
  };
  using FormattedCommand = std::unique_ptr<char, FormattedFree>;

  // `options` and `health` must outlive the link. Starts the thread (it connects when
  // the first command comes).
  RedisPipelinedLink(const RedisOptions& options, RedisHealth& health, Metrics& metrics);
  ~RedisPipelinedLink();  // Stop()
  RedisPipelinedLink(const RedisPipelinedLink&) = delete;
  RedisPipelinedLink& operator=(const RedisPipelinedLink&) = delete;

  // Queues `command` (`length` bytes): an EVALSHA of `script`, which must outlive the
  // answer (scripts are long-lived constants), or a plain command (`script` null: a
  // NOSCRIPT reply is then an error reply like any other). `done` runs once, as
  // RedisClient::EvalAsync says.
  void Submit(FormattedCommand command, std::size_t length, const RedisScript* script,
              RedisClient::EvalDone done);
  // Answers everything queued and joins the thread; later Submits are answered
  // Unavailable at once. Idempotent.
  void Stop();

 private:
  using Clock = std::chrono::steady_clock;
  struct Pending {
    FormattedCommand command;
    std::size_t length = 0;
    const RedisScript* script = nullptr;  // null: not an EVALSHA
    RedisClient::EvalDone done;
    Clock::time_point queued;
  };

  void Run();
  // Writes the batch, reads its replies and answers every command in it.
  void Send(std::vector<Pending>& batch);
  // Queues a SCRIPT LOAD of each script of `live` not loaded on this connection yet;
  // returns how many (their replies come first).
  std::size_t AppendLoads(std::span<Pending* const> live);
  // Loads the scripts of `retry` (commands answered NOSCRIPT) and sends them once more.
  void Retry(std::vector<Pending*>& retry);
  // Queues the commands on the connection (the next Read writes them).
  void AppendAll(std::span<Pending* const> commands);
  // Answers every command of `batch` not answered yet with `status`.
  void FailAll(std::span<Pending* const> batch, const absl::Status& status);
  void Answer(Pending& pending, absl::StatusOr<RedisReply> reply);

  const RedisOptions& options_;
  RedisHealth& health_;
  RedisConnection connection_;  // the thread's own
  // The scripts loaded on connection_ (its connects() was loaded_on_), in load order.
  std::vector<const RedisScript*> loaded_;
  std::uint64_t loaded_on_ = 0;
  // The pipeline's own metrics (the ones every path shares are health_'s).
  struct Meters {
    Gauge& queued;        // commands waiting
    Counter& pipelined;   // commands written
    Counter& writes;      // writes (batches)
    Counter& queue_full;  // commands refused at once
  } meters_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mutex_);
  bool idle_ ABSL_GUARDED_BY(mutex_) = false;  // the thread waits for wake_
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::mutex join_mutex_;  // serializes concurrent Stop() calls around join()
  std::thread thread_;
};

}  // namespace iothub::cluster
