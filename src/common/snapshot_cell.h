// SnapshotCell<T>: one immutable value that readers take without locking and writers
// replace whole (read-copy-update). Readers hold a shared_ptr, so a value stays alive
// while anyone still reads it. Thread-safe.
#pragma once

#include <atomic>
#include <memory>

namespace iothub {

template <typename T>
class SnapshotCell {
 public:
  explicit SnapshotCell(std::shared_ptr<const T> initial = std::make_shared<const T>())
      : value_(std::move(initial)) {}

  std::shared_ptr<const T> Load() const { return value_.load(std::memory_order_acquire); }
  void Store(std::shared_ptr<const T> next) {
    value_.store(std::move(next), std::memory_order_release);
  }

 private:
  std::atomic<std::shared_ptr<const T>> value_;
};

}  // namespace iothub
