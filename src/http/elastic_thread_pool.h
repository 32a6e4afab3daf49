// ElasticThreadPool: httplib's TaskQueue with one worker per task in flight, up to a cap.
// httplib runs a whole connection (every keep-alive request on it) as one task, so a
// fixed pool of N threads is held by N slow clients and everything else waits behind
// them. Here an enqueued task starts on an idle worker, or on a new one while fewer than
// `max_threads` exist; past that it waits in FIFO order. Workers beyond `core_threads`
// exit after `idle_exit` without work, so a burst does not pin its threads.
// Thread-safety: enqueue from any thread; shutdown once, from the owner.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

namespace iothub::http {

class ElasticThreadPool final : public httplib::TaskQueue {
 public:
  ElasticThreadPool(std::size_t core_threads, std::size_t max_threads,
                    std::chrono::milliseconds idle_exit = std::chrono::seconds(30));
  ~ElasticThreadPool() override;

  void enqueue(std::function<void()> fn) override;
  // Runs the queued tasks, then returns when every worker has exited.
  void shutdown() override;

  // Workers alive now (for tests and measurements).
  std::size_t threads() const;

 private:
  void StartWorkerLocked();
  void Work();

  const std::size_t core_threads_;
  const std::size_t max_threads_;
  const std::chrono::milliseconds idle_exit_;
  mutable std::mutex mu_;
  std::condition_variable work_;      // a task was queued, or shutdown
  std::condition_variable all_gone_;  // the last worker exited
  std::deque<std::function<void()>> jobs_;
  std::size_t live_ = 0;  // workers alive (they are detached; shutdown waits for 0)
  std::size_t idle_ = 0;  // workers waiting for a task
  bool shutdown_ = false;
};

}  // namespace iothub::http
