// PublishDecision: what the RPC pipeline answers for one message.publish, and the closed
// list of reasons behind it (a metric label and a log field). Plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace iothub::rpc {

enum class PublishReason : std::uint8_t {
  kNotRpc,  // pass: not an RPC topic
  // Requests.
  kRequestAccepted,      // pass: now pending
  kInvalidRequest,       // rewrite -32600
  kUnknownMethod,        // rewrite -32601
  kInvalidParams,        // rewrite -32602
  kPublisherNotAllowed,  // rewrite -32001: a device, or another user, sent it
  kDeviceUnknown,        // rewrite -32001
  kDeviceNotBound,       // rewrite -32001: unbound or bound to another user
  kDeviceRevoked,        // rewrite -32001
  kDeviceOffline,        // rewrite -32001
  kRateLimited,          // rewrite -32029
  kPendingDeviceFull,    // rewrite -32003
  kPendingUserFull,      // rewrite -32003
  kPendingTableFull,     // rewrite -32003
  kDuplicateRequest,     // drop: the requester's own id already pending (or just answered)
  kRequestIdInUse,       // drop: the id is pending (or just answered) for the device on
                         // another requester's behalf; no reply, which would reach theirs
  kStateUnavailable,     // drop: the shared state (Redis) did not answer in time, so a
                         // request's id owner is unknown, or a reply cannot be matched
  // Responses.
  kResponseAccepted,       // pass: matched a pending request
  kResponseMalformed,      // drop
  kResponseNotFromDevice,  // drop: publisher is not the topic's device
  kResponseUnknownId,      // drop: unsolicited, or another device's request id
  kResponseDuplicate,      // drop: a reply was already passed
  kResponseLate,           // drop: after the deadline
  kResponseWrongUser,      // drop: published on another user's topic
  // Either.
  kMalformedTopic,  // drop: RPC topic shape with an invalid user or device id
  kNoSession,       // drop: the publisher's clientid has no session (it skipped authenticate)
  kInternalError,   // drop: the pipeline failed (an exception); fail closed
};
inline constexpr std::size_t kPublishReasonCount =
    static_cast<std::size_t>(PublishReason::kInternalError) + 1;

// snake_case label, e.g. "device_offline".
std::string_view ToString(PublishReason reason);

struct PublishDecision {
  enum class Kind : std::uint8_t { kPass, kDrop, kRewrite };
  Kind kind = Kind::kPass;
  PublishReason reason = PublishReason::kNotRpc;
  std::string new_topic;    // kRewrite only: the requester's response topic
  std::string new_payload;  // kRewrite only: the JSON-RPC error
};

}  // namespace iothub::rpc
