// PgChangeListener: turns the database's change notifications (channel iothub_registry,
// sent by the schema's triggers at commit) into a counter, so DataVersion() is a cheap
// atomic read and every hub's FleetView follows changes from other hubs and the CLI
// within its poll interval, without polling the database.
//
// One thread with its own connection: LISTEN, then wait for notifications. Safety nets:
//  - a notification from an ignored backend (this store's own writer) is skipped;
//  - after (re)connecting, the counter is bumped: changes made while the connection was
//    down went unheard;
//  - every kFallbackPoll the registry_changes sequence (which the same triggers bump) is
//    read, and a change the notifications missed bumps the counter. It may also fire
//    once for this store's own writes or a rolled-back change: one spare reload.
//
// Thread-safety: version() is thread-safe; Start() and the destructor are called by the
// owner. The `ignore` callback is called on the listener thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "store/postgres_connection.h"

namespace iothub::store {

class PgChangeListener {
 public:
  static constexpr std::chrono::milliseconds kFallbackPoll{10000};
  static constexpr std::chrono::milliseconds kReconnectDelay{1000};

  // `ignore(pid)`: true for notifications of backends whose changes the owner knows.
  PgChangeListener(std::string url, std::function<bool(int)> ignore);
  ~PgChangeListener();  // stops and joins
  PgChangeListener(const PgChangeListener&) = delete;
  PgChangeListener& operator=(const PgChangeListener&) = delete;

  // Connects and LISTENs now (so that no commit after Start() returns goes unheard),
  // then starts the thread. If the server is unreachable the thread keeps trying, and
  // the error is returned.
  absl::Status Start();

  // Changes whenever a commit elsewhere changed the registry.
  std::int64_t version() const { return version_.load(); }

 private:
  // Connects and LISTENs, reads the sequence; bumps the version.
  absl::Status Subscribe();
  void Run();
  // Reads registry_changes; bumps the version when it moved since the last read.
  absl::Status PollSequence();
  // Sleeps up to `delay` unless stopped; false when stopped.
  bool SleepUnlessStopped(std::chrono::milliseconds delay);

  PgConnection conn_;  // the listener thread's (Start() before the thread runs)
  const std::function<bool(int)> ignore_;
  std::atomic<std::int64_t> version_{0};
  std::optional<std::int64_t> last_sequence_;  // listener thread only

  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace iothub::store
