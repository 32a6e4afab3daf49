// A user of the hub and its role (contract section 5). Plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace iothub {

enum class Role { kUser, kAdmin };

std::string_view ToString(Role role);
std::optional<Role> ParseRole(std::string_view text);

struct User {
  std::string id;       // the hub's UUID; {userId} in topics, a device's owner_id
  std::string subject;  // the identity provider's `sub` (contract: `userId`)
  std::string email;
  std::string name;  // 2-100 characters
  std::optional<std::string> avatar;
  Role role = Role::kUser;
  std::int64_t balance_cents = 0;  // two decimals held exactly
  std::string plan = "free";
  std::optional<UnixMillis> plan_expires_at;
  std::string metadata_json = "{}";  // a JSON object
  UnixMillis created_at = 0;
  UnixMillis updated_at = 0;
};

}  // namespace iothub
