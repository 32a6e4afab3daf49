// Plan rules shared by the registry and the RPC hot path.
#include "model/plan.h"

#include <gtest/gtest.h>

namespace iothub {
namespace {

// A plan is in force until its expiry (exclusive), then the default plan is; no expiry
// means forever.
TEST(PlanTest, EffectivePlanNameHonoursExpiry) {
  EXPECT_EQ(EffectivePlanName("pro", std::nullopt, 5'000), "pro");
  EXPECT_EQ(EffectivePlanName("pro", 5'001, 5'000), "pro");
  EXPECT_EQ(EffectivePlanName("pro", 5'000, 5'000), kDefaultPlanName);
  EXPECT_EQ(EffectivePlanName("pro", 0, 5'000), "free");
  EXPECT_EQ(EffectivePlanName("free", 0, 5'000), "free");
}

// Plans are found by exact name only.
TEST(PlanTest, FindPlanByExactName) {
  const std::vector<Plan> plans = DefaultPlans();
  ASSERT_NE(FindPlan(plans, "pro"), nullptr);
  EXPECT_EQ(FindPlan(plans, "pro")->rpc_per_minute, 600u);
  EXPECT_EQ(FindPlan(plans, "free")->max_devices, 5u);
  EXPECT_EQ(FindPlan(plans, "Pro"), nullptr);
  EXPECT_EQ(FindPlan(plans, ""), nullptr);
  EXPECT_EQ(FindPlan({}, "free"), nullptr);
}

}  // namespace
}  // namespace iothub
