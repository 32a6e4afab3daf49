#include "rpc/method_catalog.h"

#include <cmath>
#include <limits>
#include <span>
#include <string>

namespace iothub::rpc {
namespace {

using Json = nlohmann::json;

enum class Type : std::uint8_t { kString, kIdString, kBool, kEnum, kInt, kNumber, kAlarm, kPreset };

inline constexpr std::int64_t kNoMax = std::numeric_limits<std::int64_t>::max();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

// One field of a schema. `rule` is the text of the error when the value breaks it.
struct Field {
  std::string_view name;
  Type type;
  std::string_view rule;
  double min = -kInf;  // kNumber
  double max = kInf;
  std::int64_t imin = 0;  // kInt
  std::int64_t imax = kNoMax;
  std::span<const std::string_view> values = {};  // kEnum
};

constexpr std::string_view kOnOffAuto[] = {"on", "off", "auto"};
constexpr std::string_view kIrrigatorModes[] = {"on", "off", "auto", "preset"};
constexpr std::string_view kRegulatorTypes[] = {"digital", "analog"};

constexpr Field Str(std::string_view name) { return {name, Type::kString, "must be a string"}; }
constexpr Field Bool(std::string_view name) { return {name, Type::kBool, "must be a boolean"}; }
constexpr Field Minutes(std::string_view name) {
  return {name, Type::kInt, "must be an integer 0-1439", 0, 0, 0, 1439};
}
constexpr Field Count(std::string_view name) {
  return {name, Type::kInt, "must be an integer >= 0", 0, 0, 0, kNoMax};
}
constexpr Field Num(std::string_view name, std::string_view rule, double min = -kInf,
                    double max = kInf) {
  return {name, Type::kNumber, rule, min, max};
}
constexpr Field Enum(std::string_view name, std::string_view rule,
                     std::span<const std::string_view> values) {
  return {name, Type::kEnum, rule, 0, 0, 0, 0, values};
}

constexpr Field kId{"id", Type::kIdString, "must be a non-empty string"};
constexpr Field kMode = Enum("mode", "must be one of on, off, auto", kOnOffAuto);
constexpr Field kAlarm{"alarm", Type::kAlarm, "must be an object {upperLimit, lowerLimit}"};

constexpr Field kDiscreteTimer[] = {kId,          Str("name"),          Bool("enabled"),
                                    kMode,        Minutes("startTime"), Minutes("endTime"),
                                    Str("output")};
constexpr Field kAnalogTimer[] = {kId,
                                  Str("name"),
                                  Bool("enabled"),
                                  kMode,
                                  Minutes("sunriseTime"),
                                  Minutes("sunsetTime"),
                                  Num("maxLightLevel", "must be a number 0-1", 0, 1),
                                  Num("fadeTime", "must be a number >= 0", 0),
                                  Str("output")};
constexpr Field kDiscreteRegulator[] = {kId,
                                        Str("name"),
                                        kMode,
                                        Str("parameter"),
                                        Num("setpoint", "must be a number"),
                                        Num("hysteresis", "must be a number 0-10", 0, 10),
                                        kAlarm,
                                        Str("output")};
constexpr Field kAnalogRegulator[] = {
    kId,
    Str("name"),
    kMode,
    Enum("type", "must be one of digital, analog", kRegulatorTypes),
    Str("parameter"),
    Num("setpoint", "must be a number"),
    Num("Kp", "must be a number 0-100", 0, 100),
    Num("Ki", "must be a number 0-100", 0, 100),
    Num("Kd", "must be a number 0-100", 0, 100),
    kAlarm,
    Str("output")};
constexpr Field kIrrigator[] = {
    kId,
    Str("name"),
    Bool("enabled"),
    Enum("mode", "must be one of on, off, auto, preset", kIrrigatorModes),
    {"preset", Type::kPreset, "must be an array of {startTime, endTime}"},
    Minutes("startTime"),
    Minutes("endTime"),
    Count("numbIrrigations"),
    Count("irrigationwindow"),
    Bool("autoManualOff"),
    Count("autoManualOffInterval"),
    Str("output")};

constexpr Field kAlarmFields[] = {Num("upperLimit", "must be a number"),
                                  Num("lowerLimit", "must be a number")};
constexpr Field kPresetFields[] = {Minutes("startTime"), Minutes("endTime")};

struct MethodSpec {
  std::string_view name;
  std::span<const Field> fields;  // empty: params absent or {}
};

constexpr MethodSpec kMethods[kMethodCount] = {
    {"getDeviceState", {}},
    {"getSensors", {}},
    {"reboot", {}},
    {"updateDiscreteTimer", kDiscreteTimer},
    {"updateAnalogTimer", kAnalogTimer},
    {"updateDiscreteRegulator", kDiscreteRegulator},
    {"updateAnalogRegulator", kAnalogRegulator},
    {"updateIrrigator", kIrrigator},
};

// A field path built on the stack while descending; rendered only on failure, so that
// valid params allocate nothing here.
struct Path {
  const Path* parent = nullptr;
  std::string_view key;   // a member name
  std::size_t index = 0;  // an array index when is_index
  bool is_index = false;

  void Render(std::string& out) const {
    if (parent != nullptr) parent->Render(out);
    if (is_index) {
      out.append("[").append(std::to_string(index)).append("]");
    } else {
      if (!out.empty()) out.push_back('.');
      out.append(key);
    }
  }
};

absl::Status Fail(const Path& path, std::string_view rule) {
  std::string message;
  path.Render(message);
  message.append(": ").append(rule);
  return absl::InvalidArgumentError(message);
}

bool IntInRange(const Json& v, std::int64_t lo, std::int64_t hi) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    return u <= static_cast<std::uint64_t>(hi) && (lo <= 0 || u >= static_cast<std::uint64_t>(lo));
  }
  if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    return i >= lo && i <= hi;
  }
  return false;  // floats (10.0 included), strings, ...
}

absl::Status CheckObject(const Json& object, std::span<const Field> fields, const Path& path,
                         bool all_required);

absl::Status CheckValue(const Field& f, const Json& v, const Path& path) {
  switch (f.type) {
    case Type::kString:
      if (!v.is_string()) return Fail(path, f.rule);
      return absl::OkStatus();
    case Type::kIdString:
      if (!v.is_string() || v.get_ref<const std::string&>().empty()) return Fail(path, f.rule);
      return absl::OkStatus();
    case Type::kBool:
      if (!v.is_boolean()) return Fail(path, f.rule);
      return absl::OkStatus();
    case Type::kEnum:
      if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        for (std::string_view allowed : f.values) {
          if (s == allowed) return absl::OkStatus();
        }
      }
      return Fail(path, f.rule);
    case Type::kInt:
      if (!IntInRange(v, f.imin, f.imax)) return Fail(path, f.rule);
      return absl::OkStatus();
    case Type::kNumber: {
      if (!v.is_number()) return Fail(path, f.rule);
      const double d = v.get<double>();
      if (!std::isfinite(d) || d < f.min || d > f.max) return Fail(path, f.rule);
      return absl::OkStatus();
    }
    case Type::kAlarm:
      if (!v.is_object()) return Fail(path, f.rule);
      return CheckObject(v, kAlarmFields, path, /*all_required=*/true);
    case Type::kPreset: {
      if (!v.is_array()) return Fail(path, f.rule);
      for (std::size_t i = 0; i < v.size(); ++i) {
        const Path item{&path, {}, i, true};
        if (!v[i].is_object()) return Fail(item, "must be an object {startTime, endTime}");
        if (auto s = CheckObject(v[i], kPresetFields, item, /*all_required=*/true); !s.ok()) {
          return s;
        }
      }
      return absl::OkStatus();
    }
  }
  return Fail(path, "unsupported");
}

// Every member must be a known field that passes its rule; with `all_required`, every
// field must be present.
absl::Status CheckObject(const Json& object, std::span<const Field> fields, const Path& path,
                         bool all_required) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string& key = it.key();
    const Field* spec = nullptr;
    for (const Field& f : fields) {
      if (f.name == key) {
        spec = &f;
        break;
      }
    }
    const Path member{&path, key};
    if (spec == nullptr) return Fail(member, "unknown field");
    if (auto s = CheckValue(*spec, it.value(), member); !s.ok()) return s;
  }
  if (all_required) {
    for (const Field& f : fields) {
      if (!object.contains(f.name)) return Fail(Path{&path, f.name}, "required");
    }
  }
  return absl::OkStatus();
}

constexpr Path kParams{nullptr, "params"};

std::string_view TypeName(Type type) {
  switch (type) {
    case Type::kString:
    case Type::kIdString:
      return "string";
    case Type::kBool:
      return "boolean";
    case Type::kEnum:
      return "enum";
    case Type::kInt:
      return "integer";
    case Type::kNumber:
      return "number";
    case Type::kAlarm:
    case Type::kPreset:
      return "json";
  }
  return "json";
}

Json FieldToJson(const Field& f) {
  Json out{{"name", f.name}, {"type", TypeName(f.type)}, {"rule", f.rule}};
  out["required"] = f.type == Type::kIdString;
  if (f.type == Type::kEnum) {
    Json values = Json::array();
    for (std::string_view v : f.values) values.push_back(v);
    out["values"] = values;
  }
  if (f.type == Type::kInt) out["min"] = f.imin;
  if (f.type == Type::kInt && f.imax != kNoMax) out["max"] = f.imax;
  if (f.type == Type::kNumber && std::isfinite(f.min)) out["min"] = f.min;
  if (f.type == Type::kNumber && std::isfinite(f.max)) out["max"] = f.max;
  return out;
}

}  // namespace

std::string_view MethodName(Method method) {
  return kMethods[static_cast<std::size_t>(method)].name;
}

std::optional<Method> ParseMethod(std::string_view name) {
  for (std::size_t i = 0; i < kMethodCount; ++i) {
    if (kMethods[i].name == name) return static_cast<Method>(i);
  }
  return std::nullopt;
}

absl::Status ValidateParams(Method method, const Json& params) {
  const MethodSpec& spec = kMethods[static_cast<std::size_t>(method)];
  if (params.is_null()) {
    if (spec.fields.empty()) return absl::OkStatus();
    return Fail(Path{&kParams, "id"}, "required");
  }
  if (!params.is_object()) return Fail(kParams, "must be an object");
  if (spec.fields.empty()) {
    if (params.empty()) return absl::OkStatus();
    return Fail(Path{&kParams, params.begin().key()}, "unknown field (no parameters taken)");
  }
  if (auto s = CheckObject(params, spec.fields, kParams, /*all_required=*/false); !s.ok()) {
    return s;
  }
  if (!params.contains("id")) return Fail(Path{&kParams, "id"}, "required");
  return absl::OkStatus();
}

absl::Status ValidateParams(std::string_view method, const Json& params) {
  const auto m = ParseMethod(method);
  if (!m) {
    std::string message = "Unknown method: ";
    message.append(method);
    return absl::NotFoundError(message);
  }
  return ValidateParams(*m, params);
}

Json DescribeMethods() {
  Json methods = Json::array();
  for (const MethodSpec& spec : kMethods) {
    Json fields = Json::array();
    for (const Field& f : spec.fields) fields.push_back(FieldToJson(f));
    methods.push_back({{"name", spec.name}, {"fields", fields}});
  }
  return methods;
}

}  // namespace iothub::rpc
