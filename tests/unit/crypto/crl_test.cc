// CertificateAuthority::MakeCrl, checked with `openssl crl` and `openssl verify -crl_check`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/certificate_authority.h"
#include "crypto_test_util.h"

namespace iothub::crypto {
namespace {

using test::Now;
using test::Q;
using test::RunCommand;
using ::testing::HasSubstr;
using ::testing::Not;

class CrlTest : public ::testing::Test {
 protected:
  CrlTest() : ca_(test::MakeCa(dir_.path())) {}

  // Issues a client certificate, saves it as `name`, and returns its serial.
  std::string IssueAndSave(const std::string& name) {
    absl::StatusOr<IssuedKeyPair> issued = ca_.IssueClientCertificate(name, 30, Now());
    EXPECT_TRUE(issued.ok()) << issued.status();
    test::WriteFile(dir_.path() / name, issued->certificate.pem);
    return issued->certificate.serial_hex;
  }

  std::string Path(const std::string& name) const { return Q(dir_.path() / name); }

  test::TempDir dir_;
  CertificateAuthority ca_;
};

// The CRL verifies under the CA, is v2, lists the serials, and has a CRL number and AKI.
TEST_F(CrlTest, OpensslVerifiesAndListsRevokedSerials) {
  const std::string revoked1 = IssueAndSave("r1.crt");
  const std::string revoked2 = IssueAndSave("r2.crt");
  const UnixMillis now = Now();
  absl::StatusOr<std::string> crl =
      ca_.MakeCrl({{revoked1, now - 60'000}, {revoked2, now}}, now, 7);
  ASSERT_TRUE(crl.ok()) << crl.status();
  EXPECT_THAT(*crl, HasSubstr("-----BEGIN X509 CRL-----"));
  test::WriteFile(dir_.path() / "crl.pem", *crl);

  const test::CommandResult verify =
      RunCommand("openssl crl -in " + Path("crl.pem") + " -CAfile " + Path("ca.crt") + " -noout");
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_THAT(verify.output, HasSubstr("verify OK"));

  const test::CommandResult text = RunCommand("openssl crl -noout -text -in " + Path("crl.pem"));
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_THAT(text.output, HasSubstr("Version 2 (0x1)"));
  EXPECT_THAT(text.output, HasSubstr("Issuer: CN = iot-hub CA"));
  EXPECT_THAT(text.output,
              HasSubstr("X509v3 CRL Number: \n                " + std::to_string(now)));
  EXPECT_THAT(text.output, HasSubstr("X509v3 Authority Key Identifier"));
  EXPECT_THAT(text.output, HasSubstr("Serial Number: " + revoked1));
  EXPECT_THAT(text.output, HasSubstr("Serial Number: " + revoked2));
}

// With the CRL, openssl refuses revoked certificates and still accepts the others.
TEST_F(CrlTest, RevokedCertificateFailsCrlCheck) {
  const std::string revoked = IssueAndSave("revoked.crt");
  IssueAndSave("good.crt");
  absl::StatusOr<std::string> crl = ca_.MakeCrl({{revoked, Now()}}, Now(), 1);
  ASSERT_TRUE(crl.ok()) << crl.status();
  test::WriteFile(dir_.path() / "crl.pem", *crl);
  const std::string verify =
      "openssl verify -crl_check -CRLfile " + Path("crl.pem") + " -CAfile " + Path("ca.crt") + " ";
  const test::CommandResult bad = RunCommand(verify + Path("revoked.crt"));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.output, HasSubstr("certificate revoked"));
  const test::CommandResult good = RunCommand(verify + Path("good.crt"));
  EXPECT_EQ(good.exit_code, 0) << good.output;
}

// An empty CRL is valid; serials are accepted in any case.
TEST_F(CrlTest, EmptyAndLowercaseSerials) {
  absl::StatusOr<std::string> empty = ca_.MakeCrl({}, Now(), 30);
  ASSERT_TRUE(empty.ok()) << empty.status();
  test::WriteFile(dir_.path() / "empty.pem", *empty);
  const test::CommandResult text = RunCommand("openssl crl -noout -text -in " + Path("empty.pem"));
  EXPECT_THAT(text.output, HasSubstr("No Revoked Certificates"));

  absl::StatusOr<std::string> lower = ca_.MakeCrl({{"0a1b2c", Now()}}, Now(), 30);
  ASSERT_TRUE(lower.ok()) << lower.status();
  test::WriteFile(dir_.path() / "lower.pem", *lower);
  EXPECT_THAT(RunCommand("openssl crl -noout -text -in " + Path("lower.pem")).output,
              HasSubstr("Serial Number: 0A1B2C"));
}

// Malformed serials and out-of-range update periods are refused.
TEST_F(CrlTest, RefusesBadInput) {
  for (const char* serial :
       {"", "xyz", "12 34", "-1", "0x12", "1234567890123456789012345678901234567890AB"}) {
    EXPECT_EQ(ca_.MakeCrl({{serial, Now()}}, Now(), 7).status().code(),
              absl::StatusCode::kInvalidArgument)
        << serial;
  }
  for (int days : {0, -1, 3651}) {
    EXPECT_EQ(ca_.MakeCrl({}, Now(), days).status().code(), absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace iothub::crypto
