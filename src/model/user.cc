#include "model/user.h"

namespace iothub {

std::string_view ToString(Role role) { return role == Role::kAdmin ? "admin" : "user"; }

std::optional<Role> ParseRole(std::string_view text) {
  if (text == "admin") return Role::kAdmin;
  if (text == "user") return Role::kUser;
  return std::nullopt;
}

}  // namespace iothub
