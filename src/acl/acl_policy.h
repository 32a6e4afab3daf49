// AclPolicy: answers client.authorize - may this principal publish to / subscribe to
// this topic? - from the configured extra rules and the hub's built-in policy.
//
// Immutable once constructed: Check is const, never blocks, never allocates, and may be
// called from any number of threads at once. To change the rules, build a new AclPolicy
// and publish it as a shared_ptr<const AclPolicy> snapshot (see common/snapshot_cell.h).
// Fleet state (bindings, revocations) is not cached here: every Check reads the
// FleetSnapshot it is given, so a bind, unbind or revoke applies to the next call.
#pragma once

#include <string_view>
#include <vector>

#include "acl/acl_rule.h"
#include "acl/decision.h"
#include "acl/rule_trie.h"
#include "model/fleet_snapshot.h"
#include "model/principal.h"

namespace iothub::acl {

class AclPolicy {
 public:
  // `rules` (from ParseAclRules) are tried in order before the built-in policy; the
  // first that applies decides.
  explicit AclPolicy(std::vector<AclRule> rules = {});

  // Decides one request, in this order; the first step that decides wins:
  //  1. The topic: a publish topic must be a valid topic name without wildcards, a
  //     subscribe filter a valid topic filter ("$share/{group}/" and "$queue/" are
  //     stripped first, for EMQX versions that do not strip them).
  //  2. The principal: a device or user id must be a valid id; a device must have
  //     connected with clientid == its id, and must be in `fleet` and not revoked
  //     (no rule can re-admit it); nobody but an admin gets $SYS/... (no rule can open
  //     it).
  //  3. The configured rules: the lowest-numbered applicable rule decides.
  //  4. The built-in policy (builtin_policy.h).
  // Placeholders in rules: ${clientid} and ${username} are the principal's; ${device_id}
  // is a device's id; ${user_id} is a user's or admin's id, or a device's current owner
  // (from `fleet`, while bound); otherwise they are unset and match nothing.
  Decision Check(const Principal& principal, Action action, std::string_view topic,
                 const FleetSnapshot& fleet) const;

  const std::vector<AclRule>& rules() const { return rules_.rules(); }

 private:
  RuleTrie rules_;
};

}  // namespace iothub::acl
