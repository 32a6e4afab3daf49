// RenewalLimiter: at most one renewal request per device per interval (any outcome), so
// that a device (or a clone of its key) cannot keep the CA and the store busy. State is
// the time of each device's last admitted request; entries older than the interval are
// dropped when the table is full, and when it is still full new devices are refused
// (fail closed). Thread-safe (one mutex, held for a hash lookup).
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace iothub::app {

class RenewalLimiter {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;

  RenewalLimiter(std::chrono::seconds interval, std::size_t max_devices = 100'000)
      : interval_(interval), max_devices_(max_devices) {}

  // True (and the time recorded) when the device's last admitted request is at least an
  // interval before `now`.
  bool TryAcquire(std::string_view device_id, SteadyTime now);

 private:
  const std::chrono::seconds interval_;
  const std::size_t max_devices_;
  std::mutex mutex_;
  std::unordered_map<std::string, SteadyTime> last_;
};

}  // namespace iothub::app
