#include "device_state.h"

#include <cmath>
#include <map>

#include "update_rules.h"

namespace iothub::device_sim {
namespace {

using nlohmann::json;

std::int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The list and the object type each update method addresses.
struct Target {
  json DeviceState::*list;
  const char* kind;  // the object's "kind" (discrete | analog); nullptr for irrigators
  const char* noun;
};

}  // namespace

DeviceState::DeviceState(std::string device_id)
    : device_id_(std::move(device_id)), booted_(std::chrono::steady_clock::now()) {
  timers_ = json::array({
      {{"id", "timer-1"},
       {"kind", "discrete"},
       {"name", "Pump timer"},
       {"enabled", true},
       {"mode", "auto"},
       {"startTime", 360},
       {"endTime", 1080},
       {"output", "relay-1"}},
      {{"id", "timer-2"},
       {"kind", "discrete"},
       {"name", "Fan timer"},
       {"enabled", false},
       {"mode", "off"},
       {"startTime", 0},
       {"endTime", 60},
       {"output", "relay-2"}},
      {{"id", "timer-3"},
       {"kind", "analog"},
       {"name", "Grow light"},
       {"enabled", true},
       {"mode", "auto"},
       {"sunriseTime", 420},
       {"sunsetTime", 1260},
       {"maxLightLevel", 0.8},
       {"fadeTime", 30},
       {"output", "dimmer-1"}},
  });
  regulators_ = json::array({
      {{"id", "regulator-1"},
       {"kind", "discrete"},
       {"name", "Heater"},
       {"mode", "auto"},
       {"parameter", "temperature"},
       {"setpoint", 24.0},
       {"hysteresis", 0.5},
       {"alarm", {{"upperLimit", 30.0}, {"lowerLimit", 15.0}}},
       {"output", "relay-3"}},
      {{"id", "regulator-2"},
       {"kind", "analog"},
       {"name", "Humidifier"},
       {"mode", "auto"},
       {"type", "analog"},
       {"parameter", "humidity"},
       {"setpoint", 60.0},
       {"Kp", 1.0},
       {"Ki", 0.1},
       {"Kd", 0.0},
       {"alarm", {{"upperLimit", 90.0}, {"lowerLimit", 30.0}}},
       {"output", "pwm-1"}},
  });
  irrigators_ = json::array({
      {{"id", "irrigator-1"},
       {"name", "Bed A"},
       {"enabled", true},
       {"mode", "preset"},
       {"preset", json::array({{{"startTime", 480}, {"endTime", 490}}})},
       {"startTime", 480},
       {"endTime", 1200},
       {"numbIrrigations", 4},
       {"irrigationwindow", 10},
       {"autoManualOff", false},
       {"autoManualOffInterval", 0},
       {"output", "valve-1"}},
      {{"id", "irrigator-2"},
       {"name", "Bed B"},
       {"enabled", false},
       {"mode", "off"},
       {"preset", json::array()},
       {"startTime", 0},
       {"endTime", 0},
       {"numbIrrigations", 0},
       {"irrigationwindow", 0},
       {"autoManualOff", false},
       {"autoManualOffInterval", 0},
       {"output", "valve-2"}},
  });
}

json DeviceState::ReadSensors() {
  // A small deterministic wobble so successive reads differ.
  ++reads_;
  const double wobble = static_cast<double>(reads_ % 7) - 3.0;
  auto round2 = [](double value) { return std::round(value * 100.0) / 100.0; };
  return {{"temperature", round2(temperature_ + wobble * 0.1)},
          {"humidity", round2(humidity_ + wobble * 0.2)},
          {"pressure", round2(pressure_ + wobble * 0.05)},
          {"timestamp", NowMillis()}};
}

json DeviceState::Snapshot() {
  const auto uptime =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - booted_)
          .count();
  return {{"deviceId", device_id_},   {"status", "online"}, {"uptime", uptime},
          {"sensors", ReadSensors()}, {"timers", timers_},  {"regulators", regulators_},
          {"irrigators", irrigators_}};
}

json DeviceState::Reboot() {
  booted_ = std::chrono::steady_clock::now();
  return {{"success", true}, {"message", "Device reboot initiated"}, {"estimatedTime", 5000}};
}

RpcOutcome DeviceState::Update(const std::string& method, const json& params) {
  if (auto problem = CheckUpdateParams(method, params)) {
    return {json(), RpcError{-32602, "Invalid parameters"}};
  }
  static const std::map<std::string, Target> targets = {
      {"updateDiscreteTimer", {&DeviceState::timers_, "discrete", "Timer"}},
      {"updateAnalogTimer", {&DeviceState::timers_, "analog", "Timer"}},
      {"updateDiscreteRegulator", {&DeviceState::regulators_, "discrete", "Regulator"}},
      {"updateAnalogRegulator", {&DeviceState::regulators_, "analog", "Regulator"}},
      {"updateIrrigator", {&DeviceState::irrigators_, nullptr, "Irrigator"}},
  };
  const Target& target = targets.at(method);
  const std::string id = params["id"].get<std::string>();
  for (json& object : this->*target.list) {
    if (object["id"] != id) continue;
    if (target.kind != nullptr && object["kind"] != target.kind) {
      return {json(),
              RpcError{-32002, std::string(target.noun) + " " + id + " is not " + target.kind}};
    }
    for (const auto& [key, value] : params.items()) object[key] = value;
    return {object, std::nullopt};
  }
  return {json(), RpcError{-32002, std::string(target.noun) + " not found: " + id}};
}

}  // namespace iothub::device_sim
