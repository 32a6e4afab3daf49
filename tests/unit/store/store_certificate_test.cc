// Certificates in every Store backend: insert/lookup, the current-certificate rule, revocation,
// the CRL list, and referential integrity.
#include <gtest/gtest.h>

#include <map>

#include "store_fixture.h"

namespace iothub::store {
namespace {

class CertificateTest : public StoreContractTest {
 protected:
  void SetUp() override {
    StoreContractTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_OK(store_->CreateDevice(MakeDevice("dev-1")));
    ASSERT_OK(store_->CreateDevice(MakeDevice("dev-2")));
  }
};

// A certificate reads back field for field by fingerprint, in any accepted spelling.
TEST_P(CertificateTest, InsertAndGetRoundTrip) {
  const Certificate c = MakeCertificate("c1", "dev-1", MakeFingerprint(0xAB, 1), "0A1B", 2000);
  ASSERT_OK(store_->InsertCertificate(c));
  ASSERT_OK_AND_ASSIGN(Certificate got, store_->GetCertificateByFingerprint(c.fingerprint));
  EXPECT_EQ(got.id, "c1");
  EXPECT_EQ(got.device_id, "dev-1");
  EXPECT_EQ(got.client_cert_pem, c.client_cert_pem);
  EXPECT_EQ(got.ca_cert_pem, c.ca_cert_pem);
  EXPECT_EQ(got.fingerprint, c.fingerprint);
  EXPECT_EQ(got.serial_number, "0A1B");
  EXPECT_EQ(got.valid_from, c.valid_from);
  EXPECT_EQ(got.valid_to, c.valid_to);
  EXPECT_EQ(got.created_at, 2000);
  EXPECT_EQ(got.revoked_at, std::nullopt);
  EXPECT_EQ(got.revocation_reason, std::nullopt);

  std::string lower_no_colons;
  for (char ch : c.fingerprint) {
    if (ch != ':') lower_no_colons.push_back(static_cast<char>(std::tolower(ch)));
  }
  ASSERT_OK_AND_ASSIGN(Certificate again, store_->GetCertificateByFingerprint(lower_no_colons));
  EXPECT_EQ(again.id, "c1");
  EXPECT_CODE(store_->GetCertificateByFingerprint(FormatFingerprint(MakeFingerprint(0x01))),
              kNotFound);
  EXPECT_CODE(store_->GetCertificateByFingerprint("not hex"), kInvalidArgument);
}

// A fingerprint given in lowercase without colons is stored in canonical form.
TEST_P(CertificateTest, FingerprintIsStoredCanonical) {
  Certificate c = MakeCertificate("c1", "dev-1", MakeFingerprint(0xCD), "01");
  const std::string canonical = c.fingerprint;
  c.fingerprint.clear();
  for (char ch : canonical) {
    if (ch != ':') c.fingerprint.push_back(static_cast<char>(std::tolower(ch)));
  }
  ASSERT_OK(store_->InsertCertificate(c));
  EXPECT_EQ(store_->GetCurrentCertificate("dev-1")->fingerprint, canonical);
  Certificate bad = MakeCertificate("c2", "dev-1", MakeFingerprint(0xCE), "02");
  bad.fingerprint = "AB:CD";
  EXPECT_CODE(store_->InsertCertificate(bad), kInvalidArgument);
}

// Taken fingerprint, serial or id is AlreadyExists, and the failed insert supersedes
// nothing.
TEST_P(CertificateTest, UniqueViolationsWriteNothing) {
  ASSERT_OK(store_->InsertCertificate(MakeCertificate("c1", "dev-1", MakeFingerprint(1), "01")));
  EXPECT_CODE(store_->InsertCertificate(MakeCertificate("c2", "dev-1", MakeFingerprint(1), "02")),
              kAlreadyExists);
  EXPECT_CODE(store_->InsertCertificate(MakeCertificate("c3", "dev-1", MakeFingerprint(3), "01")),
              kAlreadyExists);
  EXPECT_CODE(store_->InsertCertificate(MakeCertificate("c1", "dev-1", MakeFingerprint(4), "04")),
              kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(Certificate current, store_->GetCurrentCertificate("dev-1"));
  EXPECT_EQ(current.id, "c1");
  EXPECT_EQ(current.revoked_at, std::nullopt);
  EXPECT_EQ(store_->ListCertificatesOfDevice("dev-1")->size(), 1u);
}

// A certificate for a device that does not exist violates the foreign key.
TEST_P(CertificateTest, UnknownDeviceIsFailedPrecondition) {
  EXPECT_CODE(store_->InsertCertificate(MakeCertificate("c1", "ghost", MakeFingerprint(1), "01")),
              kFailedPrecondition);
  EXPECT_CODE(store_->GetCertificateByFingerprint(FormatFingerprint(MakeFingerprint(1))),
              kNotFound);
}

// Current-certificate rule: a new certificate supersedes the device's previous one
// (revoked with reason "superseded" at the new one's created_at); other devices are
// untouched.
TEST_P(CertificateTest, NewCertificateSupersedesOld) {
  EXPECT_CODE(store_->GetCurrentCertificate("dev-1"), kNotFound);
  ASSERT_OK(
      store_->InsertCertificate(MakeCertificate("c1", "dev-1", MakeFingerprint(1), "01", 1000)));
  ASSERT_OK(
      store_->InsertCertificate(MakeCertificate("other", "dev-2", MakeFingerprint(9), "09", 1500)));
  ASSERT_OK(
      store_->InsertCertificate(MakeCertificate("c2", "dev-1", MakeFingerprint(2), "02", 2000)));

  ASSERT_OK_AND_ASSIGN(Certificate current, store_->GetCurrentCertificate("dev-1"));
  EXPECT_EQ(current.id, "c2");
  ASSERT_OK_AND_ASSIGN(Certificate old,
                       store_->GetCertificateByFingerprint(FormatFingerprint(MakeFingerprint(1))));
  EXPECT_EQ(old.revoked_at, std::optional<UnixMillis>(2000));
  EXPECT_EQ(old.revocation_reason, std::optional<std::string>("superseded"));
  EXPECT_EQ(store_->GetCurrentCertificate("dev-2")->id, "other");

  ASSERT_OK_AND_ASSIGN(auto all, store_->ListCertificatesOfDevice("dev-1"));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "c2");  // newest first
  EXPECT_EQ(all[1].id, "c1");
}

// Revoking by fingerprint sets time and reason once; repeating keeps the first; unknown
// is NotFound.
TEST_P(CertificateTest, RevokeByFingerprint) {
  const std::string fp = FormatFingerprint(MakeFingerprint(1));
  ASSERT_OK(store_->InsertCertificate(MakeCertificate("c1", "dev-1", MakeFingerprint(1), "01")));
  ASSERT_OK(store_->RevokeCertificate(fp, "key compromise", 3000));
  ASSERT_OK(store_->RevokeCertificate(fp, "again", 4000));
  ASSERT_OK_AND_ASSIGN(Certificate got, store_->GetCertificateByFingerprint(fp));
  EXPECT_EQ(got.revoked_at, std::optional<UnixMillis>(3000));
  EXPECT_EQ(got.revocation_reason, std::optional<std::string>("key compromise"));
  EXPECT_CODE(store_->GetCurrentCertificate("dev-1"), kNotFound);
  EXPECT_CODE(store_->RevokeCertificate(FormatFingerprint(MakeFingerprint(7)), "x", 1), kNotFound);
}

// Revoking a device's certificates touches only its unrevoked ones and counts them.
TEST_P(CertificateTest, RevokeAllOfDevice) {
  ASSERT_OK(
      store_->InsertCertificate(MakeCertificate("c1", "dev-1", MakeFingerprint(1), "01", 1000)));
  ASSERT_OK(store_->InsertCertificate(
      MakeCertificate("c2", "dev-1", MakeFingerprint(2), "02", 2000)));  // supersedes c1
  ASSERT_OK(
      store_->InsertCertificate(MakeCertificate("c3", "dev-2", MakeFingerprint(3), "03", 2500)));
  ASSERT_OK_AND_ASSIGN(std::int64_t revoked,
                       store_->RevokeCertificatesOfDevice("dev-1", "device revoked", 5000));
  EXPECT_EQ(revoked, 1);
  EXPECT_EQ(
      store_->GetCertificateByFingerprint(FormatFingerprint(MakeFingerprint(1)))->revocation_reason,
      std::optional<std::string>("superseded"));
  EXPECT_EQ(
      store_->GetCertificateByFingerprint(FormatFingerprint(MakeFingerprint(2)))->revocation_reason,
      std::optional<std::string>("device revoked"));
  EXPECT_OK(store_->GetCurrentCertificate("dev-2"));
  EXPECT_EQ(store_->RevokeCertificatesOfDevice("dev-1", "again", 6000).value(), 0);
}

// The CRL list holds every revoked certificate's serial and time, oldest first.
TEST_P(CertificateTest, ListRevokedForCrl) {
  EXPECT_TRUE(store_->ListRevokedCertificates()->empty());
  ASSERT_OK(
      store_->InsertCertificate(MakeCertificate("c1", "dev-1", MakeFingerprint(1), "01", 1000)));
  ASSERT_OK(
      store_->InsertCertificate(MakeCertificate("c2", "dev-1", MakeFingerprint(2), "02", 2000)));
  ASSERT_OK(
      store_->InsertCertificate(MakeCertificate("c3", "dev-2", MakeFingerprint(3), "03", 1500)));
  ASSERT_OK(store_->RevokeCertificate(FormatFingerprint(MakeFingerprint(3)), "x", 1800));
  ASSERT_OK_AND_ASSIGN(auto crl, store_->ListRevokedCertificates());
  ASSERT_EQ(crl.size(), 2u);
  EXPECT_EQ(crl[0].serial_number, "03");
  EXPECT_EQ(crl[0].revoked_at, 1800);
  EXPECT_EQ(crl[1].serial_number, "01");
  EXPECT_EQ(crl[1].revoked_at, 2000);
}

// CA rotation: active (unrevoked, unexpired) certificates are counted per CA
// certificate, the CRL list names each entry's CA, and revoking by CA touches only
// that CA's unrevoked certificates.
TEST_P(CertificateTest, CountAndRevokeByCa) {
  const std::string other_ca = "-----BEGIN CERTIFICATE-----\nOTHER\n-----END CERTIFICATE-----\n";
  ASSERT_OK(
      store_->InsertCertificate(MakeCertificate("c1", "dev-1", MakeFingerprint(1), "01", 1000)));
  Certificate second = MakeCertificate("c2", "dev-2", MakeFingerprint(2), "02", 1000);
  second.ca_cert_pem = other_ca;
  ASSERT_OK(store_->InsertCertificate(second));
  ASSERT_OK(store_->CreateDevice(MakeDevice("dev-3")));
  Certificate expired = MakeCertificate("c3", "dev-3", MakeFingerprint(3), "03", 1000);
  expired.ca_cert_pem = other_ca;
  expired.valid_to = 1500;
  ASSERT_OK(store_->InsertCertificate(expired));

  ASSERT_OK_AND_ASSIGN(auto counts, store_->CountActiveCertificatesByCa(2000));
  ASSERT_EQ(counts.size(), 2u);
  std::map<std::string, std::int64_t> by_ca;
  for (const auto& count : counts) by_ca[count.ca_cert_pem] = count.count;
  EXPECT_EQ(by_ca[other_ca], 1);
  EXPECT_EQ(by_ca[MakeCertificate("x", "x", MakeFingerprint(9), "09").ca_cert_pem], 1);

  ASSERT_OK_AND_ASSIGN(std::int64_t revoked,
                       store_->RevokeCertificatesSignedBy(other_ca, "CA retired", 3000));
  EXPECT_EQ(revoked, 2);  // the expired one too: it is unrevoked
  EXPECT_EQ(store_->RevokeCertificatesSignedBy(other_ca, "again", 4000).value(), 0);
  EXPECT_FALSE(store_->GetCertificateByFingerprint(FormatFingerprint(MakeFingerprint(1)))
                   ->revoked_at.has_value());
  ASSERT_OK_AND_ASSIGN(auto after, store_->CountActiveCertificatesByCa(2000));
  ASSERT_EQ(after.size(), 1u);
  ASSERT_OK_AND_ASSIGN(auto crl, store_->ListRevokedCertificates());
  ASSERT_EQ(crl.size(), 2u);
  EXPECT_EQ(crl[0].ca_cert_pem, other_ca);
  EXPECT_EQ(crl[0].revoked_at, 3000);
}

// An already-revoked certificate inserted (e.g. imported) does not supersede the
// device's current one.
TEST_P(CertificateTest, InsertingRevokedCertificateKeepsCurrent) {
  ASSERT_OK(store_->InsertCertificate(MakeCertificate("c1", "dev-1", MakeFingerprint(1), "01")));
  Certificate revoked = MakeCertificate("c0", "dev-1", MakeFingerprint(2), "02", 500);
  revoked.revoked_at = 600;
  revoked.revocation_reason = "imported";
  ASSERT_OK(store_->InsertCertificate(revoked));
  EXPECT_EQ(store_->GetCurrentCertificate("dev-1")->id, "c1");
}

INSTANTIATE_STORE_CONTRACT(CertificateTest);

}  // namespace
}  // namespace iothub::store
