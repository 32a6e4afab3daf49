// Awaited<T>: one value handed over by a callback that may run on another thread, for
// the waiting wrappers of calls that answer later (RpcPipeline::OnPublish,
// HubHandler::Publish). Allocates nothing. Set once, Wait once.
#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <utility>

namespace iothub {

template <typename T>
class Awaited {
 public:
  void Set(T value) {
    // Notified under the lock: the waiter owns this object and may destroy it as soon as
    // it can take the lock again.
    std::lock_guard lock(mutex_);
    value_.emplace(std::move(value));
    ready_.notify_all();
  }

  T Wait() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [this] { return value_.has_value(); });
    return *std::move(value_);
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::optional<T> value_;
};

}  // namespace iothub
