// RateLimiter: requests per minute per user, the limit coming from the user's plan.
//
// Algorithm: GCRA, i.e. a token bucket of `limit` tokens refilled continuously at
// limit/60 s. A user may burst `limit` requests, then sustain limit per minute; any
// 60 s window admits at most 2 x limit - 1. State is one time per user (its theoretical
// arrival time); an entry whose time has passed equals a full bucket and may be dropped,
// which bounds memory: each shard holds at most max_users / shards entries, purging
// idle ones when full; if still full, new users are refused (fail closed).
//
// Thread-safe: sharded by user id, a mutex per shard held for one hash lookup.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace iothub::rpc {

struct RateLimiterOptions {
  std::size_t max_users = 100'000;
  std::size_t shards = 16;
};

class RateLimiter {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;

  explicit RateLimiter(RateLimiterOptions options = {});
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;
  ~RateLimiter();

  // Takes one request from the user's budget of `per_minute`; false when it is spent
  // (nothing is taken then). A limit of 0 refuses every request.
  bool TryAcquire(std::string_view user_id, std::uint32_t per_minute, SteadyTime now);

  std::size_t tracked_users() const;

 private:
  struct Shard;
  Shard& ShardFor(std::string_view user_id) const;

  const RateLimiterOptions options_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace iothub::rpc
