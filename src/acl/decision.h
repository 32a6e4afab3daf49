// Decision: the answer to "may this principal publish/subscribe this topic?", with a
// closed reason that callers log and count. Plain values; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace iothub::acl {

// Why a request was allowed or denied. Every deny path has its own value so that a
// refusal can be explained from the logs alone.
enum class Reason : std::uint8_t {
  // Allowed.
  kRuleAllow,           // a configured allow rule matched first
  kDeviceOwnTopic,      // a bound device on its own topics
  kUserOwnTree,         // a user subscribing inside users/{self}/devices/{+,#,own}...
  kUserOwnedDeviceRpc,  // a user sending an RPC request to a device bound to them
  kAdminUsersTree,      // an admin on users/#
  kAdminSysSubscribe,   // an admin subscribing $SYS/#
  kServiceUsersTree,    // a backend service on users/#
  kDeviceRenewal,       // a device on its own renewal topics (devices/{self}/cert/renew...)
  kHubRenewalReply,     // the hub's own link answering a renewal

  // Denied: the request itself.
  kInvalidTopic,       // publish topic is not a valid MQTT topic name
  kWildcardInPublish,  // publish topic contains '+' or '#'
  kInvalidFilter,      // subscribe filter is not a valid MQTT topic filter
  // Denied: the principal.
  kInvalidPrincipalId,  // device or user id is not a valid id (could widen a match)
  kClientIdMismatch,    // a device connected with a clientid other than its id
  kUnknownDevice,       // the device is no longer in the fleet
  kDeviceRevoked,       // the device is revoked
  kSysNotAdmin,         // $SYS/... for anyone but an admin
  // Denied: rules.
  kRuleDeny,              // a configured deny rule matched first
  kSysReadOnly,           // an admin publishing to $SYS/...
  kOutsideUsersTree,      // not under users/ (or nothing else applies to this principal)
  kOtherUserPrefix,       // users/{someone else}/... (or a wildcard in the user level)
  kNotDeviceTopic,        // under users/{u}/ but not users/{u}/devices/{d}/...
  kNotOwnDevice,          // a device on another device's topics
  kDeviceNotBound,        // an unbound device (no user's tree is its own)
  kTopicNotPermitted,     // the right device subtree, but not a topic this side may use
  kTargetDeviceUnknown,   // a user naming a device the fleet does not know
  kTargetDeviceNotOwned,  // ... a device that is not bound to that user
  kNoMatchingRule,        // default deny
};

// snake_case, stable: "device_revoked", "rule_deny", ... (for logs and metric labels).
std::string_view ToString(Reason reason);

struct Decision {
  bool allow = false;
  Reason reason = Reason::kNoMatchingRule;
  std::int32_t rule_index = -1;  // the configured rule that decided, or -1
};

}  // namespace iothub::acl
