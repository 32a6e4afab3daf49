#include "rpc/pending_record.h"

#include <gtest/gtest.h>

namespace iothub::rpc {
namespace {

using std::chrono::milliseconds;

// A request written by one process is read by the next, whose steady clock has another
// epoch: the time left until the deadline carries over, less the time the hub was away.
TEST(PendingRecordTest, DeadlineCarriesOverToTheNextProcess) {
  const SteadyTime old_now = SteadyTime(milliseconds(50'000));
  const PendingRequest request{"dev-1",
                               "req/with-slash?",
                               "user-1",
                               "alice-app",
                               Method::kReboot,
                               old_now - milliseconds(100),
                               old_now + milliseconds(3000)};
  const std::string value = EncodePendingRequest(request, old_now, 1'700'000'000'000);

  // 1 s later on the wall clock, in a process whose steady clock started elsewhere.
  const SteadyTime new_now = SteadyTime(milliseconds(7'000));
  auto back = DecodePendingRequest(PendingKey("dev-1", "req/with-slash?"), value, new_now,
                                   1'700'000'001'000);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->device_id, "dev-1");
  EXPECT_EQ(back->request_id, "req/with-slash?");
  EXPECT_EQ(back->user_id, "user-1");
  EXPECT_EQ(back->requester_clientid, "alice-app");
  EXPECT_EQ(back->method, Method::kReboot);
  EXPECT_EQ(back->deadline, new_now + milliseconds(2000));
  EXPECT_EQ(back->sent_at, new_now - milliseconds(1100));
}

// What this build did not write is refused with a reason, never half-read.
TEST(PendingRecordTest, RefusesMalformedRecords) {
  const SteadyTime now = SteadyTime(milliseconds(1));
  const std::string good = EncodePendingRequest(
      {"d", "r", "u", "c", Method::kGetDeviceState, now, now + milliseconds(5)}, now, 10);
  EXPECT_TRUE(DecodePendingRequest("d/r", good, now, 10).ok());
  for (std::string_view key : {"", "d", "/r", "d/"}) {
    EXPECT_FALSE(DecodePendingRequest(key, good, now, 10).ok()) << key;
  }
  for (std::string_view value :
       {"", "not json", "[]", "{}",
        R"({"user":"u","requester":"c","method":"fly","sent_at":1,"deadline":2})",
        R"({"user":"u","requester":"c","method":"reboot","sent_at":"1","deadline":2})",
        R"({"user":1,"requester":"c","method":"reboot","sent_at":1,"deadline":2})"}) {
    EXPECT_FALSE(DecodePendingRequest("d/r", value, now, 10).ok()) << value;
  }
}

}  // namespace
}  // namespace iothub::rpc
