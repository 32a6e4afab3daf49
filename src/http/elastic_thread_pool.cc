#include "http/elastic_thread_pool.h"

#include <algorithm>
#include <thread>

namespace iothub::http {

ElasticThreadPool::ElasticThreadPool(std::size_t core_threads, std::size_t max_threads,
                                     std::chrono::milliseconds idle_exit)
    : core_threads_(std::max<std::size_t>(core_threads, 1)),
      max_threads_(std::max(max_threads, std::max<std::size_t>(core_threads, 1))),
      idle_exit_(idle_exit) {
  std::lock_guard lock(mu_);
  for (std::size_t i = 0; i < core_threads_; ++i) StartWorkerLocked();
}

ElasticThreadPool::~ElasticThreadPool() { shutdown(); }

void ElasticThreadPool::enqueue(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  jobs_.push_back(std::move(fn));
  // Idle workers may already be claimed by queued tasks: start one per task not covered.
  if (jobs_.size() > idle_ && live_ < max_threads_) StartWorkerLocked();
  work_.notify_one();
}

void ElasticThreadPool::shutdown() {
  std::unique_lock lock(mu_);
  shutdown_ = true;
  work_.notify_all();
  all_gone_.wait(lock, [this] { return live_ == 0; });
}

std::size_t ElasticThreadPool::threads() const {
  std::lock_guard lock(mu_);
  return live_;
}

void ElasticThreadPool::StartWorkerLocked() {
  ++live_;
  ++idle_;
  std::thread([this] { Work(); }).detach();
}

void ElasticThreadPool::Work() {
  std::unique_lock lock(mu_);
  for (;;) {
    const bool woke =
        work_.wait_for(lock, idle_exit_, [this] { return !jobs_.empty() || shutdown_; });
    if (jobs_.empty() && (shutdown_ || (!woke && live_ > core_threads_))) break;
    if (jobs_.empty()) continue;
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    --idle_;
    lock.unlock();
    job();
    job = nullptr;  // destroy the task's captures outside the lock
    lock.lock();
    ++idle_;
  }
  --idle_;
  // The last access to the pool: shutdown() may destroy it once this lock is released.
  if (--live_ == 0) all_gone_.notify_all();
}

}  // namespace iothub::http
