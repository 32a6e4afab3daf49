// CountExpiringCertificates: the current certificate of each device that is not revoked,
// by its end (expired ones included); a certificate in grace is not counted.
#include "model/certificate_expiry.h"

#include <gtest/gtest.h>

namespace iothub {
namespace {

constexpr UnixMillis kDay = 24LL * 3600 * 1000;
constexpr UnixMillis kNow = 1'800'000'000'000;

void AddDevice(FleetSnapshot& fleet, const std::string& id, std::uint8_t tag, UnixMillis valid_to,
               DeviceStatus status = DeviceStatus::kUnbound) {
  const Fingerprint fingerprint = {tag};
  fleet.AddDevice({.id = id,
                   .owner_id = "",
                   .status = status,
                   .current_fingerprint = fingerprint,
                   .has_certificate = true});
  fleet.AddCertificate(fingerprint, {.device_id = id, .valid_from = 0, .valid_to = valid_to});
}

TEST(CertificateExpiryTest, CountsCurrentCertificatesByTheirEnd) {
  FleetSnapshot fleet;
  AddDevice(fleet, "expired", 1, kNow - kDay);
  AddDevice(fleet, "in-3-days", 2, kNow + 3 * kDay);
  AddDevice(fleet, "in-7-days", 3, kNow + 7 * kDay);
  AddDevice(fleet, "in-20-days", 4, kNow + 20 * kDay);
  AddDevice(fleet, "in-31-days", 5, kNow + 31 * kDay);
  AddDevice(fleet, "revoked", 6, kNow + kDay, DeviceStatus::kRevoked);
  fleet.AddDevice({.id = "no-certificate", .owner_id = "", .status = DeviceStatus::kUnbound});
  // An old certificate in grace, ending tomorrow, beside a current one of a year.
  fleet.AddCertificate({7}, {.device_id = "in-31-days",
                             .valid_from = 0,
                             .valid_to = kNow + kDay,
                             .grace_until = kNow + kDay});
  const ExpiringCertificates counts = CountExpiringCertificates(fleet, kNow);
  EXPECT_EQ(counts.within_7_days, 3);
  EXPECT_EQ(counts.within_30_days, 4);
}

}  // namespace
}  // namespace iothub
