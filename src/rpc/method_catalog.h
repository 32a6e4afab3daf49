// The eight RPC methods of the contract (section 3) and their parameter schemas.
// Pure functions over immutable tables; thread-safe.
//
// Rules shared by every schema:
// - getDeviceState, getSensors, reboot: params absent or `{}`.
// - The five update methods: params is an object with `id` (non-empty string) and any
//   subset of the method's other fields; a field not in the schema is an error.
// - An integer field takes a JSON integer literal only: `10` passes, `10.0`, `1e1` and
//   `1.5` are refused (the JSON text carries the type; a float is never truncated).
// - A number field takes any finite integer or float.
// - `alarm` is an object with both `upperLimit` and `lowerLimit` (numbers) and nothing
//   else; `preset` is an array of objects with both `startTime` and `endTime` (integers
//   0-1439) and nothing else.
// - `mode` of the regulators takes the timers' values: `on`, `off`, `auto`.
// Errors are InvalidArgument with a message naming the field path and the rule, e.g.
// `params.startTime: must be an integer 0-1439`, `params.preset[1].endTime: required`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "absl/status/status.h"

namespace iothub::rpc {

enum class Method : std::uint8_t {
  kGetDeviceState,
  kGetSensors,
  kReboot,
  kUpdateDiscreteTimer,
  kUpdateAnalogTimer,
  kUpdateDiscreteRegulator,
  kUpdateAnalogRegulator,
  kUpdateIrrigator,
};
inline constexpr std::size_t kMethodCount = 8;

// The wire name ("getDeviceState", ...).
std::string_view MethodName(Method method);
// The method with this wire name (case-sensitive); nullopt when unknown.
std::optional<Method> ParseMethod(std::string_view name);

// Checks `params` against the method's schema. A null `params` means "absent".
// Returns OK or InvalidArgument naming the field path and rule. Never throws.
absl::Status ValidateParams(Method method, const nlohmann::json& params);
// The same by wire name; NotFound("Unknown method: <m>") for a name not in the catalog.
absl::Status ValidateParams(std::string_view method, const nlohmann::json& params);

// The catalog as data, for forms (GET /api/rpc/methods): [{name, fields: [{name, type
// ("string", "boolean", "enum", "integer", "number" or "json" for alarm/preset), rule,
// required, values? (enum), min?, max?}]}], in the order of Method. Fields are empty for
// methods that take no params; ValidateParams stays the judge of what is sent.
nlohmann::json DescribeMethods();

}  // namespace iothub::rpc
