#include "model/fleet_snapshot.h"

#include <gtest/gtest.h>

#include <optional>

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

// A renewal replaces the current certificate but leaves the old one in grace: its
// sessions stay (nothing reported); once the old one is revoked, nothing either (the
// current one did not change).
TEST(FleetChangesTest, RenewalIsNotACertificateChange) {
  const Fingerprint old_fp = {1};
  const Fingerprint new_fp = {2};
  FleetSnapshot before;
  before.AddDevice({.id = "d1",
                    .owner_id = "u1",
                    .status = DeviceStatus::kBound,
                    .current_fingerprint = old_fp,
                    .has_certificate = true});
  before.AddCertificate(old_fp, {.device_id = "d1", .valid_from = 0, .valid_to = 10});
  FleetSnapshot renewed;
  renewed.AddDevice({.id = "d1",
                     .owner_id = "u1",
                     .status = DeviceStatus::kBound,
                     .current_fingerprint = new_fp,
                     .has_certificate = true,
                     .has_grace_certificate = true});
  renewed.AddCertificate(old_fp,
                         {.device_id = "d1", .valid_from = 0, .valid_to = 10, .grace_until = 5});
  renewed.AddCertificate(new_fp, {.device_id = "d1", .valid_from = 0, .valid_to = 20});
  EXPECT_TRUE(DiffFleets(before, renewed).certificate_changed.empty());

  FleetSnapshot replaced;
  replaced.AddDevice({.id = "d1",
                      .owner_id = "u1",
                      .status = DeviceStatus::kBound,
                      .current_fingerprint = new_fp,
                      .has_certificate = true});
  replaced.AddCertificate(old_fp,
                          {.device_id = "d1", .valid_from = 0, .valid_to = 10, .revoked = true});
  replaced.AddCertificate(new_fp, {.device_id = "d1", .valid_from = 0, .valid_to = 20});
  EXPECT_EQ(DiffFleets(before, replaced).certificate_changed, std::vector<std::string>{"d1"});
  EXPECT_TRUE(DiffFleets(renewed, replaced).certificate_changed.empty());
}

// A device whose current certificate is revoked or replaced is reported (its live
// session may run on that certificate); a first certificate or a revoked device is not.
TEST(FleetChangesTest, ReportsDevicesWhoseCertificateChanged) {
  Fingerprint a{}, b{};
  a[0] = 1;
  b[0] = 2;
  const auto fleet = [](std::optional<Fingerprint> d1, std::optional<Fingerprint> d2,
                        DeviceStatus d3_status) {
    FleetSnapshot f;
    f.AddDevice({.id = "d1",
                 .owner_id = "",
                 .status = DeviceStatus::kUnbound,
                 .current_fingerprint = d1.value_or(Fingerprint{}),
                 .has_certificate = d1.has_value()});
    f.AddDevice({.id = "d2",
                 .owner_id = "",
                 .status = DeviceStatus::kUnbound,
                 .current_fingerprint = d2.value_or(Fingerprint{}),
                 .has_certificate = d2.has_value()});
    f.AddDevice({.id = "d3",
                 .owner_id = "",
                 .status = d3_status,
                 .current_fingerprint = {},
                 .has_certificate = d3_status != DeviceStatus::kRevoked});
    return f;
  };
  const FleetSnapshot before = fleet(a, std::nullopt, DeviceStatus::kUnbound);
  EXPECT_TRUE(DiffFleets(before, before).certificate_changed.empty());
  // d1 loses its certificate (e.g. unbind revoked it), d2 gets its first one.
  EXPECT_EQ(DiffFleets(before, fleet(std::nullopt, a, DeviceStatus::kUnbound)).certificate_changed,
            std::vector<std::string>{"d1"});
  // d1's certificate is replaced.
  EXPECT_EQ(DiffFleets(before, fleet(b, std::nullopt, DeviceStatus::kUnbound)).certificate_changed,
            std::vector<std::string>{"d1"});
  // d3 revoked: reported as revoked only.
  const FleetChanges revoked = DiffFleets(before, fleet(a, std::nullopt, DeviceStatus::kRevoked));
  EXPECT_TRUE(revoked.certificate_changed.empty());
  EXPECT_EQ(revoked.revoked_devices, std::vector<std::string>{"d3"});
}

}  // namespace
}  // namespace iothub
