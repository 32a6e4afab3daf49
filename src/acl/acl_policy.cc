#include "acl/acl_policy.h"

#include <optional>
#include <utility>

#include "acl/builtin_policy.h"
#include "acl/placeholder.h"
#include "acl/topic.h"
#include "common/ids.h"

namespace iothub::acl {
namespace {

constexpr Decision Deny(Reason reason) {
  return {.allow = false, .reason = reason, .rule_index = -1};
}

}  // namespace

AclPolicy::AclPolicy(std::vector<AclRule> rules) : rules_(std::move(rules)) {}

Decision AclPolicy::Check(const Principal& principal, Action action, std::string_view topic,
                          const FleetSnapshot& fleet) const {
  // 1. The topic or filter.
  if (action == Action::kPublish) {
    if (topic.find_first_of("+#") != std::string_view::npos) {
      return Deny(Reason::kWildcardInPublish);
    }
    if (CheckTopicName(topic) != TopicError::kOk) return Deny(Reason::kInvalidTopic);
  } else {
    topic = StripSharedSubscription(topic);
    if (CheckTopicFilter(topic) != TopicError::kOk) return Deny(Reason::kInvalidFilter);
  }

  // 2. The principal.
  const DeviceRecord* self = nullptr;
  std::string_view owner;  // a device's current owner, while bound
  switch (principal.kind) {
    case PrincipalKind::kDevice:
      if (!IsValidId(principal.id)) return Deny(Reason::kInvalidPrincipalId);
      if (principal.clientid != principal.id) return Deny(Reason::kClientIdMismatch);
      self = fleet.FindDevice(principal.id);
      if (self == nullptr) return Deny(Reason::kUnknownDevice);
      if (self->status == DeviceStatus::kRevoked) return Deny(Reason::kDeviceRevoked);
      if (self->status == DeviceStatus::kBound) owner = self->owner_id;
      break;
    case PrincipalKind::kUser:
      if (!IsValidId(principal.id)) return Deny(Reason::kInvalidPrincipalId);
      break;
    case PrincipalKind::kAdmin:
    case PrincipalKind::kService:
      break;
  }
  if (principal.kind != PrincipalKind::kAdmin && IsSysTopic(topic)) {
    return Deny(Reason::kSysNotAdmin);
  }

  // 3. Configured rules.
  if (!rules_.empty()) {
    PlaceholderValues values;
    values.Set(Placeholder::kClientId, principal.clientid);
    values.Set(Placeholder::kUsername, principal.username);
    switch (principal.kind) {
      case PrincipalKind::kDevice:
        values.Set(Placeholder::kDeviceId, principal.id);
        values.Set(Placeholder::kUserId, owner);
        break;
      case PrincipalKind::kUser:
      case PrincipalKind::kAdmin:
        values.Set(Placeholder::kUserId, principal.id);
        break;
      case PrincipalKind::kService:
        break;
    }
    if (const std::optional<std::size_t> index =
            rules_.FindFirst(principal.kind, action, topic, values)) {
      const bool allow = rules_.rules()[*index].effect == Effect::kAllow;
      return {.allow = allow,
              .reason = allow ? Reason::kRuleAllow : Reason::kRuleDeny,
              .rule_index = static_cast<std::int32_t>(*index)};
    }
  }

  // 4. The built-in policy.
  return CheckBuiltinPolicy(principal, self, action, topic, fleet);
}

}  // namespace iothub::acl
