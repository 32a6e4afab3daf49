// DeviceState: the simulated controller behind device-sim: sensors, timers (discrete and
// analog), regulators (discrete and analog) and irrigators, with the partial updates of
// the five update* RPC methods (iot-hub contract section 3). Not thread-safe: owned by
// the simulator's single loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace iothub::device_sim {

// An RPC error: code and message as in the contract's error table.
struct RpcError {
  int code;
  std::string message;
};

// Either a result object or an error.
struct RpcOutcome {
  nlohmann::json result;
  std::optional<RpcError> error;
};

class DeviceState {
 public:
  explicit DeviceState(std::string device_id);

  // {temperature, humidity, pressure, timestamp}; values drift a little on every read.
  nlohmann::json ReadSensors();
  // status, uptime, sensors and the lists of timers, regulators and irrigators.
  nlohmann::json Snapshot();
  // {success, message, estimatedTime}; restarts the uptime clock.
  nlohmann::json Reboot();

  // Applies `params` (id + optional fields) to the object of that kind: the updated
  // object, -32602 for a bad or unknown field, -32002 for an unknown id.
  // `method` is one of the five update method names.
  RpcOutcome Update(const std::string& method, const nlohmann::json& params);

 private:
  std::string device_id_;
  std::chrono::steady_clock::time_point booted_;
  double temperature_ = 22.5, humidity_ = 55.0, pressure_ = 1013.2;
  std::uint64_t reads_ = 0;
  nlohmann::json timers_;      // array; each has "kind": "discrete" | "analog"
  nlohmann::json regulators_;  // array; each has "kind" as well
  nlohmann::json irrigators_;  // array
};

}  // namespace iothub::device_sim
