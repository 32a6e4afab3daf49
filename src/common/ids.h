// Identifier rules shared by every module (contract section 1 and 2).
// Pure functions; thread-safe.
#pragma once

#include <string_view>

namespace iothub {

inline constexpr std::size_t kMaxIdLength = 64;
inline constexpr std::size_t kMaxTopicLength = 256;

// True for 1-64 characters of [A-Za-z0-9_-]: device ids, user ids in topics, RPC ids.
// Such an id can never hold an MQTT wildcard, a level separator, a quote or a NUL.
constexpr bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace iothub
