// Plans and their rules, in one place for the registry (binding limits) and the hot path
// (RPC rate limits): a plan's limits (contract section 5: limits belong to plans, set in
// config) and which plan is in force for a user at a given time. Plain values and pure
// functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace iothub {

struct Plan {
  std::string name;                  // "free", "pro", ...
  std::uint32_t max_devices = 0;     // devices a user may have bound at once
  std::uint32_t rpc_per_minute = 0;  // RPC requests a user may send per minute
};

// The plan every user starts on, and falls back to when a paid plan expires.
inline constexpr std::string_view kDefaultPlanName = "free";

// The built-in plans used when the config names none: free (5 devices, 60 RPC per
// minute) and pro (100 devices, 600 RPC per minute).
std::vector<Plan> DefaultPlans();

// The plan called `name`, or nullptr.
const Plan* FindPlan(const std::vector<Plan>& plans, std::string_view name);

// The name of the plan in force at `now` for a user on `plan` until `expires_at`:
// `plan`, or kDefaultPlanName once expires_at has passed (expires_at <= now).
std::string_view EffectivePlanName(std::string_view plan, std::optional<UnixMillis> expires_at,
                                   UnixMillis now);

}  // namespace iothub
