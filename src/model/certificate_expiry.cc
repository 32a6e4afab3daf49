#include "model/certificate_expiry.h"

namespace iothub {

ExpiringCertificates CountExpiringCertificates(const FleetSnapshot& fleet, UnixMillis now) {
  constexpr UnixMillis kDay = 24LL * 3600 * 1000;
  ExpiringCertificates counts;
  fleet.ForEachDevice([&](const DeviceRecord& device) {
    if (device.status == DeviceStatus::kRevoked || !device.has_certificate) return;
    const CertificateRecord* current = fleet.FindCertificate(device.current_fingerprint);
    if (current == nullptr) return;
    if (current->valid_to <= now + 7 * kDay) ++counts.within_7_days;
    if (current->valid_to <= now + 30 * kDay) ++counts.within_30_days;
  });
  return counts;
}

}  // namespace iothub
