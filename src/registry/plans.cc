#include "registry/plans.h"

namespace iothub::registry {

std::vector<Plan> DefaultPlans() {
  return {Plan{.name = "free", .max_devices = 5, .rpc_per_minute = 60},
          Plan{.name = "pro", .max_devices = 100, .rpc_per_minute = 600}};
}

const Plan* FindPlan(const std::vector<Plan>& plans, std::string_view name) {
  for (const Plan& plan : plans) {
    if (plan.name == name) return &plan;
  }
  return nullptr;
}

std::string_view EffectivePlanName(const User& user, UnixMillis now) {
  if (user.plan_expires_at && *user.plan_expires_at <= now) return kDefaultPlanName;
  return user.plan;
}

}  // namespace iothub::registry
