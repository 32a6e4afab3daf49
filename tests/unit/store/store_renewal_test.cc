// Renewal grace in every Store backend (schema v5): a renewed certificate leaves the
// one the device renewed with in grace, beside it; the grace ends when the successor is
// used (the registry revokes it) or when it runs out; the fleet snapshot and the
// expiring listing see both.
#include <gtest/gtest.h>

#include "store_fixture.h"

namespace iothub::store {
namespace {

constexpr UnixMillis kDay = 24LL * 3600 * 1000;

class RenewalTest : public StoreContractTest {
 protected:
  void SetUp() override {
    StoreContractTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_OK(store_->CreateDevice(MakeDevice("dev-1")));
    ASSERT_OK(store_->CreateDevice(MakeDevice("dev-2", 1001)));
    ASSERT_OK(store_->InsertCertificate(old_));
  }

  const Certificate old_ = MakeCertificate("old", "dev-1", MakeFingerprint(0x01), "01", 2000);
  const Certificate new_ = MakeCertificate("new", "dev-1", MakeFingerprint(0x02), "02", 3000);
};

// The renewed certificate is current; the renewing one stays unrevoked with its grace.
TEST_P(RenewalTest, SuccessorIsCurrentAndPredecessorKeepsGrace) {
  ASSERT_OK(store_->InsertRenewedCertificate(new_, old_.fingerprint, 9000));
  ASSERT_OK_AND_ASSIGN(Certificate current, store_->GetCurrentCertificate("dev-1"));
  EXPECT_EQ(current.id, "new");
  EXPECT_EQ(current.grace_until, std::nullopt);
  ASSERT_OK_AND_ASSIGN(Certificate old, store_->GetCertificateByFingerprint(old_.fingerprint));
  EXPECT_EQ(old.revoked_at, std::nullopt);
  EXPECT_EQ(old.grace_until, 9000);

  ASSERT_OK_AND_ASSIGN(std::shared_ptr<FleetSnapshot> fleet, store_->LoadFleet());
  const DeviceRecord* device = fleet->FindDevice("dev-1");
  ASSERT_NE(device, nullptr);
  EXPECT_EQ(device->current_fingerprint, MakeFingerprint(0x02));
  EXPECT_TRUE(device->has_grace_certificate);
  const CertificateRecord* in_grace = fleet->FindCertificate(MakeFingerprint(0x01));
  ASSERT_NE(in_grace, nullptr);
  EXPECT_FALSE(in_grace->revoked);
  EXPECT_EQ(in_grace->grace_until, 9000);
  EXPECT_FALSE(fleet->FindDevice("dev-2")->has_grace_certificate);
}

// Renewing again from the certificate in grace keeps that one and supersedes the unused
// successor; renewing from the successor supersedes the old one: never more than two.
TEST_P(RenewalTest, SecondRenewalKeepsOnlyTheRenewingCertificate) {
  ASSERT_OK(store_->InsertRenewedCertificate(new_, old_.fingerprint, 9000));
  const Certificate third = MakeCertificate("third", "dev-1", MakeFingerprint(0x03), "03", 4000);
  ASSERT_OK(store_->InsertRenewedCertificate(third, old_.fingerprint, 9500));
  ASSERT_OK_AND_ASSIGN(Certificate unused, store_->GetCertificateByFingerprint(new_.fingerprint));
  EXPECT_EQ(unused.revoked_at, 4000);
  EXPECT_EQ(unused.revocation_reason, std::string(kSupersededReason));
  EXPECT_EQ(store_->GetCertificateByFingerprint(old_.fingerprint)->grace_until, 9500);

  const Certificate fourth = MakeCertificate("fourth", "dev-1", MakeFingerprint(0x04), "04", 5000);
  ASSERT_OK(store_->InsertRenewedCertificate(fourth, third.fingerprint, 9900));
  EXPECT_EQ(store_->GetCertificateByFingerprint(old_.fingerprint)->revoked_at, 5000);
  EXPECT_EQ(store_->GetCertificateByFingerprint(third.fingerprint)->revoked_at, std::nullopt);
  EXPECT_EQ(store_->GetCurrentCertificate("dev-1")->id, "fourth");
}

// The renewing certificate must be an unrevoked one of the same device; a refused
// renewal writes nothing. A successor that is revoked or in grace is refused.
TEST_P(RenewalTest, RenewingCertificateMustBeUsable) {
  ASSERT_OK(store_->InsertCertificate(
      MakeCertificate("other", "dev-2", MakeFingerprint(0x09), "09", 2500)));
  EXPECT_CODE(
      store_->InsertRenewedCertificate(new_, FormatFingerprint(MakeFingerprint(0x09)), 9000),
      kFailedPrecondition);
  EXPECT_CODE(
      store_->InsertRenewedCertificate(new_, FormatFingerprint(MakeFingerprint(0x07)), 9000),
      kFailedPrecondition);
  EXPECT_CODE(store_->InsertRenewedCertificate(new_, "zz", 9000), kInvalidArgument);
  ASSERT_OK(store_->RevokeCertificate(old_.fingerprint, "lost", 2600));
  EXPECT_CODE(store_->InsertRenewedCertificate(new_, old_.fingerprint, 9000), kFailedPrecondition);
  EXPECT_CODE(store_->GetCertificateByFingerprint(new_.fingerprint), kNotFound);

  Certificate revoked = new_;
  revoked.revoked_at = 3000;
  EXPECT_CODE(store_->InsertRenewedCertificate(revoked, old_.fingerprint, 9000), kInvalidArgument);
  Certificate in_grace = new_;
  in_grace.grace_until = 9000;
  EXPECT_CODE(store_->InsertRenewedCertificate(in_grace, old_.fingerprint, 9000), kInvalidArgument);
}

// A grace that ran out is superseded at its own end, not at the sweep's time.
TEST_P(RenewalTest, ExpiredGracesAreSupersededAtTheirEnd) {
  ASSERT_OK(store_->InsertCertificate(
      MakeCertificate("d2-old", "dev-2", MakeFingerprint(0x11), "11", 2000)));
  ASSERT_OK(store_->InsertRenewedCertificate(
      MakeCertificate("d2-new", "dev-2", MakeFingerprint(0x12), "12", 3000),
      FormatFingerprint(MakeFingerprint(0x11)), 20000));
  ASSERT_OK(store_->InsertRenewedCertificate(new_, old_.fingerprint, 9000));

  EXPECT_EQ(*store_->EndExpiredGraces(8999), 0);
  EXPECT_EQ(*store_->EndExpiredGraces(15000), 1);
  EXPECT_EQ(store_->GetCertificateByFingerprint(old_.fingerprint)->revoked_at, 9000);
  EXPECT_EQ(
      store_->GetCertificateByFingerprint(FormatFingerprint(MakeFingerprint(0x11)))->revoked_at,
      std::nullopt);
  EXPECT_EQ(*store_->EndExpiredGraces(15000), 0);
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<FleetSnapshot> fleet, store_->LoadFleet());
  EXPECT_FALSE(fleet->FindDevice("dev-1")->has_grace_certificate);
  EXPECT_TRUE(fleet->FindCertificate(MakeFingerprint(0x01))->revoked);
  EXPECT_TRUE(fleet->FindDevice("dev-2")->has_grace_certificate);
}

// A plain InsertCertificate (sign-device) supersedes a certificate in grace too.
TEST_P(RenewalTest, SigningSupersedesTheGrace) {
  ASSERT_OK(store_->InsertRenewedCertificate(new_, old_.fingerprint, 9000));
  ASSERT_OK(store_->InsertCertificate(
      MakeCertificate("signed", "dev-1", MakeFingerprint(0x05), "05", 6000)));
  EXPECT_EQ(store_->GetCertificateByFingerprint(old_.fingerprint)->revoked_at, 6000);
  EXPECT_EQ(store_->GetCertificateByFingerprint(new_.fingerprint)->revoked_at, 6000);
}

// Devices whose current certificate ends by a time: paged, per owner, without revoked
// devices and without a certificate in grace (its successor decides).
TEST_P(RenewalTest, ListsDevicesExpiring) {
  ASSERT_OK(store_->CreateUser(MakeUser("u1", "u1@example.com")));
  ASSERT_OK(store_->CreateDevice(MakeDevice("dev-3", 1002, "u1")));
  ASSERT_OK(store_->CreateDevice(MakeDevice("dev-4", 1003)));
  Certificate soon = MakeCertificate("c2", "dev-2", MakeFingerprint(0x21), "21", 2000);
  soon.valid_to = 10 * kDay;
  ASSERT_OK(store_->InsertCertificate(soon));
  Certificate owned = MakeCertificate("c3", "dev-3", MakeFingerprint(0x31), "31", 2000);
  owned.valid_to = 5 * kDay;
  ASSERT_OK(store_->InsertCertificate(owned));
  Certificate revoked_device = MakeCertificate("c4", "dev-4", MakeFingerprint(0x41), "41", 2000);
  revoked_device.valid_to = kDay;
  ASSERT_OK(store_->InsertCertificate(revoked_device));
  Device dev4 = *store_->GetDevice("dev-4");
  dev4.status = DeviceStatus::kRevoked;
  ASSERT_OK(store_->UpdateDevice(dev4));
  // dev-1's old certificate ends soon but it was renewed: the successor (a year) counts.
  Certificate old = old_;
  old.id = "old-2";
  old.serial_number = "0F";
  old.fingerprint = FormatFingerprint(MakeFingerprint(0x0F));
  old.valid_to = kDay;
  ASSERT_OK(store_->InsertCertificate(old));
  ASSERT_OK(store_->InsertRenewedCertificate(new_, old.fingerprint, 9000));

  ASSERT_OK_AND_ASSIGN(std::vector<Device> all, store_->ListDevicesExpiring(30 * kDay, 0, 10, {}));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "dev-2");
  EXPECT_EQ(all[1].id, "dev-3");
  EXPECT_EQ(*store_->CountDevicesExpiring(30 * kDay, {}), 2);
  EXPECT_EQ(*store_->CountDevicesExpiring(7 * kDay, {}), 1);
  EXPECT_EQ(store_->ListDevicesExpiring(30 * kDay, 1, 10, {})->at(0).id, "dev-3");
  ASSERT_OK_AND_ASSIGN(std::vector<Device> mine,
                       store_->ListDevicesExpiring(30 * kDay, 0, 10, "u1"));
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].id, "dev-3");
  EXPECT_EQ(*store_->CountDevicesExpiring(30 * kDay, "u1"), 1);
  EXPECT_EQ(*store_->CountDevicesExpiring(30 * kDay, "nobody"), 0);
  EXPECT_CODE(store_->ListDevicesExpiring(30 * kDay, -1, 10, {}), kInvalidArgument);
}

INSTANTIATE_STORE_CONTRACT(RenewalTest);

}  // namespace
}  // namespace iothub::store
