// FleetChanges: what changed between two fleet snapshots that a live broker must hear
// about at once: devices newly revoked (their sessions are kicked) and whether any
// access decision may differ (bindings, device states, user roles or plans), in which
// case the broker's authorization cache is cleared. Pure function; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "model/fleet_snapshot.h"

namespace iothub {

struct FleetChanges {
  std::vector<std::string> revoked_devices;
  bool access_changed = false;
};

FleetChanges DiffFleets(const FleetSnapshot& before, const FleetSnapshot& after);

}  // namespace iothub
