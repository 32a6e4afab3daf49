#include "http/device_access.h"

#include "http/request_params.h"

namespace iothub::http {

Result<Device> LoadDevice(ApiContext& context, std::string_view field, std::string_view id) {
  if (auto bad = CheckPathId(field, id)) return *bad;
  absl::StatusOr<Device> device = context.registry.devices().GetDevice(id);
  if (!device.ok()) return ErrorFromStatus(device.status(), field);
  return *std::move(device);
}

std::optional<ApiError> CheckOwnsDevice(const Caller& caller, const Device& device) {
  if (caller.admin) return std::nullopt;
  if (device.owner_id && caller.Is(*device.owner_id)) return std::nullopt;
  return Forbidden("device " + device.id + " does not belong to you");
}

}  // namespace iothub::http
