// Clock: where the hub reads time, so that tests can control it.
// Thread-safe: SystemClock is stateless; ManualClock uses atomics.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace iothub {

// Milliseconds since the Unix epoch, the unit every stored and exported time uses.
using UnixMillis = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, for timestamps, certificate validity and JWT exp/nbf/iat.
  virtual UnixMillis NowUnixMillis() const = 0;
  // Monotonic time, for deadlines and latencies; never jumps backwards.
  virtual std::chrono::steady_clock::time_point SteadyNow() const = 0;
};

// The real clocks of the machine.
class SystemClock final : public Clock {
 public:
  UnixMillis NowUnixMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::chrono::steady_clock::time_point SteadyNow() const override {
    return std::chrono::steady_clock::now();
  }
};

// A clock that moves only when told to; both readings advance together.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(UnixMillis start = 1'700'000'000'000) : now_ms_(start) {}
  UnixMillis NowUnixMillis() const override { return now_ms_.load(); }
  std::chrono::steady_clock::time_point SteadyNow() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(now_ms_.load()));
  }
  void Advance(std::chrono::milliseconds by) { now_ms_ += by.count(); }
  void Set(UnixMillis ms) { now_ms_ = ms; }

 private:
  std::atomic<UnixMillis> now_ms_;
};

}  // namespace iothub
