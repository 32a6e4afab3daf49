// Paging of list operations (contract section 6: page >= 1, limit 1-100, defaults 1 and
// 10). Plain values and pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"

namespace iothub::registry {

inline constexpr std::int64_t kDefaultPage = 1;
inline constexpr std::int64_t kDefaultLimit = 10;
inline constexpr std::int64_t kMaxLimit = 100;
// Keeps (page - 1) * limit far from overflow.
inline constexpr std::int64_t kMaxPage = 1'000'000'000;

struct PageRequest {
  std::int64_t page = kDefaultPage;
  std::int64_t limit = kDefaultLimit;
};

// One page of a listing, with the total number of items across all pages.
template <typename T>
struct Page {
  std::vector<T> items{};
  std::int64_t total = 0;
  std::int64_t page = kDefaultPage;
  std::int64_t limit = kDefaultLimit;
};

// The row offset of `request`; InvalidArgument when page < 1 (or absurdly large) or
// limit is outside 1-100.
absl::StatusOr<std::int64_t> PageOffset(const PageRequest& request);

}  // namespace iothub::registry
