// The RPC pipeline under allocation failure, the one exception its hot path can meet:
// this test binary's operator new fails once on demand (per thread), and every failure
// must drop the message, never pass it. One failure, not all from then on: nlohmann::json
// allocates in its destructor, and a throw there would end the process whatever we do.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <new>
#include <string>

#include "common/clock.h"
#include "rpc/rpc_pipeline.h"

namespace {

// Allocations left before operator new throws once on this thread; negative: never.
thread_local long allocations_left = -1;

}  // namespace

// Paired with the free() below.
void* operator new(std::size_t size) {
  if (allocations_left == 0) {
    allocations_left = -1;
    throw std::bad_alloc();
  }
  if (allocations_left > 0) --allocations_left;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace iothub::rpc {
namespace {

using Kind = PublishDecision::Kind;

// How one request ended in a child process that failed one allocation.
enum ChildResult { kAccepted = 10, kDroppedInternal = 11, kRefused = 12, kOther = 13 };

// Whatever single allocation fails while a request is decided, the request is dropped as
// internal_error (counted), or refused with an error reply (the JSON parser reports a
// failure inside it as invalid JSON), or, when nothing failed, accepted; it never passes
// otherwise.
// Each attempt runs in a child process: a failure inside nlohmann::json's destructor
// ends the process (std::terminate), which no catch can prevent and which passes nothing.
TEST(RpcPipelineFailureTest, AllocationFailureDropsTheRequest) {
  ManualClock clock;
  Presence presence;
  presence.OnConnected("d1", 0);
  FleetSnapshot fleet;
  fleet.AddUser(UserRecord{.id = "u1",
                           .subject = "s1",
                           .role = Role::kUser,
                           .plan = "free",
                           .plan_expires_at = std::nullopt});
  fleet.AddDevice(DeviceRecord{.id = "d1", .owner_id = "u1", .status = DeviceStatus::kBound});
  Principal owner;
  owner.kind = PrincipalKind::kUser;
  owner.id = "u1";
  owner.clientid = "app-1";
  RpcConfig config;
  config.plans = {{.name = "free", .max_devices = 5, .rpc_per_minute = 1000}};
  const std::string payload =
      R"({"id":"request-0123456789","method":"updateIrrigator","params":{"id":"i1","mode":"auto"}})";

  int accepted = 0, dropped = 0, terminated = 0;
  for (long n = 0; n < 80; ++n) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      Metrics metrics;
      RpcPipeline pipeline(config, presence, metrics);
      const PublishInput input{.message_id = "m1",
                               .topic = "users/u1/devices/d1/rpc/request",
                               .payload = payload,
                               .qos = 1,
                               .from = owner.clientid,
                               .publisher = &owner,
                               .fleet = fleet,
                               .now = clock.SteadyNow(),
                               .now_ms = clock.NowUnixMillis()};
      allocations_left = n;
      const PublishDecision d = pipeline.OnPublish(input);
      allocations_left = -1;
      const bool counted =
          metrics.Render().find(R"(iothub_rpc_drops_total{reason="internal_error"} 1)") !=
          std::string::npos;
      if (d.kind == Kind::kPass && d.reason == PublishReason::kRequestAccepted) _exit(kAccepted);
      if (d.kind == Kind::kDrop && d.reason == PublishReason::kInternalError && counted) {
        _exit(kDroppedInternal);
      }
      if (d.kind == Kind::kRewrite) _exit(kRefused);
      _exit(kOther);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    if (WIFSIGNALED(status)) {
      EXPECT_EQ(WTERMSIG(status), SIGABRT) << n;
      ++terminated;
      continue;
    }
    ASSERT_TRUE(WIFEXITED(status)) << n;
    const int result = WEXITSTATUS(status);
    EXPECT_NE(result, kOther) << "allocation " << n << " let the request through";
    accepted += result == kAccepted;
    dropped += result == kDroppedInternal;
  }
  EXPECT_GT(dropped, 5);   // failures at many points of the decision were dropped
  EXPECT_GT(accepted, 0);  // and the last attempts met no failure at all
  EXPECT_LT(terminated, dropped);
}

}  // namespace
}  // namespace iothub::rpc
