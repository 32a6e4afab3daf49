// The hub's own authorization policy over its topic layout (contract section 1):
//   users/{userId}/devices/{deviceId}/{rpc/request|rpc/response|telemetry|attributes|status}
// and the renewal topics devices/{deviceId}/cert/renew[/reply] (docs/certificates.md).
// Pure function of its arguments; thread-safe; O(topic length) with at most one hash
// lookup in the fleet, and no allocation.
#pragma once

#include <string_view>

#include "acl/acl_rule.h"
#include "acl/decision.h"
#include "model/fleet_snapshot.h"
#include "model/principal.h"

namespace iothub::acl {

// Decides a request that no configured rule matched. Preconditions (AclPolicy::Check
// establishes them): `topic` is a valid topic name (publish) or filter (subscribe) and
// not under $SYS unless the principal is an admin; for a device, `self` is its current,
// non-revoked record in `fleet` and its id is a valid id; for a user, its id is valid.
// `self` is ignored for other kinds.
//
// - device d, bound to u (status bound, per `self`, not the principal's cached owner):
//   SUBSCRIBE exactly users/u/devices/d/rpc/request or users/+/devices/d/rpc/request;
//   PUBLISH users/u/devices/d/{rpc/response,telemetry,attributes,status}.
// - device d, unbound: nothing. An unbound device has no owner, so no user's tree is
//   its own (a status it could publish under any user id would sit, retained, in that
//   user's tree).
// - user u: PUBLISH users/u/devices/{d}/rpc/request when d is bound to u in `fleet`;
//   SUBSCRIBE any filter whose first three levels are literally users, u, devices and
//   that has at least one more level, whose fourth level is '+', '#' or a device bound
//   to u (wildcards only from the fourth level on).
// - admin: users/# both ways and SUBSCRIBE $SYS/#. service: users/# both ways.
// - renewal (model/renewal_topic.h), before all of the above: device d, bound or not,
//   PUBLISH exactly devices/d/cert/renew and SUBSCRIBE exactly devices/d/cert/renew/reply;
//   the hub's own link (a service with hub_link) PUBLISH devices/{any}/cert/renew/reply;
//   nobody else either way (a filter with a wildcard device level never matches an id).
Decision CheckBuiltinPolicy(const Principal& principal, const DeviceRecord* self, Action action,
                            std::string_view topic, const FleetSnapshot& fleet);

}  // namespace iothub::acl
