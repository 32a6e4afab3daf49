// Update rules: the fields each update* method accepts besides `id`, with their types and
// ranges (iot-hub contract section 3). Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace iothub::device_sim {

// Checks `params` for `method`: `id` must be a string, every other field known and valid.
// Returns a description of the first problem, or nullopt when valid.
std::optional<std::string> CheckUpdateParams(const std::string& method,
                                             const nlohmann::json& params);

// True for the five update method names.
bool IsUpdateMethod(const std::string& method);

}  // namespace iothub::device_sim
