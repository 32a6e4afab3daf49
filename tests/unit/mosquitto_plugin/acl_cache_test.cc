#include "mosquitto_plugin/acl_cache.h"

#include <gtest/gtest.h>

namespace iothub::mosquitto_plugin {
namespace {

using std::chrono::milliseconds;

// An answer is reused for the same client, action and topic until it is ttl old.
TEST(AclCacheTest, ReusesAnswersUntilTheyExpire) {
  AclCache cache(milliseconds(1000));
  const auto t0 = AclCache::Clock::now();
  int client = 0;
  EXPECT_FALSE(cache.Find(&client, false, "a/b", t0));
  cache.Put(&client, false, "a/b", true, t0);
  cache.Put(&client, true, "a/b", false, t0);
  EXPECT_EQ(cache.Find(&client, false, "a/b", t0 + milliseconds(999)), true);
  EXPECT_EQ(cache.Find(&client, true, "a/b", t0), false);  // the action is part of the key
  EXPECT_FALSE(cache.Find(&client, false, "a/c", t0));
  EXPECT_FALSE(cache.Find(&client, false, "a/b", t0 + milliseconds(1000)));
  int other = 0;
  EXPECT_FALSE(cache.Find(&other, false, "a/b", t0));
}

// A disconnect forgets the client; a zero ttl caches nothing; a full client starts over.
TEST(AclCacheTest, ForgetZeroTtlAndBound) {
  const auto t0 = AclCache::Clock::now();
  int client = 0;
  AclCache cache(milliseconds(1000));
  cache.Put(&client, false, "a", true, t0);
  cache.Forget(&client);
  EXPECT_FALSE(cache.Find(&client, false, "a", t0));

  AclCache off(milliseconds(0));
  off.Put(&client, false, "a", true, t0);
  EXPECT_FALSE(off.Find(&client, false, "a", t0));

  for (std::size_t i = 0; i <= AclCache::kPerClient; ++i) {
    cache.Put(&client, false, "t" + std::to_string(i), true, t0);
  }
  EXPECT_FALSE(cache.Find(&client, false, "t0", t0));  // dropped with the full set
  EXPECT_EQ(cache.Find(&client, false, "t" + std::to_string(AclCache::kPerClient), t0), true);
}

}  // namespace
}  // namespace iothub::mosquitto_plugin
