// The topics of certificate renewal over MQTT (docs/certificates.md), outside the users
// tree so that a device renews whether or not it is bound:
//   devices/{deviceId}/cert/renew         the device publishes its request (a CSR)
//   devices/{deviceId}/cert/renew/reply   the hub answers; only the device subscribes
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace iothub {

inline constexpr std::string_view kRenewTopicFilter = "devices/+/cert/renew";

enum class RenewalTopicKind { kNone, kRequest, kReply };

struct RenewalTopic {
  RenewalTopicKind kind = RenewalTopicKind::kNone;
  std::string_view device;  // a view into the parsed topic; a non-empty single level
};

// What `topic` is. A device level holding a wildcard parses too (as a filter would):
// callers compare the device with an id, which never holds one.
RenewalTopic ParseRenewalTopic(std::string_view topic);

std::string RenewRequestTopic(std::string_view device_id);
std::string RenewReplyTopic(std::string_view device_id);

}  // namespace iothub
