// CA rotation (CaService, CaKeyring): the first CA in the old layout is generation 0,
// the newest trusted CA signs, the bundle holds every trusted CA, retiring follows its
// rules, the CRL has one part per trusted CA, and another process's changes are seen.
#include "registry/ca_service.h"

#include <gtest/gtest.h>

#include "registry_fixture.h"

namespace iothub::registry {
namespace {

std::size_t CountOf(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

class CaServiceTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    ASSERT_OK(devices().CreateDevice({.id = "dev-old"}, kActor));
    ASSERT_OK(devices().CreateDevice({.id = "dev-new"}, kActor));
  }

  CaService& cas() { return registry_->cas(); }

  absl::StatusOr<Certificate> Sign(const std::string& device_id) {
    return certificates().SignCsr({.device_id = device_id, .csr_pem = OpensslCsr(), .days = 30},
                                  kActor);
  }

  std::string FirstId() { return cas_->set()->entries().front().id; }
};

// The CA made before rotation existed (ca/ca.key + ca.crt) is generation 0 and signs.
TEST_F(CaServiceTest, ExistingCaIsTheFirstOfTheSet) {
  auto status = cas().Status();
  ASSERT_OK(status);
  ASSERT_EQ(status->size(), 1u);
  EXPECT_EQ((*status)[0].generation, 0);
  EXPECT_TRUE((*status)[0].signing);
  EXPECT_FALSE((*status)[0].retired_at);
  EXPECT_EQ((*status)[0].id.size(), 16u);
  EXPECT_EQ((*status)[0].subject, "CN=iot-hub CA");
  EXPECT_EQ(cas().Bundle().value(), CaPem());
}

// After a rotation the new CA signs, the old one stays trusted (bundle of two), and the
// status counts each CA's active certificates; the rotation is audited.
TEST_F(CaServiceTest, RotationSignsWithTheNewestCa) {
  const std::string old_pem = CaPem();
  auto old_cert = Sign("dev-old");
  ASSERT_OK(old_cert);
  auto rotated = cas().Rotate(crypto::KeyType::kEcP384, kActor);
  ASSERT_OK(rotated);
  EXPECT_EQ(rotated->generation, 1);
  EXPECT_TRUE(rotated->signing);
  EXPECT_NE(CaPem(), old_pem);
  auto new_cert = Sign("dev-new");
  ASSERT_OK(new_cert);
  EXPECT_EQ(new_cert->ca_cert_pem, CaPem());
  EXPECT_EQ(old_cert->ca_cert_pem, old_pem);

  const std::string bundle = cas().Bundle().value();
  EXPECT_EQ(CountOf(bundle, "BEGIN CERTIFICATE"), 2u);
  EXPECT_NE(bundle.find(old_pem), std::string::npos);

  auto status = cas().Status();
  ASSERT_OK(status);
  ASSERT_EQ(status->size(), 2u);
  EXPECT_EQ((*status)[0].active_certificates, 1);
  EXPECT_FALSE((*status)[0].signing);
  EXPECT_EQ((*status)[1].active_certificates, 1);
  EXPECT_EQ((*status)[1].id, rotated->id);
  // Distinct subjects: verifiers look issuers and CRLs up by name.
  EXPECT_NE((*status)[1].subject, (*status)[0].subject);
  EXPECT_TRUE((*status)[1].subject.starts_with("CN=iot-hub CA 20")) << (*status)[1].subject;
  auto audit = store_->ListAudit(100);
  ASSERT_OK(audit);
  EXPECT_TRUE(std::any_of(audit->begin(), audit->end(), [&](const store::AuditEntry& entry) {
    return entry.action == CaService::kRotateAction && entry.target == rotated->id;
  }));
}

// Retiring: never the signing CA; not while active certificates depend on it unless
// forced; forced, it revokes them, leaves the bundle and cannot be retired twice.
TEST_F(CaServiceTest, RetireRules) {
  const std::string old_id = FirstId();
  auto old_cert = Sign("dev-old");
  ASSERT_OK(old_cert);
  EXPECT_EQ(cas().Retire(old_id, false, kActor).status().code(),
            absl::StatusCode::kFailedPrecondition);  // it signs
  auto rotated = cas().Rotate(crypto::KeyType::kEcP256, kActor);
  ASSERT_OK(rotated);

  auto refused = cas().Retire(old_id, false, kActor);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("still backs 1 active"), std::string::npos);
  EXPECT_EQ(cas().Retire("not-an-id", true, kActor).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(cas().Retire("00112233445566ff", true, kActor).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(cas().Retire(rotated->id, true, kActor).status().code(),
            absl::StatusCode::kFailedPrecondition);  // the signing CA, even forced

  const int changes_before = changes_;
  std::string upper = old_id;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  auto retired = cas().Retire(upper, true, kActor);  // ids in any case
  ASSERT_OK(retired);
  EXPECT_EQ(retired->id, old_id);
  EXPECT_EQ(retired->revoked_certificates, 1);
  EXPECT_EQ(changes_, changes_before + 1);
  auto revoked = certificates().GetCertificate(old_cert->fingerprint);
  ASSERT_OK(revoked);
  EXPECT_EQ(revoked->revocation_reason, std::string(CaService::kRetiredReason));

  EXPECT_EQ(CountOf(cas().Bundle().value(), "BEGIN CERTIFICATE"), 1u);
  EXPECT_EQ(cas().Bundle().value(), CaPem());
  auto status = cas().Status();
  ASSERT_OK(status);
  EXPECT_TRUE((*status)[0].retired_at.has_value());
  EXPECT_EQ((*status)[0].active_certificates, 0);
  EXPECT_EQ(cas().Retire(old_id, true, kActor).status().code(),
            absl::StatusCode::kFailedPrecondition);  // already retired
}

// A CA without active certificates retires without --force.
TEST_F(CaServiceTest, RetireWithoutDependants) {
  const std::string old_id = FirstId();
  ASSERT_OK(cas().Rotate(crypto::KeyType::kEcP256, kActor));
  auto retired = cas().Retire(old_id, false, kActor);
  ASSERT_OK(retired);
  EXPECT_EQ(retired->revoked_certificates, 0);
}

// The CRL is one CRL per trusted CA, each signed by it and listing only its own
// revoked certificates; a retired CA has none.
TEST_F(CaServiceTest, OneCrlPerTrustedCa) {
  auto old_cert = Sign("dev-old");
  ASSERT_OK(old_cert);
  const std::string old_pem = CaPem();
  ASSERT_OK(cas().Rotate(crypto::KeyType::kEcP256, kActor));
  auto new_cert = Sign("dev-new");
  ASSERT_OK(new_cert);
  ASSERT_OK(certificates().RevokeCertificate(old_cert->fingerprint, "lost", kActor));
  ASSERT_OK(certificates().RevokeCertificate(new_cert->fingerprint, "lost", kActor));

  auto crls = certificates().MakeCrl();
  ASSERT_OK(crls);
  const std::size_t split = crls->find("-----BEGIN X509 CRL-----", 1);
  ASSERT_NE(split, std::string::npos);
  EXPECT_EQ(CountOf(*crls, "BEGIN X509 CRL"), 2u);
  const std::string first = crls->substr(0, split);
  const std::string second = crls->substr(split);
  iothub::testing::WriteFile(dir_.path() / "old-ca.pem", old_pem);
  iothub::testing::WriteFile(dir_.path() / "new-ca.pem", CaPem());
  iothub::testing::WriteFile(dir_.path() / "first.pem", first);
  iothub::testing::WriteFile(dir_.path() / "second.pem", second);
  const Shell first_shown = RunShell("openssl crl -noout -text -in '" + dir_.File("first.pem") +
                                     "' -CAfile '" + dir_.File("old-ca.pem") + "' 2>&1");
  EXPECT_NE(first_shown.output.find("verify OK"), std::string::npos) << first_shown.output;
  EXPECT_NE(first_shown.output.find(old_cert->serial_number), std::string::npos);
  EXPECT_EQ(first_shown.output.find(new_cert->serial_number), std::string::npos);
  const Shell second_shown = RunShell("openssl crl -noout -text -in '" + dir_.File("second.pem") +
                                      "' -CAfile '" + dir_.File("new-ca.pem") + "' 2>&1");
  EXPECT_NE(second_shown.output.find("verify OK"), std::string::npos) << second_shown.output;
  EXPECT_NE(second_shown.output.find(new_cert->serial_number), std::string::npos);

  ASSERT_OK(cas().Retire(FirstId(), true, kActor));
  EXPECT_EQ(CountOf(certificates().MakeCrl().value(), "BEGIN X509 CRL"), 1u);
}

// A rotation and a retirement made through another keyring on the same files (the CLI,
// another hub) are seen by Refresh; an unchanged directory reloads nothing.
TEST_F(CaServiceTest, RefreshSeesOtherProcesses) {
  EXPECT_FALSE(cas_->Refresh().value());
  auto other = CaKeyring::Open(dir_.path() / "data", crypto::KeyType::kEcP256,
                               clock_.NowUnixMillis(), /*create_if_missing=*/false);
  ASSERT_OK(other);
  const std::string old_id = FirstId();
  auto new_id = (*other)->Rotate(crypto::KeyType::kEcP256, clock_.NowUnixMillis());
  ASSERT_OK(new_id);
  EXPECT_TRUE(cas_->Refresh().value());
  EXPECT_EQ(cas_->set()->Signing()->id, *new_id);
  ASSERT_OK((*other)->MarkRetired(old_id, clock_.NowUnixMillis()));
  EXPECT_TRUE(cas_->Refresh().value());
  EXPECT_FALSE(cas_->set()->Find(old_id)->trusted());
  EXPECT_EQ(cas_->set()->entries().size(), 2u);
}

}  // namespace
}  // namespace iothub::registry
