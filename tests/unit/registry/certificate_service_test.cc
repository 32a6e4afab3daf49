#include "registry/certificate_service.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "crypto/fingerprint.h"
#include "registry_fixture.h"

namespace iothub::registry {
namespace {

class CertificateServiceTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    ASSERT_OK(devices().CreateDevice({.id = "dev-1"}, kActor));
  }

  absl::StatusOr<Certificate> Sign(const std::string& device_id, const std::string& csr,
                                   int days = 365) {
    return certificates().SignCsr(
        {.device_id = device_id, .csr_pem = csr, .days = days, .firmware_version = "2.1.0"},
        kActor);
  }

  // The serials listed by `openssl crl -text` for `crl_pem`, uppercase.
  std::string OpensslCrlText(const std::string& crl_pem) {
    iothub::testing::WriteFile(dir_.path() / "crl.pem", crl_pem);
    const Shell shown = RunShell("openssl crl -noout -text -in '" + dir_.File("crl.pem") + "'");
    EXPECT_EQ(shown.exit_code, 0) << shown.output;
    std::string upper = shown.output;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    return upper;
  }
};

// Signing stores the certificate (canonical fingerprint, serial, validity, PEMs) and
// updates the device's key and firmware; the openssl CLI verifies it against the CA.
TEST_F(CertificateServiceTest, SignsCsrAndStoresCertificate) {
  const std::string csr = OpensslCsr();
  const int changes_before = changes_;
  auto signed_cert = Sign("dev-1", csr);
  ASSERT_OK(signed_cert);
  EXPECT_EQ(signed_cert->device_id, "dev-1");
  EXPECT_EQ(signed_cert->fingerprint.size(), 95u);
  EXPECT_EQ(signed_cert->fingerprint,
            crypto::FormatFingerprint(*crypto::ParseFingerprint(signed_cert->fingerprint)));
  EXPECT_FALSE(signed_cert->serial_number.empty());
  EXPECT_EQ(signed_cert->ca_cert_pem, CaPem());
  EXPECT_LT(signed_cert->valid_from, clock_.NowUnixMillis());
  EXPECT_NEAR(static_cast<double>(signed_cert->valid_to - clock_.NowUnixMillis()),
              365.0 * 86'400'000, 2000.0);
  EXPECT_EQ(changes_, changes_before + 1);

  auto device = devices().GetDevice("dev-1");
  ASSERT_OK(device);
  EXPECT_NE(device->public_key.find("BEGIN PUBLIC KEY"), std::string::npos);
  EXPECT_EQ(device->firmware_version, "2.1.0");

  auto stored = certificates().GetCertificate(signed_cert->fingerprint);
  ASSERT_OK(stored);
  EXPECT_EQ(stored->client_cert_pem, signed_cert->client_cert_pem);
  // Lowercase without colons finds the same certificate.
  std::string plain = signed_cert->fingerprint;
  plain.erase(std::remove(plain.begin(), plain.end(), ':'), plain.end());
  std::transform(plain.begin(), plain.end(), plain.begin(), ::tolower);
  EXPECT_OK(certificates().GetCertificate(plain));

  iothub::testing::WriteFile(dir_.path() / "dev.crt", signed_cert->client_cert_pem);
  const Shell verify =
      RunShell("openssl verify -CAfile '" + (dir_.path() / "data/ca/ca.crt").string() + "' '" +
               dir_.File("dev.crt") + "'");
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  const Shell subject = RunShell("openssl x509 -noout -subject -in '" + dir_.File("dev.crt") + "'");
  EXPECT_NE(subject.output.find("CN = device-dev-1"), std::string::npos) << subject.output;

  auto audit = store_->ListAudit(1);
  ASSERT_OK(audit);
  EXPECT_EQ((*audit)[0].action, "certificate.sign");
  EXPECT_NE((*audit)[0].details_json.find(signed_cert->fingerprint), std::string::npos);
}

// A second CSR supersedes the first certificate: the old one becomes revoked
// ("superseded") and invalid, the new one valid.
TEST_F(CertificateServiceTest, NewCertificateSupersedesOld) {
  auto first = Sign("dev-1", OpensslCsr());
  ASSERT_OK(first);
  auto second = Sign("dev-1", OpensslCsr());
  ASSERT_OK(second);
  EXPECT_NE(first->fingerprint, second->fingerprint);

  auto old = certificates().GetCertificate(first->fingerprint);
  ASSERT_OK(old);
  ASSERT_TRUE(old->revoked_at.has_value());
  EXPECT_EQ(old->revocation_reason, "superseded");

  auto old_check = certificates().ValidateFingerprint(first->fingerprint, clock_.NowUnixMillis());
  ASSERT_OK(old_check);
  EXPECT_FALSE(old_check->valid);
  EXPECT_EQ(old_check->reason, CertificateRejection::kRevoked);
  auto new_check = certificates().ValidateFingerprint(second->fingerprint, clock_.NowUnixMillis());
  ASSERT_OK(new_check);
  EXPECT_TRUE(new_check->valid);
  EXPECT_EQ(new_check->device_id, "dev-1");
  EXPECT_FALSE(new_check->reason.has_value());
}

// Revoking a device revokes its certificate ("device revoked"); a revoked device gets
// no new certificate.
TEST_F(CertificateServiceTest, RevokedDeviceCertificateRefused) {
  auto cert = Sign("dev-1", OpensslCsr());
  ASSERT_OK(cert);
  ASSERT_OK(devices().RevokeDevice("dev-1", kActor));

  auto check = certificates().ValidateFingerprint(cert->fingerprint, clock_.NowUnixMillis());
  ASSERT_OK(check);
  EXPECT_FALSE(check->valid);
  EXPECT_EQ(check->reason, CertificateRejection::kRevoked);
  EXPECT_EQ(certificates().GetCertificate(cert->fingerprint)->revocation_reason, "device revoked");

  const std::int64_t audit_before = AuditCount();
  auto again = Sign("dev-1", OpensslCsr());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(again.status().message().find("device dev-1 is revoked"), absl::string_view::npos);
  EXPECT_EQ(AuditCount(), audit_before);
}

// Unknown, not yet valid and expired certificates are invalid with their reason; a
// malformed fingerprint is an error.
TEST_F(CertificateServiceTest, ValidationReasons) {
  auto unknown = certificates().ValidateFingerprint(std::string(64, 'a'), clock_.NowUnixMillis());
  ASSERT_OK(unknown);
  EXPECT_FALSE(unknown->valid);
  EXPECT_EQ(unknown->reason, CertificateRejection::kUnknown);
  EXPECT_FALSE(unknown->device_id.has_value());
  EXPECT_EQ(unknown->fingerprint.substr(0, 6), "AA:AA:");

  auto cert = Sign("dev-1", OpensslCsr(), 1);
  ASSERT_OK(cert);
  auto early = certificates().ValidateFingerprint(cert->fingerprint, cert->valid_from - 1);
  ASSERT_OK(early);
  EXPECT_EQ(early->reason, CertificateRejection::kNotYetValid);
  auto late = certificates().ValidateFingerprint(cert->fingerprint, cert->valid_to + 1);
  ASSERT_OK(late);
  EXPECT_EQ(late->reason, CertificateRejection::kExpired);
  EXPECT_EQ(late->device_id, "dev-1");

  EXPECT_EQ(certificates().ValidateFingerprint("zz", 0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Malformed CSRs, weak keys, unknown devices, bad days and bad ids are refused before
// anything is written.
TEST_F(CertificateServiceTest, BadRequestsWriteNothing) {
  const std::string good_csr = OpensslCsr();
  const std::int64_t audit_before = AuditCount();
  std::string tampered = good_csr;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';

  EXPECT_EQ(Sign("dev-1", "not a csr").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Sign("dev-1", tampered).status().code(), absl::StatusCode::kInvalidArgument);
  auto weak = Sign("dev-1", OpensslCsr("-newkey rsa:1024"));
  EXPECT_EQ(weak.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(weak.status().message().find("CSR refused"), absl::string_view::npos) << weak.status();
  EXPECT_EQ(Sign("nope", good_csr).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Sign("dev-1", good_csr, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Sign("dev-1", good_csr, 3651).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Sign("x'; DROP TABLE devices;--", good_csr).status().code(),
            absl::StatusCode::kInvalidArgument);

  EXPECT_EQ(AuditCount(), audit_before);
  auto listed = store_->ListCertificatesOfDevice("dev-1");
  ASSERT_OK(listed);
  EXPECT_TRUE(listed->empty());
  EXPECT_TRUE(devices().GetDevice("dev-1")->public_key.empty());
}

// A registry without a CA (the CLI's commands that sign nothing) refuses to sign or to
// make a CRL, writing nothing, and still serves everything else.
TEST_F(CertificateServiceTest, WithoutACaNothingIsSigned) {
  Registry no_ca(*store_, clock_, DefaultPlans());
  const std::int64_t audit_before = AuditCount();
  auto signed_cert = no_ca.certificates().SignCsr(
      {.device_id = "dev-1", .csr_pem = OpensslCsr(), .days = 365}, kActor);
  EXPECT_EQ(signed_cert.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(no_ca.certificates()
                .SignCsr({.device_id = "dev-1", .csr_pem = "not a csr"}, kActor)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(no_ca.certificates().MakeCrl().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(AuditCount(), audit_before);
  EXPECT_TRUE(store_->ListCertificatesOfDevice("dev-1")->empty());
  ASSERT_OK(no_ca.devices().CreateDevice({.id = "dev-2"}, kActor));
  ASSERT_OK(no_ca.devices().GetDevice("dev-2"));
}

// Revoking by fingerprint marks it revoked once; a second revoke is refused.
TEST_F(CertificateServiceTest, RevokeCertificateOnce) {
  auto cert = Sign("dev-1", OpensslCsr());
  ASSERT_OK(cert);
  auto revoked = certificates().RevokeCertificate(cert->fingerprint, "key compromised", kActor);
  ASSERT_OK(revoked);
  EXPECT_EQ(revoked->revocation_reason, "key compromised");
  auto again = certificates().RevokeCertificate(cert->fingerprint, "again", kActor);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(certificates().GetCertificate(cert->fingerprint)->revocation_reason, "key compromised");
  EXPECT_EQ(certificates().RevokeCertificate(std::string(64, 'b'), "x", kActor).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(certificates().RevokeCertificate(cert->fingerprint, "", kActor).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// The CRL is signed by the CA and lists every revoked serial (superseded, revoked by
// fingerprint, revoked with the device), as `openssl crl` reads it.
TEST_F(CertificateServiceTest, CrlListsRevokedSerials) {
  ASSERT_OK(devices().CreateDevice({.id = "dev-2"}, kActor));
  auto superseded = Sign("dev-1", OpensslCsr());
  ASSERT_OK(superseded);
  auto current = Sign("dev-1", OpensslCsr());
  ASSERT_OK(current);
  auto other = Sign("dev-2", OpensslCsr());
  ASSERT_OK(other);

  auto empty_ish = certificates().MakeCrl();
  ASSERT_OK(empty_ish);
  std::string text = OpensslCrlText(*empty_ish);
  EXPECT_NE(text.find(superseded->serial_number), std::string::npos);
  EXPECT_EQ(text.find(current->serial_number), std::string::npos);

  ASSERT_OK(certificates().RevokeCertificate(current->fingerprint, "lost", kActor));
  ASSERT_OK(devices().RevokeDevice("dev-2", kActor));
  auto crl = certificates().MakeCrl();
  ASSERT_OK(crl);
  text = OpensslCrlText(*crl);
  EXPECT_NE(text.find(superseded->serial_number), std::string::npos) << text;
  EXPECT_NE(text.find(current->serial_number), std::string::npos) << text;
  EXPECT_NE(text.find(other->serial_number), std::string::npos) << text;

  const Shell verified = RunShell("openssl crl -noout -in '" + dir_.File("crl.pem") +
                                  "' -CAfile '" + (dir_.path() / "data/ca/ca.crt").string() + "'");
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_NE(verified.output.find("verify OK"), std::string::npos) << verified.output;
}

}  // namespace
}  // namespace iothub::registry
