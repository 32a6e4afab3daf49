// The authorize hot path allocates nothing: TopicMatches, FilterCoveredBy and
// AclPolicy::Check (rules and built-in policy, allow and deny) are run under a counting
// global operator new. The replacement only counts and forwards to malloc, so it is
// harmless for the other tests in this binary.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "acl/acl_policy.h"
#include "acl/topic.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace iothub::acl {
namespace {

// Matching, coverage and whole Check calls perform zero heap allocations.
TEST(NoAllocationTest, HotPathDoesNotAllocate) {
  absl::StatusOr<std::vector<AclRule>> rules = ParseAclRules(
      std::vector<AclRuleText>{{"deny", "device", "publish", "users/+/devices/+/attributes"},
                               {"allow", "user", "all", "inbox/${clientid}/#"},
                               {"allow", "any", "subscribe", "shared/${user_id}/+/x"}});
  ASSERT_TRUE(rules.ok());
  const AclPolicy policy(*std::move(rules));
  FleetSnapshot fleet;
  DeviceRecord d1;
  d1.id = "d1";
  d1.owner_id = "u1";
  d1.status = DeviceStatus::kBound;
  fleet.AddDevice(d1);
  Principal device;
  device.kind = PrincipalKind::kDevice;
  device.id = device.clientid = "d1";
  Principal user;
  user.kind = PrincipalKind::kUser;
  user.id = "u1";
  user.clientid = "phone";
  Principal admin;
  admin.kind = PrincipalKind::kAdmin;
  admin.id = "root";
  const std::string long_topic = "users/u1/devices/d1/" + std::string(60000, 't');

  const long before = g_allocations.load();
  int allowed = 0;
  for (int i = 0; i < 100; ++i) {
    allowed += TopicMatches("users/+/devices/#", "users/u1/devices/d1/telemetry");
    allowed += FilterCoveredBy("users/u1/#", "users/u1/devices/+/telemetry");
    allowed += policy.Check(device, Action::kPublish, "users/u1/devices/d1/telemetry", fleet).allow;
    allowed +=
        policy.Check(device, Action::kPublish, "users/u1/devices/d1/attributes", fleet).allow;
    allowed +=
        policy.Check(device, Action::kSubscribe, "users/+/devices/d1/rpc/request", fleet).allow;
    allowed += policy.Check(user, Action::kPublish, "users/u1/devices/d1/rpc/request", fleet).allow;
    allowed += policy.Check(user, Action::kSubscribe, "inbox/phone/#", fleet).allow;
    allowed += policy.Check(user, Action::kSubscribe, "shared/u1/a/x", fleet).allow;
    allowed += policy.Check(user, Action::kSubscribe, "$share/g/users/u2/#", fleet).allow;
    allowed += policy.Check(user, Action::kPublish, "users/u1/devices/+/x", fleet).allow;
    allowed += policy.Check(user, Action::kPublish, long_topic, fleet).allow;
    allowed += policy.Check(admin, Action::kSubscribe, "$SYS/#", fleet).allow;
    allowed += policy.Check(admin, Action::kPublish, "", fleet).allow;
  }
  const long after = g_allocations.load();
  EXPECT_EQ(after - before, 0);
  EXPECT_EQ(allowed, 100 * 8);
}

}  // namespace
}  // namespace iothub::acl
