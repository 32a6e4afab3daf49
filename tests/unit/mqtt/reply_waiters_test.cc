// ReplyWaiters: register before publish, take-or-cancel exactly once, routing checks.
#include "mqtt/reply_waiters.h"

#include <gtest/gtest.h>

#include <chrono>

#include "mqtt/request_id.h"

namespace iothub::mqtt {
namespace {

using namespace std::chrono_literals;

// A reply for a registered id on its own device's topic reaches the future once.
TEST(ReplyWaitersTest, TakeDeliversOnce) {
  ReplyWaiters waiters;
  auto future = waiters.Register("r1", "u1", "d1");
  ASSERT_TRUE(future.ok());
  EXPECT_EQ(waiters.size(), 1u);
  auto promise = waiters.Take("r1", "u1", "d1");
  ASSERT_TRUE(promise.has_value());
  Reply reply;
  reply.result = {{"ok", true}};
  promise->set_value(reply);
  ASSERT_EQ(future->wait_for(0s), std::future_status::ready);
  EXPECT_EQ(future->get().result["ok"], true);
  EXPECT_FALSE(waiters.Take("r1", "u1", "d1").has_value());  // a repeated reply
  EXPECT_FALSE(waiters.Cancel("r1"));
  EXPECT_EQ(waiters.size(), 0u);
}

// A reply with the right id but on another device's or user's topic is not taken.
TEST(ReplyWaitersTest, TakeChecksTheTopicsUserAndDevice) {
  ReplyWaiters waiters;
  ASSERT_TRUE(waiters.Register("r1", "u1", "d1").ok());
  EXPECT_FALSE(waiters.Take("r1", "u1", "d2").has_value());
  EXPECT_FALSE(waiters.Take("r1", "u2", "d1").has_value());
  EXPECT_FALSE(waiters.Take("r2", "u1", "d1").has_value());
  EXPECT_EQ(waiters.size(), 1u);
}

// Cancel removes the waiter so a late reply finds nothing; ids are unique.
TEST(ReplyWaitersTest, CancelAndDuplicates) {
  ReplyWaiters waiters;
  ASSERT_TRUE(waiters.Register("r1", "u1", "d1").ok());
  EXPECT_TRUE(absl::IsAlreadyExists(waiters.Register("r1", "u1", "d1").status()));
  EXPECT_TRUE(waiters.Cancel("r1"));
  EXPECT_FALSE(waiters.Take("r1", "u1", "d1").has_value());
  EXPECT_FALSE(waiters.Cancel("r1"));
}

// Request ids are RFC 4122 version 4 UUIDs and differ.
TEST(RequestIdTest, UuidV4) {
  const std::string a = NewRequestId();
  const std::string b = NewRequestId();
  EXPECT_NE(a, b);
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[8], '-');
  EXPECT_EQ(a[13], '-');
  EXPECT_EQ(a[14], '4');
  EXPECT_EQ(a[18], '-');
  EXPECT_NE(std::string("89ab").find(a[19]), std::string::npos);
  EXPECT_EQ(a[23], '-');
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef-"), std::string::npos);
  EXPECT_EQ(RandomHex(12).size(), 12u);
  EXPECT_EQ(RandomHex(5).size(), 5u);
}

}  // namespace
}  // namespace iothub::mqtt
