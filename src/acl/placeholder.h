// Placeholders in ACL rule patterns - ${clientid}, ${username}, ${device_id},
// ${user_id} - and the per-request values that stand in for them. Pure values;
// thread-safe.
//
// A placeholder is always a whole level and is compared, never substituted into text: a
// value therefore stands for exactly one literal level. A value that could widen a rule
// (empty, or holding '+', '#', '/' or NUL) matches nothing at all.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace iothub::acl {

enum class Placeholder { kClientId, kUsername, kDeviceId, kUserId };
inline constexpr std::size_t kPlaceholderCount = 4;

// "${clientid}" and so on.
std::string_view ToString(Placeholder placeholder);

// The placeholder that `level` spells exactly, or nullopt.
std::optional<Placeholder> ParsePlaceholder(std::string_view level);

// True when `value` may stand for a level: non-empty, no '+', '#', '/' or NUL.
constexpr bool IsSafePlaceholderValue(std::string_view value) {
  return !value.empty() && value.find_first_of(std::string_view("+#/\0", 4)) == value.npos;
}

// What each placeholder means for one request. Views into the caller's strings, which
// must outlive this object. Unsafe values are stored as empty, which matches nothing.
class PlaceholderValues {
 public:
  void Set(Placeholder placeholder, std::string_view value) {
    values_[static_cast<std::size_t>(placeholder)] =
        IsSafePlaceholderValue(value) ? value : std::string_view();
  }
  // Empty when unset or unsafe.
  std::string_view Get(Placeholder placeholder) const {
    return values_[static_cast<std::size_t>(placeholder)];
  }

 private:
  std::array<std::string_view, kPlaceholderCount> values_{};
};

}  // namespace iothub::acl
