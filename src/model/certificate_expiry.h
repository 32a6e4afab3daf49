// How many devices' certificates run out soon, from a fleet snapshot: the housekeeper
// turns it into the iothub_certificates_expiring gauges. Counts the current
// certificate of every device that is not revoked (a certificate in renewal grace is
// not current), including those already expired. Pure; O(devices).
#pragma once

#include <cstdint>

#include "common/clock.h"
#include "model/fleet_snapshot.h"

namespace iothub {

struct ExpiringCertificates {
  std::int64_t within_7_days = 0;
  std::int64_t within_30_days = 0;
};

ExpiringCertificates CountExpiringCertificates(const FleetSnapshot& fleet, UnixMillis now);

}  // namespace iothub
