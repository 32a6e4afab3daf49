#include "rpc/rate_limiter.h"

#include <algorithm>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/string_hash.h"

namespace iothub::rpc {
namespace {

using Nanos = std::chrono::nanoseconds;
constexpr Nanos kMinute = std::chrono::minutes(1);

}  // namespace

struct RateLimiter::Shard {
  mutable std::mutex mutex;
  // user -> theoretical arrival time: the bucket is full again at that time.
  StringMap<SteadyTime> tat;
};

RateLimiter::RateLimiter(RateLimiterOptions options)
    : options_([&] {
        options.shards = std::max<std::size_t>(1, options.shards);
        return options;
      }()),
      shards_(new Shard[options_.shards]) {}

RateLimiter::~RateLimiter() = default;

RateLimiter::Shard& RateLimiter::ShardFor(std::string_view user_id) const {
  return shards_[std::hash<std::string_view>{}(user_id) % options_.shards];
}

bool RateLimiter::TryAcquire(std::string_view user_id, std::uint32_t per_minute, SteadyTime now) {
  if (per_minute == 0) return false;
  const Nanos interval = kMinute / per_minute;      // one token
  const Nanos burst = interval * (per_minute - 1);  // how far ahead TAT may run
  Shard& shard = ShardFor(user_id);
  std::lock_guard lock(shard.mutex);
  auto it = shard.tat.find(user_id);
  if (it == shard.tat.end()) {
    const std::size_t cap = std::max<std::size_t>(1, options_.max_users / options_.shards);
    if (shard.tat.size() >= cap) {
      std::erase_if(shard.tat, [now](const auto& kv) { return kv.second <= now; });
      if (shard.tat.size() >= cap) return false;
    }
    shard.tat.emplace(std::string(user_id), now + interval);
    return true;
  }
  const SteadyTime tat = std::max(it->second, now);
  if (tat - now > burst) return false;
  it->second = tat + interval;
  return true;
}

std::size_t RateLimiter::tracked_users() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < options_.shards; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    total += shards_[i].tat.size();
  }
  return total;
}

}  // namespace iothub::rpc
