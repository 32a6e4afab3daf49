// Device and its lifecycle states (contract section 4). Plain values; no behaviour
// beyond the state names.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace iothub {

// unbound -> bound -> unbound ... ; any -> revoked (terminal).
enum class DeviceStatus { kUnbound, kBound, kRevoked };

std::string_view ToString(DeviceStatus status);
std::optional<DeviceStatus> ParseDeviceStatus(std::string_view text);

struct Device {
  std::string id;
  std::string model;
  std::string public_key;               // PEM; empty until known
  std::optional<std::string> owner_id;  // the owning user's `id` while bound
  DeviceStatus status = DeviceStatus::kUnbound;
  std::optional<std::string> firmware_version;
  std::optional<UnixMillis> last_seen_at;
  UnixMillis created_at = 0;
};

}  // namespace iothub
