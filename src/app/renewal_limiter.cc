#include "app/renewal_limiter.h"

#include <iterator>

namespace iothub::app {

bool RenewalLimiter::TryAcquire(std::string_view device_id, SteadyTime now) {
  std::lock_guard lock(mutex_);
  std::string key(device_id);
  if (auto it = last_.find(key); it != last_.end()) {
    if (now - it->second < interval_) return false;
    it->second = now;
    return true;
  }
  if (last_.size() >= max_devices_) {
    std::erase_if(last_, [&](const auto& entry) { return now - entry.second >= interval_; });
    if (last_.size() >= max_devices_) return false;
  }
  last_.emplace(std::move(key), now);
  return true;
}

}  // namespace iothub::app
