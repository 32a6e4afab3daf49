// RenewalLimiter: one request per device per interval; a full table forgets idle
// devices first and refuses new ones when it cannot.
#include "app/renewal_limiter.h"

#include <gtest/gtest.h>

namespace iothub::app {
namespace {

using namespace std::chrono_literals;
using Time = RenewalLimiter::SteadyTime;

TEST(RenewalLimiterTest, OnePerIntervalPerDevice) {
  RenewalLimiter limiter(300s);
  const Time t0{};
  EXPECT_TRUE(limiter.TryAcquire("d1", t0));
  EXPECT_FALSE(limiter.TryAcquire("d1", t0 + 299s));
  EXPECT_TRUE(limiter.TryAcquire("d2", t0 + 1s));
  EXPECT_TRUE(limiter.TryAcquire("d1", t0 + 300s));
  EXPECT_FALSE(limiter.TryAcquire("d1", t0 + 301s));
}

TEST(RenewalLimiterTest, ZeroIntervalAdmitsAll) {
  RenewalLimiter limiter(0s);
  EXPECT_TRUE(limiter.TryAcquire("d1", Time{}));
  EXPECT_TRUE(limiter.TryAcquire("d1", Time{}));
}

TEST(RenewalLimiterTest, FullTableForgetsIdleDevicesOrRefuses) {
  RenewalLimiter limiter(10s, /*max_devices=*/2);
  const Time t0{};
  EXPECT_TRUE(limiter.TryAcquire("d1", t0));
  EXPECT_TRUE(limiter.TryAcquire("d2", t0 + 5s));
  EXPECT_FALSE(limiter.TryAcquire("d3", t0 + 6s));  // full, nobody idle: fail closed
  EXPECT_TRUE(limiter.TryAcquire("d3", t0 + 10s));  // d1 idle for 10 s: forgotten
  EXPECT_TRUE(limiter.TryAcquire("d1", t0 + 16s));  // d2 forgotten in turn
}

}  // namespace
}  // namespace iothub::app
