// Plan look-up (contract section 5: limits belong to plans, set in config). Pure
// functions over the configured list; thread-safe.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "model/plan.h"
#include "model/user.h"

namespace iothub::registry {

// The plan every user starts on, and falls back to when a paid plan expires.
inline constexpr std::string_view kDefaultPlanName = "free";

// The built-in plans used when the config names none: free (5 devices, 60 RPC per
// minute) and pro (100 devices, 600 RPC per minute).
std::vector<Plan> DefaultPlans();

// The plan called `name`, or nullptr.
const Plan* FindPlan(const std::vector<Plan>& plans, std::string_view name);

// The name of the plan in force for `user` at `now`: its plan, or "free" once
// plan_expires_at has passed.
std::string_view EffectivePlanName(const User& user, UnixMillis now);

}  // namespace iothub::registry
