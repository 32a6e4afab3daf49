#include "model/fleet_snapshot.h"

#include <gtest/gtest.h>

namespace iothub {
namespace {

// Devices, certificates and users are found by their keys; absent keys give nullptr.
TEST(FleetSnapshotTest, FindsWhatWasAdded) {
  FleetSnapshot snapshot;
  Fingerprint fp{};
  fp[0] = 0xAB;
  snapshot.AddDevice({.id = "dev-1",
                      .owner_id = "u1",
                      .status = DeviceStatus::kBound,
                      .current_fingerprint = fp,
                      .has_certificate = true});
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

#include "model/fleet_changes.h"

namespace iothub {
namespace {

// A revocation is reported once, with the device; an unchanged fleet reports nothing.
TEST(FleetChangesTest, ReportsRevocationsAndAccessChanges) {
  FleetSnapshot before;
  before.AddDevice({.id = "d1", .owner_id = "u1", .status = DeviceStatus::kBound});
  before.AddDevice({.id = "d2", .owner_id = "", .status = DeviceStatus::kUnbound});
  before.AddUser({.id = "u1", .subject = "s", .role = Role::kUser, .plan = "free"});

  EXPECT_TRUE(DiffFleets(before, before).revoked_devices.empty());
  EXPECT_FALSE(DiffFleets(before, before).access_changed);

  FleetSnapshot after;
  after.AddDevice({.id = "d1", .owner_id = "u1", .status = DeviceStatus::kRevoked});
  after.AddDevice({.id = "d2", .owner_id = "", .status = DeviceStatus::kUnbound});
  after.AddUser({.id = "u1", .subject = "s", .role = Role::kUser, .plan = "free"});
  const FleetChanges revoked = DiffFleets(before, after);
  EXPECT_EQ(revoked.revoked_devices, std::vector<std::string>{"d1"});
  EXPECT_TRUE(revoked.access_changed);

  FleetSnapshot bound;
  bound.AddDevice({.id = "d1", .owner_id = "u1", .status = DeviceStatus::kBound});
  bound.AddDevice({.id = "d2", .owner_id = "u1", .status = DeviceStatus::kBound});
  bound.AddUser({.id = "u1", .subject = "s", .role = Role::kUser, .plan = "pro"});
  const FleetChanges binding = DiffFleets(before, bound);
  EXPECT_TRUE(binding.revoked_devices.empty());
  EXPECT_TRUE(binding.access_changed);
}

}  // namespace
}  // namespace iothub
