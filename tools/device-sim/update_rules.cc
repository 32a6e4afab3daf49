#include "update_rules.h"

#include <map>
#include <set>

namespace iothub::device_sim {
namespace {

using nlohmann::json;

enum class Kind {
  kString,
  kBool,
  kMode3,      // on | off | auto
  kMode4,      // on | off | auto | preset
  kMinutes,    // integer 0-1439
  kNumber,     // any number
  kRange,      // number in [min, max]
  kNonNegInt,  // integer >= 0
  kRegType,    // digital | analog
  kAlarm,      // {upperLimit: number, lowerLimit: number}
  kPreset,     // array of {startTime, endTime}
};

struct Rule {
  Kind kind;
  double min = 0;
  double max = 0;
};

using Rules = std::map<std::string, Rule>;

const std::map<std::string, Rules>& AllRules() {
  static const auto* rules = new std::map<std::string, Rules>{
      {"updateDiscreteTimer",
       {{"name", {Kind::kString}},
        {"enabled", {Kind::kBool}},
        {"mode", {Kind::kMode3}},
        {"startTime", {Kind::kMinutes}},
        {"endTime", {Kind::kMinutes}},
        {"output", {Kind::kString}}}},
      {"updateAnalogTimer",
       {{"name", {Kind::kString}},
        {"enabled", {Kind::kBool}},
        {"mode", {Kind::kMode3}},
        {"sunriseTime", {Kind::kMinutes}},
        {"sunsetTime", {Kind::kMinutes}},
        {"maxLightLevel", {Kind::kRange, 0, 1}},
        {"fadeTime", {Kind::kRange, 0, 1e308}},
        {"output", {Kind::kString}}}},
      {"updateDiscreteRegulator",
       {{"name", {Kind::kString}},
        {"mode", {Kind::kString}},
        {"parameter", {Kind::kString}},
        {"setpoint", {Kind::kNumber}},
        {"hysteresis", {Kind::kRange, 0, 10}},
        {"alarm", {Kind::kAlarm}},
        {"output", {Kind::kString}}}},
      {"updateAnalogRegulator",
       {{"name", {Kind::kString}},
        {"mode", {Kind::kString}},
        {"type", {Kind::kRegType}},
        {"parameter", {Kind::kString}},
        {"setpoint", {Kind::kNumber}},
        {"Kp", {Kind::kRange, 0, 100}},
        {"Ki", {Kind::kRange, 0, 100}},
        {"Kd", {Kind::kRange, 0, 100}},
        {"alarm", {Kind::kAlarm}},
        {"output", {Kind::kString}}}},
      {"updateIrrigator",
       {{"name", {Kind::kString}},
        {"enabled", {Kind::kBool}},
        {"mode", {Kind::kMode4}},
        {"preset", {Kind::kPreset}},
        {"startTime", {Kind::kMinutes}},
        {"endTime", {Kind::kMinutes}},
        {"numbIrrigations", {Kind::kNonNegInt}},
        {"irrigationwindow", {Kind::kNonNegInt}},
        {"autoManualOff", {Kind::kBool}},
        {"autoManualOffInterval", {Kind::kNonNegInt}},
        {"output", {Kind::kString}}}},
  };
  return *rules;
}

bool IsMinutes(const json& v) {
  return v.is_number_integer() && v.get<long long>() >= 0 && v.get<long long>() <= 1439;
}

bool Valid(const Rule& rule, const json& v) {
  switch (rule.kind) {
    case Kind::kString:
      return v.is_string();
    case Kind::kBool:
      return v.is_boolean();
    case Kind::kMode3:
      return v.is_string() &&
             std::set<std::string>{"on", "off", "auto"}.count(v.get<std::string>());
    case Kind::kMode4:
      return v.is_string() &&
             std::set<std::string>{"on", "off", "auto", "preset"}.count(v.get<std::string>());
    case Kind::kMinutes:
      return IsMinutes(v);
    case Kind::kNumber:
      return v.is_number();
    case Kind::kRange:
      return v.is_number() && v.get<double>() >= rule.min && v.get<double>() <= rule.max;
    case Kind::kNonNegInt:
      return v.is_number_integer() && v.get<long long>() >= 0;
    case Kind::kRegType:
      return v.is_string() && (v == "digital" || v == "analog");
    case Kind::kAlarm:
      return v.is_object() && v.size() == 2 && v.contains("upperLimit") &&
             v.contains("lowerLimit") && v["upperLimit"].is_number() && v["lowerLimit"].is_number();
    case Kind::kPreset:
      if (!v.is_array()) return false;
      for (const json& window : v) {
        if (!window.is_object() || window.size() != 2 || !window.contains("startTime") ||
            !window.contains("endTime") || !IsMinutes(window["startTime"]) ||
            !IsMinutes(window["endTime"])) {
          return false;
        }
      }
      return true;
  }
  return false;
}

}  // namespace

bool IsUpdateMethod(const std::string& method) { return AllRules().count(method) > 0; }

std::optional<std::string> CheckUpdateParams(const std::string& method, const json& params) {
  auto rules = AllRules().find(method);
  if (rules == AllRules().end()) return "unknown method";
  if (!params.is_object()) return "params must be an object";
  if (!params.contains("id") || !params["id"].is_string() ||
      params["id"].get<std::string>().empty()) {
    return "id must be a non-empty string";
  }
  for (const auto& [key, value] : params.items()) {
    if (key == "id") continue;
    auto rule = rules->second.find(key);
    if (rule == rules->second.end()) return "unknown field " + key;
    if (!Valid(rule->second, value)) return "invalid value for " + key;
  }
  return std::nullopt;
}

}  // namespace iothub::device_sim
