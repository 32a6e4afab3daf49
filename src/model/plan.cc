#include "model/plan.h"

namespace iothub {

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

std::string_view EffectivePlanName(std::string_view plan, std::optional<UnixMillis> expires_at,
                                   UnixMillis now) {
  if (expires_at && *expires_at <= now) return kDefaultPlanName;
  return plan;
}

}  // namespace iothub
