#include "rpc/dedupe_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace iothub::rpc {
namespace {

PublishDecision Rewrite(std::string payload) {
  return {PublishDecision::Kind::kRewrite, PublishReason::kDeviceOffline, "t", std::move(payload)};
}

// A remembered decision comes back whole; unknown and empty ids miss.
TEST(DedupeCacheTest, RemembersDecisions) {
  DedupeCache cache(8, 2);
  cache.Put("m1", Rewrite("p1"));
  auto hit = cache.Get("m1");
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->kind, PublishDecision::Kind::kRewrite);
  EXPECT_EQ(hit->reason, PublishReason::kDeviceOffline);
  EXPECT_EQ(hit->new_payload, "p1");
  EXPECT_FALSE(cache.Get("m2").has_value());
  cache.Put("", Rewrite("x"));
  EXPECT_FALSE(cache.Get("").has_value());
}

// The oldest ids are forgotten once a shard's ring is full.
TEST(DedupeCacheTest, EvictsOldest) {
  DedupeCache cache(3, 1);
  for (int i = 0; i < 4; ++i) cache.Put("m" + std::to_string(i), Rewrite(std::to_string(i)));
  EXPECT_FALSE(cache.Get("m0").has_value());
  for (int i = 1; i < 4; ++i) EXPECT_TRUE(cache.Get("m" + std::to_string(i)).has_value()) << i;
}

// Capacity 0 disables the cache.
TEST(DedupeCacheTest, Disabled) {
  DedupeCache cache(0);
  cache.Put("m1", Rewrite("p"));
  EXPECT_FALSE(cache.Get("m1").has_value());
}

}  // namespace
}  // namespace iothub::rpc
