#include "model/device.h"

namespace iothub {

std::string_view ToString(DeviceStatus status) {
  switch (status) {
    case DeviceStatus::kUnbound:
      return "unbound";
    case DeviceStatus::kBound:
      return "bound";
    case DeviceStatus::kRevoked:
      return "revoked";
  }
  return "unknown";
}

std::optional<DeviceStatus> ParseDeviceStatus(std::string_view text) {
  if (text == "unbound") return DeviceStatus::kUnbound;
  if (text == "bound") return DeviceStatus::kBound;
  if (text == "revoked") return DeviceStatus::kRevoked;
  return std::nullopt;
}

}  // namespace iothub
