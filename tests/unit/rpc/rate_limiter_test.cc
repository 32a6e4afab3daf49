#include "rpc/rate_limiter.h"

#include <gtest/gtest.h>

#include <string>

namespace iothub::rpc {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
const RateLimiter::SteadyTime kT0 = RateLimiter::SteadyTime(seconds(1000));

// A user may burst the plan's limit, then gets one request per 60 s / limit.
TEST(RateLimiterTest, BurstThenRefill) {
  RateLimiter limiter;
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(limiter.TryAcquire("u1", 6, kT0)) << i;
  EXPECT_FALSE(limiter.TryAcquire("u1", 6, kT0));
  EXPECT_FALSE(limiter.TryAcquire("u1", 6, kT0 + milliseconds(9999)));
  EXPECT_TRUE(limiter.TryAcquire("u1", 6, kT0 + seconds(10)));
  EXPECT_FALSE(limiter.TryAcquire("u1", 6, kT0 + seconds(10)));
  // Users are independent.
  EXPECT_TRUE(limiter.TryAcquire("u2", 6, kT0));
}

// After a quiet minute the full burst is back.
TEST(RateLimiterTest, FullAfterIdleMinute) {
  RateLimiter limiter;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.TryAcquire("u1", 3, kT0));
  EXPECT_FALSE(limiter.TryAcquire("u1", 3, kT0));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.TryAcquire("u1", 3, kT0 + seconds(60)));
  EXPECT_FALSE(limiter.TryAcquire("u1", 3, kT0 + seconds(60)));
}

// A limit of 0 refuses everything.
TEST(RateLimiterTest, ZeroLimitRefuses) {
  RateLimiter limiter;
  EXPECT_FALSE(limiter.TryAcquire("u1", 0, kT0));
}

// Memory is bounded: idle users are purged, and when all are active new users are refused.
TEST(RateLimiterTest, BoundedUsers) {
  RateLimiter limiter({.max_users = 4, .shards = 1});
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(limiter.TryAcquire("u" + std::to_string(i), 1, kT0));
  EXPECT_FALSE(limiter.TryAcquire("new", 1, kT0));  // all four still inside their minute
  EXPECT_TRUE(limiter.TryAcquire("new", 1, kT0 + seconds(61)));  // idle ones purged
  EXPECT_EQ(limiter.tracked_users(), 1u);
}

}  // namespace
}  // namespace iothub::rpc
