// Test values for the ACL tests, built field by field (designated initializers that
// skip members warn under -Wextra).
#pragma once

#include <string>

#include "model/fleet_snapshot.h"
#include "model/principal.h"

namespace iothub::acl::testing {

inline DeviceRecord Rec(std::string id, std::string owner, DeviceStatus status) {
  DeviceRecord record;
  record.id = std::move(id);
  record.owner_id = std::move(owner);
  record.status = status;
  return record;
}

inline Principal Make(PrincipalKind kind, std::string id, std::string clientid = "",
                      std::string username = "", std::string owner = "") {
  Principal p;
  p.kind = kind;
  p.id = std::move(id);
  p.clientid = std::move(clientid);
  p.username = std::move(username);
  p.owner_id = std::move(owner);
  return p;
}

}  // namespace iothub::acl::testing
