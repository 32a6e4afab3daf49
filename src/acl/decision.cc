#include "acl/decision.h"

namespace iothub::acl {

std::string_view ToString(Reason reason) {
  switch (reason) {
    case Reason::kRuleAllow:
      return "rule_allow";
    case Reason::kDeviceOwnTopic:
      return "device_own_topic";
    case Reason::kUserOwnTree:
      return "user_own_tree";
    case Reason::kUserOwnedDeviceRpc:
      return "user_owned_device_rpc";
    case Reason::kAdminUsersTree:
      return "admin_users_tree";
    case Reason::kAdminSysSubscribe:
      return "admin_sys_subscribe";
    case Reason::kServiceUsersTree:
      return "service_users_tree";
    case Reason::kDeviceRenewal:
      return "device_renewal";
    case Reason::kHubRenewalReply:
      return "hub_renewal_reply";
    case Reason::kInvalidTopic:
      return "invalid_topic";
    case Reason::kWildcardInPublish:
      return "wildcard_in_publish";
    case Reason::kInvalidFilter:
      return "invalid_filter";
    case Reason::kInvalidPrincipalId:
      return "invalid_principal_id";
    case Reason::kClientIdMismatch:
      return "clientid_mismatch";
    case Reason::kUnknownDevice:
      return "unknown_device";
    case Reason::kDeviceRevoked:
      return "device_revoked";
    case Reason::kSysNotAdmin:
      return "sys_not_admin";
    case Reason::kRuleDeny:
      return "rule_deny";
    case Reason::kSysReadOnly:
      return "sys_read_only";
    case Reason::kOutsideUsersTree:
      return "outside_users_tree";
    case Reason::kOtherUserPrefix:
      return "other_user_prefix";
    case Reason::kNotDeviceTopic:
      return "not_device_topic";
    case Reason::kNotOwnDevice:
      return "not_own_device";
    case Reason::kDeviceNotBound:
      return "device_not_bound";
    case Reason::kTopicNotPermitted:
      return "topic_not_permitted";
    case Reason::kTargetDeviceUnknown:
      return "target_device_unknown";
    case Reason::kTargetDeviceNotOwned:
      return "target_device_not_owned";
    case Reason::kNoMatchingRule:
      return "no_matching_rule";
  }
  return "unknown_reason";
}

}  // namespace iothub::acl
