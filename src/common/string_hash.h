// StringHash: a transparent hash for unordered containers keyed by std::string, so that
// lookups by std::string_view need no temporary string. Header-only; stateless.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace iothub {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace iothub
