// A plan and its limits (contract section 5: limits belong to plans, set in config).
#pragma once

#include <cstdint>
#include <string>

namespace iothub {

struct Plan {
  std::string name;                  // "free", "pro", ...
  std::uint32_t max_devices = 0;     // devices a user may have bound at once
  std::uint32_t rpc_per_minute = 0;  // RPC requests a user may send per minute
};

}  // namespace iothub
