// The data of the two command endpoints (contract section 6, `/mqtt/device/command` and
// `/mqtt/device/command/no-response`): what a caller asks for and what it gets back.
// Plain values; thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "common/clock.h"

namespace iothub::mqtt {

// A REST `timeout` is an integer 1000-30000 ms; 5000 when absent.
inline constexpr std::chrono::milliseconds kMinCommandTimeout{1000};
inline constexpr std::chrono::milliseconds kMaxCommandTimeout{30000};
inline constexpr std::chrono::milliseconds kDefaultCommandTimeout{5000};

// `{userId, deviceId, method, params?, timeout?}`.
struct CommandRequest {
  std::string user_id;
  std::string device_id;
  std::string method;
  nlohmann::json params;  // null: absent
  std::chrono::milliseconds timeout = kDefaultCommandTimeout;
};

// Whether SendCommand waits for the device's reply.
enum class ReplyMode {
  kWait,    // `/mqtt/device/command`
  kNoWait,  // `/mqtt/device/command/no-response`
};

// With ReplyMode::kWait: `{id, result?, error?, metadata{executionTime, sentAt,
// receivedAt}}`, where exactly one of `result` and `error` is set (an error from the
// device, -32002, or from the hub's RPC pipeline, e.g. -32001 device unavailable).
// With ReplyMode::kNoWait: `replied` is false and only `id` and `sent_at` are set; the
// endpoint answers `{success: true, message: "Command sent", metadata{sentAt}}`.
struct CommandResult {
  std::string id;  // the JSON-RPC request id (a UUID v4)
  bool replied = false;
  nlohmann::json result;               // the reply's `result` object, or null
  nlohmann::json error;                // the reply's `error` object, or null
  UnixMillis sent_at = 0;              // wall clock, just before the publish
  UnixMillis received_at = 0;          // wall clock, when the reply arrived
  std::int64_t execution_time_ms = 0;  // monotonic, publish to reply
};

}  // namespace iothub::mqtt
