#include "registry/paging.h"

#include <string>

namespace iothub::registry {

absl::StatusOr<std::int64_t> PageOffset(const PageRequest& request) {
  if (request.page < 1 || request.page > kMaxPage) {
    return absl::InvalidArgumentError("page must be between 1 and " + std::to_string(kMaxPage) +
                                      " (got " + std::to_string(request.page) + ")");
  }
  if (request.limit < 1 || request.limit > kMaxLimit) {
    return absl::InvalidArgumentError("limit must be between 1 and " + std::to_string(kMaxLimit) +
                                      " (got " + std::to_string(request.limit) + ")");
  }
  return (request.page - 1) * request.limit;
}

}  // namespace iothub::registry
