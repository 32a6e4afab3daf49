// CommandService: sends RPC commands to devices for the HTTP endpoints
// `/mqtt/device/command` and `/mqtt/device/command/no-response` (contract sections 2
// and 6), over the hub's MessageLink, and routes the devices' replies back to the
// waiting callers. Also publishes the RPC pipeline's timeout replies.
//
// A command is checked (ValidateCommand), becomes the JSON-RPC request
// `{"id": <uuid v4>, "method", "params"?, "deviceId", "timestamp"}` on
// `users/{u}/devices/{d}/rpc/request` at QoS 1, and, when the caller waits, is answered
// by the first reply with its id on `users/{u}/devices/{d}/rpc/response`. A reply with
// `error` (the device's, or the hub pipeline's such as -32001 device unavailable) is a
// successful call whose result carries that error.
//
// Thread-safety: SendCommand and PublishTimeout may be called from any number of
// threads at once; OnMessage is called by the link's network thread. SendCommand with
// ReplyMode::kWait blocks its caller until the reply or the timeout: call it from an
// HTTP worker thread, never from a gRPC reaction or the link's network thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "mqtt/command.h"
#include "mqtt/message_link.h"
#include "mqtt/reply_waiters.h"
#include "rpc/rpc_pipeline.h"

namespace iothub::mqtt {

class CommandService {
 public:
  // `link`, `clock` and `metrics` must outlive the service.
  CommandService(MessageLink& link, const Clock& clock, Metrics& metrics);
  CommandService(const CommandService&) = delete;
  CommandService& operator=(const CommandService&) = delete;

  // Sends one command. Errors, by code (and the HTTP status the endpoint answers):
  //   InvalidArgument   (400) a bad id, method, params or timeout; nothing published
  //   Unavailable       (503) the broker link is down
  //   DeadlineExceeded  (408) no reply within request.timeout (kWait only)
  // With kWait, blocks for at most about request.timeout.
  absl::StatusOr<CommandResult> SendCommand(const CommandRequest& request, ReplyMode mode);

  // Publishes one of the RPC pipeline's -32000 timeout replies (QoS 1). Unavailable
  // while the link is down.
  absl::Status PublishTimeout(const rpc::TimeoutNotice& notice);

  // The link's message handler: a reply on a response topic for a waiting command is
  // handed to it; anything else is ignored and counted. Never blocks beyond a mutex.
  void OnMessage(std::string_view topic, std::string_view payload);

  // Commands waiting for a reply right now.
  std::size_t waiting() const { return waiters_.size(); }

 private:
  // Outcomes of SendCommand, for iothub_mqtt_commands_total{outcome}.
  enum Outcome { kResult, kError, kSent, kTimeout, kUnavailable, kInvalid, kOutcomeCount };
  Counter& OutcomeCounter(Outcome outcome) { return *outcomes_[outcome]; }

  MessageLink& link_;
  const Clock& clock_;
  ReplyWaiters waiters_;

  Counter* outcomes_[kOutcomeCount];
  Histogram& round_trip_;
  Counter& ignored_unknown_;    // replies with no waiting command (unknown, late, repeated)
  Counter& ignored_malformed_;  // replies that are not a JSON-RPC response
  Counter& timeout_notices_;
};

}  // namespace iothub::mqtt
