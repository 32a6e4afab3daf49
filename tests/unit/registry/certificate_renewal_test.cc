// CertificateRenewal on a real SQLite store and CA: vetting as sign-device, no key
// reuse, the grace of the renewing certificate, its end, and the audit rows.
#include "registry/certificate_renewal.h"

#include <gtest/gtest.h>

#include "registry_fixture.h"

namespace iothub::registry {
namespace {

using namespace std::chrono_literals;

#define EXPECT_CODE(expr, code_name) \
  EXPECT_EQ(StatusOf(expr).code(), absl::StatusCode::code_name) << StatusOf(expr)
#define RENEWAL_CONCAT_(a, b) a##b
#define RENEWAL_CONCAT(a, b) RENEWAL_CONCAT_(a, b)
#define ASSERT_OK_AND_ASSIGN(lhs, expr)               \
  auto RENEWAL_CONCAT(result_or_, __LINE__) = (expr); \
  ASSERT_OK(RENEWAL_CONCAT(result_or_, __LINE__));    \
  lhs = *std::move(RENEWAL_CONCAT(result_or_, __LINE__))

class CertificateRenewalTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    ASSERT_OK(devices().CreateDevice({.id = "dev-1"}, kActor));
    first_csr_ = OpensslCsr();
    auto signed_cert =
        certificates().SignCsr({.device_id = "dev-1", .csr_pem = first_csr_}, kActor);
    ASSERT_OK(signed_cert);
    first_ = *signed_cert;
  }

  CertificateRenewal& renewal() { return registry_->renewal(); }

  absl::StatusOr<Renewed> Renew(const std::string& csr, std::string renewing = "") {
    return renewal().Renew({.device_id = "dev-1",
                            .renewing_fingerprint = std::move(renewing),
                            .csr_pem = csr,
                            .days = 30,
                            .grace = 3600s},
                           "device:dev-1");
  }

  std::string first_csr_;
  Certificate first_;
};

// A renewal with a new key: a new current certificate, the old one in grace for an hour,
// the device's key updated, audited as certificate.renew.
TEST_F(CertificateRenewalTest, RenewsWithANewKey) {
  ASSERT_OK_AND_ASSIGN(Renewed renewed, Renew(OpensslCsr(), first_.fingerprint));
  EXPECT_EQ(renewed.renewed_fingerprint, first_.fingerprint);
  EXPECT_EQ(renewed.grace_until, clock_.NowUnixMillis() + 3'600'000);
  EXPECT_NE(renewed.certificate.fingerprint, first_.fingerprint);
  EXPECT_NEAR(static_cast<double>(renewed.certificate.valid_to - clock_.NowUnixMillis()),
              30.0 * 86'400'000, 2000.0);
  ASSERT_OK_AND_ASSIGN(Certificate current, store_->GetCurrentCertificate("dev-1"));
  EXPECT_EQ(current.fingerprint, renewed.certificate.fingerprint);
  ASSERT_OK_AND_ASSIGN(Certificate old, store_->GetCertificateByFingerprint(first_.fingerprint));
  EXPECT_EQ(old.revoked_at, std::nullopt);
  EXPECT_EQ(old.grace_until, renewed.grace_until);
  auto audit = store_->ListAudit(1);
  ASSERT_OK(audit);
  EXPECT_EQ((*audit)[0].action, "certificate.renew");
  EXPECT_EQ((*audit)[0].actor, "device:dev-1");
  EXPECT_NE((*audit)[0].details_json.find(first_.fingerprint), std::string::npos);
}

// Without a renewing fingerprint (a session from before it was recorded), the current
// certificate is the one in grace.
TEST_F(CertificateRenewalTest, DefaultsToTheCurrentCertificate) {
  ASSERT_OK_AND_ASSIGN(Renewed renewed, Renew(OpensslCsr()));
  EXPECT_EQ(renewed.renewed_fingerprint, first_.fingerprint);
}

// The key of the current certificate, or of any earlier one, is refused: AlreadyExists,
// nothing written.
TEST_F(CertificateRenewalTest, RefusesAReusedKey) {
  const std::int64_t audit_before = AuditCount();
  EXPECT_CODE(Renew(first_csr_), kAlreadyExists);
  const std::string second_csr = OpensslCsr();
  ASSERT_OK(Renew(second_csr));
  EXPECT_CODE(Renew(second_csr), kAlreadyExists);
  EXPECT_CODE(Renew(first_csr_), kAlreadyExists);
  EXPECT_EQ(AuditCount(), audit_before + 1);
  EXPECT_EQ(store_->ListCertificatesOfDevice("dev-1")->size(), 2u);
}

// The CSR is vetted as sign-device vets it; a revoked device or certificate renews nothing.
TEST_F(CertificateRenewalTest, RefusesWhatSignDeviceRefuses) {
  EXPECT_CODE(Renew("not a csr"), kInvalidArgument);
  EXPECT_CODE(Renew(OpensslCsr("-newkey rsa:1024")), kInvalidArgument);
  EXPECT_CODE(renewal().Renew({.device_id = "ghost", .csr_pem = OpensslCsr()}, "device:ghost"),
              kNotFound);
  ASSERT_OK(certificates().RevokeCertificate(first_.fingerprint, "lost", kActor));
  EXPECT_CODE(Renew(OpensslCsr(), first_.fingerprint), kFailedPrecondition);
  EXPECT_CODE(Renew(OpensslCsr()), kFailedPrecondition);  // no current certificate
}

// The successor's use ends the grace at once; otherwise the sweep ends it when it ran out.
TEST_F(CertificateRenewalTest, GraceEnds) {
  ASSERT_OK(Renew(OpensslCsr()));
  EXPECT_EQ(*renewal().EndExpiredGraces(), 0);
  const int changes_before = changes_;
  clock_.Advance(3601s);
  EXPECT_EQ(*renewal().EndExpiredGraces(), 1);
  EXPECT_EQ(changes_, changes_before + 1);
  EXPECT_EQ(store_->GetCertificateByFingerprint(first_.fingerprint)->revocation_reason,
            "superseded");
  EXPECT_EQ(*renewal().EndExpiredGraces(), 0);
  EXPECT_EQ(changes_, changes_before + 1);  // nothing changed, no fleet reload

  ASSERT_OK_AND_ASSIGN(Renewed again, Renew(OpensslCsr()));
  EXPECT_EQ(*renewal().EndGrace("dev-1"), 1);
  EXPECT_TRUE(store_->GetCertificateByFingerprint(again.renewed_fingerprint)->revoked_at);
  EXPECT_EQ((*store_->ListAudit(1))[0].action, "certificate.grace_end");
  EXPECT_EQ(*renewal().EndGrace("dev-1"), 0);
}

}  // namespace
}  // namespace iothub::registry
