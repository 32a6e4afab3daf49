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

// The subject comes out as EMQX 5.3 reports a peer certificate's cn/dn: the DN in
// RFC 4514 order (last RDN first, no spaces), UTF-8 kept, specials escaped; bad DER is
// refused.
TEST_F(CertificateEncodingTest, SubjectOfDerAsEmqxReportsIt) {
  absl::StatusOr<CertificateSubject> own = SubjectOfDer(certificate_.der);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->cn, "c");
  EXPECT_EQ(own->dn, "CN=c");

  const std::string key = (dir_.path() / "s.key").string(), crt = (dir_.path() / "s.crt").string();
  const test::CommandResult made = RunCommand(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -utf8 -subj "
      "'/C=US/O=ExhookTest/OU=Devices/CN=device-001' -keyout " +
      Q(key) + " -out " + Q(crt));
  ASSERT_EQ(made.exit_code, 0) << made.output;
  absl::StatusOr<std::string> der = CertificatePemToDer(::iothub::testing::ReadFile(crt));
  ASSERT_TRUE(der.ok());
  absl::StatusOr<CertificateSubject> subject = SubjectOfDer(*der);
  ASSERT_TRUE(subject.ok()) << subject.status();
  EXPECT_EQ(subject->cn, "device-001");
  EXPECT_EQ(subject->dn, "CN=device-001,OU=Devices,O=ExhookTest,C=US");

  const test::CommandResult special = RunCommand(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -utf8 -subj "
      "'/O=A\\,B/CN=Gr\xc3\xbcn' -keyout " +
      Q(key) + " -out " + Q(crt));
  ASSERT_EQ(special.exit_code, 0) << special.output;
  der = CertificatePemToDer(::iothub::testing::ReadFile(crt));
  ASSERT_TRUE(der.ok());
  subject = SubjectOfDer(*der);
  ASSERT_TRUE(subject.ok());
  EXPECT_EQ(subject->cn, "Gr\xc3\xbcn");
  EXPECT_EQ(subject->dn, "CN=Gr\xc3\xbcn,O=A\\,B");

  EXPECT_FALSE(SubjectOfDer("").ok());
  EXPECT_FALSE(SubjectOfDer("not a certificate").ok());
  EXPECT_FALSE(SubjectOfDer(certificate_.der + "x").ok());
  EXPECT_FALSE(SubjectOfDer(certificate_.der.substr(0, certificate_.der.size() - 1)).ok());
}

}  // namespace
}  // namespace iothub::crypto
