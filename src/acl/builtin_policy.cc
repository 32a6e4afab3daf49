#include "acl/builtin_policy.h"

#include "acl/topic.h"
#include "common/ids.h"
#include "model/renewal_topic.h"

namespace iothub::acl {
namespace {

constexpr Decision Allow(Reason reason) {
  return {.allow = true, .reason = reason, .rule_index = -1};
}
constexpr Decision Deny(Reason reason) {
  return {.allow = false, .reason = reason, .rule_index = -1};
}

// True when the first level is literally "users" (what users/# covers).
constexpr bool IsUsersTree(std::string_view topic) {
  return topic.starts_with("users") && (topic.size() == 5 || topic[5] == '/');
}

// A topic or filter cut along the hub's layout, as string_views into it.
struct TopicParts {
  bool under_users = false;     // "users/{user}..." with a second level
  std::string_view user;        // the second level
  bool has_after_user = false;  // there is a "/" after the user level
  std::string_view after_user;  // everything after "users/{user}/"
  bool device_topic = false;    // "users/{user}/devices/{device}/{rest}", rest non-empty
  std::string_view device;
  std::string_view rest;  // e.g. "telemetry" or "rpc/request"
};

TopicParts Split(std::string_view topic) {
  constexpr std::string_view kUsers = "users/";
  constexpr std::string_view kDevices = "devices/";
  TopicParts parts;
  if (!topic.starts_with(kUsers)) return parts;
  std::string_view tail = topic.substr(kUsers.size());
  parts.under_users = true;
  std::size_t slash = tail.find('/');
  parts.user = tail.substr(0, slash);
  if (slash == std::string_view::npos) return parts;
  parts.has_after_user = true;
  parts.after_user = tail = tail.substr(slash + 1);
  if (!tail.starts_with(kDevices)) return parts;
  tail = tail.substr(kDevices.size());
  slash = tail.find('/');
  if (slash == std::string_view::npos) return parts;
  parts.device = tail.substr(0, slash);
  parts.rest = tail.substr(slash + 1);
  parts.device_topic = !parts.rest.empty();
  return parts;
}

constexpr bool IsDevicePublishTopic(std::string_view rest) {
  return rest == "rpc/response" || rest == "telemetry" || rest == "attributes" || rest == "status";
}

// Renewal topics (model/renewal_topic.h): only the device itself publishes its request
// and subscribes its reply, bound or not; only the hub's own link publishes replies.
// Nothing else reaches them (users, admins and services are outside the users tree).
Decision CheckRenewal(const Principal& principal, Action action, const RenewalTopic& renewal) {
  if (principal.kind == PrincipalKind::kService && principal.hub_link) {
    return action == Action::kPublish && renewal.kind == RenewalTopicKind::kReply
               ? Allow(Reason::kHubRenewalReply)
               : Deny(Reason::kTopicNotPermitted);
  }
  if (principal.kind != PrincipalKind::kDevice) return Deny(Reason::kOutsideUsersTree);
  if (renewal.device != principal.id) return Deny(Reason::kNotOwnDevice);
  const RenewalTopicKind own =
      action == Action::kPublish ? RenewalTopicKind::kRequest : RenewalTopicKind::kReply;
  return renewal.kind == own ? Allow(Reason::kDeviceRenewal) : Deny(Reason::kTopicNotPermitted);
}

Decision CheckDevice(const Principal& principal, const DeviceRecord& self, Action action,
                     std::string_view topic) {
  const TopicParts parts = Split(topic);
  if (!parts.under_users) return Deny(Reason::kOutsideUsersTree);
  if (!parts.device_topic) return Deny(Reason::kNotDeviceTopic);
  if (parts.device != principal.id) return Deny(Reason::kNotOwnDevice);
  // Unbound: no user's tree, not even a status topic (it would land, retained, in the
  // tree of whoever the device names).
  const bool bound = self.status == DeviceStatus::kBound && IsValidId(self.owner_id);
  if (!bound) return Deny(Reason::kDeviceNotBound);
  if (action == Action::kPublish) {
    if (parts.user != self.owner_id) return Deny(Reason::kOtherUserPrefix);
    return IsDevicePublishTopic(parts.rest) ? Allow(Reason::kDeviceOwnTopic)
                                            : Deny(Reason::kTopicNotPermitted);
  }
  // "users/+/devices/d/rpc/request" lets a device listen without knowing its owner; it
  // reaches only d's requests, and only owners may publish those.
  if (parts.user != self.owner_id && parts.user != "+") return Deny(Reason::kOtherUserPrefix);
  return parts.rest == "rpc/request" ? Allow(Reason::kDeviceOwnTopic)
                                     : Deny(Reason::kTopicNotPermitted);
}

// The device level of a user's topic or filter ("users/{self}/devices/{level}..."): the
// wildcards '+' and '#' stay inside the user's own tree, which the broker fills only
// with their devices' topics; an explicit device id must name a device bound to them.
Decision CheckUserDeviceLevel(const Principal& principal, std::string_view level,
                              const FleetSnapshot& fleet) {
  if (level == "+" || level == "#") return Allow(Reason::kUserOwnTree);
  const DeviceRecord* target = fleet.FindDevice(level);
  if (target == nullptr) return Deny(Reason::kTargetDeviceUnknown);
  if (target->status != DeviceStatus::kBound || target->owner_id != principal.id) {
    return Deny(Reason::kTargetDeviceNotOwned);
  }
  return Allow(Reason::kUserOwnTree);
}

Decision CheckUser(const Principal& principal, Action action, std::string_view topic,
                   const FleetSnapshot& fleet) {
  const TopicParts parts = Split(topic);
  if (!parts.under_users) return Deny(Reason::kOutsideUsersTree);
  // A wildcard user level ("users/+/...") differs from the id too: ids hold no '+'.
  if (parts.user != principal.id) return Deny(Reason::kOtherUserPrefix);
  if (action == Action::kSubscribe) {
    // "devices/" guarantees a fourth level; wildcards may only appear from there on.
    constexpr std::string_view kDevices = "devices/";
    if (!parts.has_after_user || !parts.after_user.starts_with(kDevices)) {
      return Deny(Reason::kNotDeviceTopic);
    }
    const std::string_view devices = parts.after_user.substr(kDevices.size());
    return CheckUserDeviceLevel(principal, devices.substr(0, devices.find('/')), fleet);
  }
  if (!parts.device_topic) return Deny(Reason::kNotDeviceTopic);
  if (parts.rest != "rpc/request") return Deny(Reason::kTopicNotPermitted);
  const Decision device = CheckUserDeviceLevel(principal, parts.device, fleet);
  return device.allow ? Allow(Reason::kUserOwnedDeviceRpc) : device;
}

}  // namespace

Decision CheckBuiltinPolicy(const Principal& principal, const DeviceRecord* self, Action action,
                            std::string_view topic, const FleetSnapshot& fleet) {
  if (const RenewalTopic renewal = ParseRenewalTopic(topic);
      renewal.kind != RenewalTopicKind::kNone) {
    if (principal.kind == PrincipalKind::kDevice && self == nullptr) {
      return Deny(Reason::kUnknownDevice);
    }
    return CheckRenewal(principal, action, renewal);
  }
  switch (principal.kind) {
    case PrincipalKind::kDevice:
      if (self == nullptr) return Deny(Reason::kUnknownDevice);
      return CheckDevice(principal, *self, action, topic);
    case PrincipalKind::kUser:
      return CheckUser(principal, action, topic, fleet);
    case PrincipalKind::kAdmin:
      if (IsUsersTree(topic)) return Allow(Reason::kAdminUsersTree);
      if (IsSysTopic(topic)) {
        return action == Action::kSubscribe ? Allow(Reason::kAdminSysSubscribe)
                                            : Deny(Reason::kSysReadOnly);
      }
      return Deny(Reason::kOutsideUsersTree);
    case PrincipalKind::kService:
      return IsUsersTree(topic) ? Allow(Reason::kServiceUsersTree)
                                : Deny(Reason::kOutsideUsersTree);
  }
  return Deny(Reason::kNoMatchingRule);
}

}  // namespace iothub::acl
