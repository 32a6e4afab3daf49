// PEM <-> DER and the EMQX pem-mode username.
#include "crypto/certificate_encoding.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/base64.h"
#include "crypto/fingerprint.h"
#include "crypto_test_util.h"

namespace iothub::crypto {
namespace {

using test::Now;
using test::Q;
using test::RunCommand;
using ::testing::HasSubstr;

class CertificateEncodingTest : public ::testing::Test {
 protected:
  CertificateEncodingTest() : ca_(test::MakeCa(dir_.path())) {
    absl::StatusOr<IssuedKeyPair> issued = ca_.IssueClientCertificate("c", 30, Now());
    EXPECT_TRUE(issued.ok());
    certificate_ = issued->certificate;
  }

  test::TempDir dir_;
  CertificateAuthority ca_;
  IssuedCertificate certificate_;
};

// PEM to DER gives the original bytes, which openssl's own DER output equals.
TEST_F(CertificateEncodingTest, PemToDerMatchesOpenssl) {
  absl::StatusOr<std::string> der = CertificatePemToDer(certificate_.pem);
  ASSERT_TRUE(der.ok()) << der.status();
  EXPECT_EQ(*der, certificate_.der);
  test::WriteFile(dir_.path() / "c.pem", certificate_.pem);
  const test::CommandResult converted =
      RunCommand("openssl x509 -outform DER -in " + Q(dir_.path() / "c.pem") + " -out " +
                 Q(dir_.path() / "c.der"));
  ASSERT_EQ(converted.exit_code, 0) << converted.output;
  EXPECT_EQ(test::ReadFile(dir_.path() / "c.der"), *der);
  EXPECT_EQ(CertificateDerToPem(*der), certificate_.pem);
}

// Text around the PEM block is skipped; a block that is not a certificate is refused.
TEST_F(CertificateEncodingTest, PemToDerFindsTheCertificateBlockOnly) {
  EXPECT_EQ(CertificatePemToDer("subject=CN = c\n" + certificate_.pem + "\n").value(),
            certificate_.der);
  for (const std::string& bad :
       {std::string(), std::string("garbage"), test::ReadFile(dir_.path() / "ca.key"),
        test::ToPem("CERTIFICATE", "not DER"), test::ToPem("CERTIFICATE", certificate_.der + "x"),
        certificate_.pem.substr(0, certificate_.pem.size() / 2)}) {
    EXPECT_EQ(CertificatePemToDer(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

// A pem-mode username decodes to the certificate's DER, and so to its fingerprint.
TEST_F(CertificateEncodingTest, DecodesPemModeUsername) {
  absl::StatusOr<std::string> der = DecodePemModeUsername(Base64Encode(certificate_.der));
  ASSERT_TRUE(der.ok()) << der.status();
  EXPECT_EQ(Sha256Fingerprint(*der), certificate_.fingerprint);
}

// Usernames that are not one line of canonical base64 are refused with a reason.
TEST_F(CertificateEncodingTest, RefusesBadPemModeUsernames) {
  const std::string base64 = Base64Encode(certificate_.der);
  const std::pair<std::string, std::string> bad[] = {
      {"", "empty"},
      {"not base64!", "base64"},
      {base64.substr(0, 64) + "\n" + base64.substr(64), "base64"},  // line breaks
      {base64 + "\n", "base64"},
      {certificate_.pem, "PEM header"},
      {"-----BEGIN CERTIFICATE-----" + base64, "PEM header"},
      {std::string(64 * 1024, 'A'), "limit"},
  };
  for (const auto& [username, reason] : bad) {
    absl::StatusOr<std::string> der = DecodePemModeUsername(username);
    EXPECT_EQ(der.status().code(), absl::StatusCode::kInvalidArgument) << username.substr(0, 40);
    EXPECT_THAT(der.status().message(), HasSubstr(reason));
  }
  // Exactly at the limit the size check passes (the content is still judged).
  EXPECT_TRUE(DecodePemModeUsername(std::string(kMaxPemModeUsernameSize, 'A')).ok());
}

}  // namespace
}  // namespace iothub::crypto
