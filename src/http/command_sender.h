// CommandSender: how the HTTP API hands a device command to the MQTT side (contract
// section 6, POST /api/mqtt/device/command[/no-response]). The HTTP layer validates the
// request and checks that the caller may command the device before calling Send; the
// implementation (src/mqtt, wired by `serve`) publishes the RPC request and, when `wait`,
// blocks until the device answers or the timeout passes.
//
// Thread-safety: implementations must be thread-safe; Send is called concurrently from
// the HTTP worker threads and may block up to the request's timeout.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/clock.h"
#include "http/api_error.h"

namespace iothub::http {

// Default and bounds of `timeout` in milliseconds (contract section 2).
inline constexpr std::int64_t kDefaultCommandTimeoutMs = 5000;
inline constexpr std::int64_t kMinCommandTimeoutMs = 1000;
inline constexpr std::int64_t kMaxCommandTimeoutMs = 30000;

struct CommandRequest {
  std::string user_id;  // the device's owner (the topic's {userId})
  std::string device_id;
  std::string method;                                  // one of the contract's RPC methods
  std::optional<nlohmann::json> params;                // an object when present
  std::int64_t timeout_ms = kDefaultCommandTimeoutMs;  // used only when waiting
};

struct CommandMetadata {
  std::int64_t execution_time_ms = 0;  // from publish to answer (or to publish)
  UnixMillis sent_at = 0;
  std::optional<UnixMillis> received_at;  // unset when not waiting
};

// The device's answer: exactly one of result/error when waiting; neither otherwise.
struct CommandReply {
  std::string id;  // the RPC request id
  std::optional<nlohmann::json> result;
  std::optional<nlohmann::json> error;  // {code, message, data?}
  CommandMetadata metadata;
};

// The outcome of Send: `status` OK with `reply`, or an error:
//  InvalidArgument (400; `problems` may name fields such as "params.startTime"),
//  DeadlineExceeded (408, no answer in time), Unavailable (503, broker down),
//  NotFound (404, unknown device), FailedPrecondition (409, device not bound to user).
struct CommandOutcome {
  absl::Status status;
  CommandReply reply;                  // valid when status.ok()
  std::vector<FieldProblem> problems;  // optional details of an InvalidArgument
};

class CommandSender {
 public:
  virtual ~CommandSender() = default;
  // Sends `request` to the device; when `wait`, blocks for its answer up to
  // request.timeout_ms. Never throws.
  virtual CommandOutcome Send(const CommandRequest& request, bool wait) = 0;
};

}  // namespace iothub::http
