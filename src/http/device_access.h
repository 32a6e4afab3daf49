// Device ownership checks shared by the device, certificate and command routes: an
// admin may use any device; a user only a device bound to themself (others are 403,
// so a user learns nothing about devices that are not theirs beyond their existence).
// Thread-safe; LoadDevice blocks on a store read.
#pragma once

#include <optional>
#include <string_view>

#include "http/api_context.h"
#include "http/api_error.h"
#include "http/caller.h"
#include "model/device.h"

namespace iothub::http {

// The device `id` (validated first; 400 naming `field`), or 404.
Result<Device> LoadDevice(ApiContext& context, std::string_view field, std::string_view id);

// nullopt when `caller` may see and use `device`; 403 otherwise.
std::optional<ApiError> CheckOwnsDevice(const Caller& caller, const Device& device);

}  // namespace iothub::http
