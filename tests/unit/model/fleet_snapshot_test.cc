#include "model/fleet_snapshot.h"

#include <gtest/gtest.h>

namespace iothub {
namespace {

// Devices, certificates and users are found by their keys; absent keys give nullptr.
TEST(FleetSnapshotTest, FindsWhatWasAdded) {
  FleetSnapshot snapshot;
  Fingerprint fp{};
  fp[0] = 0xAB;
  snapshot.AddDevice({.id = "dev-1", .owner_id = "u1", .status = DeviceStatus::kBound,
                      .current_fingerprint = fp, .has_certificate = true});
  snapshot.AddCertificate(fp, {.device_id = "dev-1", .valid_from = 1, .valid_to = 2});
  snapshot.AddUser({.id = "u1", .subject = "sub-1", .role = Role::kAdmin, .plan = "pro"});

  ASSERT_NE(snapshot.FindDevice("dev-1"), nullptr);
  EXPECT_EQ(snapshot.FindDevice("dev-1")->owner_id, "u1");
  EXPECT_EQ(snapshot.FindDevice("dev-2"), nullptr);
  ASSERT_NE(snapshot.FindCertificate(fp), nullptr);
  EXPECT_EQ(snapshot.FindCertificate(fp)->device_id, "dev-1");
  EXPECT_EQ(snapshot.FindCertificate(Fingerprint{}), nullptr);
  ASSERT_NE(snapshot.FindUserBySubject("sub-1"), nullptr);
  EXPECT_EQ(snapshot.FindUserBySubject("sub-1")->id, "u1");
  EXPECT_EQ(snapshot.FindUserBySubject("nobody"), nullptr);
}

}  // namespace
}  // namespace iothub
