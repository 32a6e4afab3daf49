// RPC handler: turns one request payload from users/{u}/devices/{d}/rpc/request into the
// response object (iot-hub contract section 2), using the DeviceState. Pure apart from
// the state it is given; not thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "device_state.h"

namespace iothub::device_sim {

// The response, or nullopt when the request has no usable `id` (nothing to answer to).
// Errors: -32601 unknown method, -32602 bad params / deviceId mismatch, -32002 unknown
// object id.
std::optional<nlohmann::json> HandleRpc(std::string_view payload, const std::string& device_id,
                                        DeviceState& state);

// True for an RPC id: 1-64 characters of [A-Za-z0-9_-].
bool IsValidRpcId(const std::string& id);

}  // namespace iothub::device_sim
