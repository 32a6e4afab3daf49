// FleetChanges: what changed between two fleet snapshots that a live broker must hear
// about at once: devices newly revoked and devices whose current certificate was
// revoked or replaced (their sessions are kicked: a live session may run on that
// certificate, e.g. a previous owner's after an unbind; not when a renewal replaced it
// and left it in grace), and whether any
// access decision may differ (bindings, device states, user roles or plans), in which
// case the broker's authorization cache is cleared. Pure function; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "model/fleet_snapshot.h"

namespace iothub {

struct FleetChanges {
  std::vector<std::string> revoked_devices;
  std::vector<std::string> certificate_changed;  // not revoked; certificate gone or new
  bool access_changed = false;
};

FleetChanges DiffFleets(const FleetSnapshot& before, const FleetSnapshot& after);

}  // namespace iothub
