// Signing device CSRs made by the openssl command line: which CSRs are accepted, and
// what the issued certificate looks like to openssl.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/certificate_authority.h"
#include "crypto/certificate_encoding.h"
#include "crypto/device_csr.h"
#include "crypto/fingerprint.h"
#include "crypto_test_util.h"

namespace iothub::crypto {
namespace {

using test::Now;
using test::OpensslCsr;
using test::OpensslEcCsr;
using test::Q;
using test::RunCommand;
using ::testing::HasSubstr;
using ::testing::Not;

class SignDeviceCsrTest : public ::testing::Test {
 protected:
  SignDeviceCsrTest() : ca_(test::MakeCa(dir_.path() / "ca")) {}

  // Writes `pem` to a file and returns its path.
  std::filesystem::path Save(std::string_view name, std::string_view pem) {
    const auto path = dir_.path() / name;
    test::WriteFile(path, pem);
    return path;
  }
  std::string CaFile() const { return Q(dir_.path() / "ca" / "ca.crt"); }

  // The status of signing `csr` for device "dev-1".
  absl::Status SignStatus(std::string_view csr) {
    return ca_.SignDeviceCsr(csr, "dev-1", 365, Now()).status();
  }

  test::TempDir dir_;
  CertificateAuthority ca_;
};

// An EC P-256 CSR is signed; openssl verifies the result for client auth and sees exactly
// the subject, extensions and SAN of the contract.
TEST_F(SignDeviceCsrTest, SignsEcP256CsrWithContractExtensions) {
  const std::string csr =
      OpensslCsr(dir_, "-newkey ec -pkeyopt ec_paramgen_curve:P-256", "", "/C=US/O=Evil/CN=admin");
  absl::StatusOr<IssuedCertificate> issued = ca_.SignDeviceCsr(csr, "dev-1", 365, Now());
  ASSERT_TRUE(issued.ok()) << issued.status();
  const auto path = Save("device.crt", issued->pem);

  const test::CommandResult verify =
      RunCommand("openssl verify -purpose sslclient -CAfile " + CaFile() + " " + Q(path));
  EXPECT_EQ(verify.exit_code, 0) << verify.output;

  const test::CommandResult text = RunCommand("openssl x509 -noout -text -in " + Q(path));
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_THAT(text.output, HasSubstr("Version: 3 (0x2)"));
  EXPECT_THAT(text.output, HasSubstr("Subject: CN = device-dev-1\n"));  // nothing from the CSR
  EXPECT_THAT(text.output, Not(HasSubstr("Evil")));
  EXPECT_THAT(text.output, HasSubstr("Issuer: CN = iot-hub CA"));
  EXPECT_THAT(text.output,
              HasSubstr("X509v3 Basic Constraints: critical\n                CA:FALSE"));
  EXPECT_THAT(text.output, HasSubstr("X509v3 Key Usage: critical\n                Digital "
                                     "Signature, Key Encipherment"));
  EXPECT_THAT(
      text.output,
      HasSubstr("X509v3 Extended Key Usage: \n                TLS Web Client Authentication\n"));
  EXPECT_THAT(text.output,
              HasSubstr("X509v3 Subject Alternative Name: \n                DNS:dev-1\n"));
  EXPECT_THAT(text.output, HasSubstr("X509v3 Subject Key Identifier"));
  EXPECT_THAT(text.output, HasSubstr("X509v3 Authority Key Identifier"));
  EXPECT_THAT(text.output, HasSubstr("ecdsa-with-SHA256"));

  // The certificate certifies the CSR's key.
  const test::CommandResult csr_key =
      RunCommand("openssl req -noout -pubkey -in " + Q(dir_.path() / "device.csr"));
  EXPECT_EQ(csr_key.output, issued->public_key_pem);
}

// Fingerprint and serial are what `openssl x509` prints; DER and PEM agree.
TEST_F(SignDeviceCsrTest, FingerprintAndSerialMatchOpenssl) {
  absl::StatusOr<IssuedCertificate> issued = ca_.SignDeviceCsr(OpensslEcCsr(dir_), "d", 30, Now());
  ASSERT_TRUE(issued.ok()) << issued.status();
  const auto path = Save("device.crt", issued->pem);
  const test::CommandResult fingerprint =
      RunCommand("openssl x509 -noout -fingerprint -sha256 -in " + Q(path));
  EXPECT_EQ(fingerprint.output,
            "sha256 Fingerprint=" + FormatFingerprint(issued->fingerprint) + "\n");
  const test::CommandResult serial = RunCommand("openssl x509 -noout -serial -in " + Q(path));
  EXPECT_EQ(serial.output, "serial=" + issued->serial_hex + "\n");
  EXPECT_EQ(issued->fingerprint, Sha256Fingerprint(issued->der));
  EXPECT_EQ(CertificatePemToDer(issued->pem).value(), issued->der);
}

// Serials are 128-bit, positive (top bit clear), and differ between certificates.
TEST_F(SignDeviceCsrTest, SerialsAreRandom128BitPositive) {
  const std::string csr = OpensslEcCsr(dir_);
  absl::StatusOr<IssuedCertificate> a = ca_.SignDeviceCsr(csr, "d", 30, Now());
  absl::StatusOr<IssuedCertificate> b = ca_.SignDeviceCsr(csr, "d", 30, Now());
  ASSERT_TRUE(a.ok() && b.ok());
  for (const std::string& serial : {a->serial_hex, b->serial_hex}) {
    EXPECT_EQ(serial.size(), 32u) << serial;
    EXPECT_LT(serial[0], '8') << serial;  // top bit clear, first byte non-zero
    EXPECT_EQ(serial.find_first_not_of("0123456789ABCDEF"), std::string::npos) << serial;
  }
  EXPECT_NE(a->serial_hex, b->serial_hex);
  EXPECT_NE(a->fingerprint, b->fingerprint);
}

// Validity runs from five minutes before `now` to `now` + days, in whole seconds.
TEST_F(SignDeviceCsrTest, ValidityWindow) {
  const UnixMillis now = 1'800'000'000'123;
  absl::StatusOr<IssuedCertificate> issued = ca_.SignDeviceCsr(OpensslEcCsr(dir_), "d", 365, now);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->valid_from, 1'800'000'000'000 - 5 * 60 * 1000);
  EXPECT_EQ(issued->valid_to, 1'800'000'000'000 + 365LL * 86'400'000);
}

// RSA 2048 and EC P-384 keys are accepted.
TEST_F(SignDeviceCsrTest, AcceptsRsa2048AndP384) {
  for (const char* key_args : {"-newkey rsa:2048", "-newkey ec -pkeyopt ec_paramgen_curve:P-384"}) {
    absl::StatusOr<IssuedCertificate> issued =
        ca_.SignDeviceCsr(OpensslCsr(dir_, key_args), "dev", 30, Now());
    ASSERT_TRUE(issued.ok()) << key_args << ": " << issued.status();
    const test::CommandResult verify = RunCommand("openssl verify -purpose sslclient -CAfile " +
                                                  CaFile() + " " + Q(Save("d.crt", issued->pem)));
    EXPECT_EQ(verify.exit_code, 0) << key_args << ": " << verify.output;
  }
}

// Weak or unsupported keys are refused: RSA 1024, Ed25519, P-521, secp256k1.
TEST_F(SignDeviceCsrTest, RefusesWeakOrUnsupportedKeys) {
  for (const char* key_args :
       {"-newkey rsa:1024", "-newkey ed25519", "-newkey ec -pkeyopt ec_paramgen_curve:P-521",
        "-newkey ec -pkeyopt ec_paramgen_curve:secp256k1"}) {
    const absl::Status status = SignStatus(OpensslCsr(dir_, key_args));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << key_args;
    EXPECT_THAT(status.message(), HasSubstr("key refused")) << key_args << ": " << status;
  }
}

// A CSR asking for CA:TRUE is refused; CA:FALSE and the usual extensions are fine.
TEST_F(SignDeviceCsrTest, RefusesCaRequest) {
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256";
  for (const char* extension : {"basicConstraints=critical,CA:TRUE", "basicConstraints=CA:TRUE"}) {
    const absl::Status status =
        SignStatus(OpensslCsr(dir_, ec, std::string("-addext ") + extension));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << extension;
    EXPECT_THAT(status.message(), HasSubstr("CA:TRUE"));
  }
  EXPECT_TRUE(SignStatus(OpensslCsr(dir_, ec,
                                    "-addext basicConstraints=critical,CA:FALSE "
                                    "-addext keyUsage=critical,digitalSignature "
                                    "-addext subjectAltName=DNS:evil.example"))
                  .ok());
}

// An unknown critical extension is refused; the same one non-critical is ignored.
TEST_F(SignDeviceCsrTest, RefusesUnknownCriticalExtension) {
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256";
  const absl::Status status =
      SignStatus(OpensslCsr(dir_, ec, "-addext 1.2.3.4=critical,ASN1:UTF8String:x"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("1.2.3.4"));
  absl::StatusOr<IssuedCertificate> issued =
      ca_.SignDeviceCsr(OpensslCsr(dir_, ec, "-addext 1.2.3.4=ASN1:UTF8String:x"), "d", 30, Now());
  ASSERT_TRUE(issued.ok()) << issued.status();
  const test::CommandResult text =
      RunCommand("openssl x509 -noout -text -in " + Q(Save("d.crt", issued->pem)));
  EXPECT_THAT(text.output, Not(HasSubstr("1.2.3.4")));  // requested extensions never copied
}

// A CSR whose signature was tampered with is refused (no proof of key possession).
TEST_F(SignDeviceCsrTest, RefusesBrokenSignature) {
  OpensslEcCsr(dir_);
  const test::CommandResult der =
      RunCommand("openssl req -outform DER -in " + Q(dir_.path() / "device.csr") + " -out " +
                 Q(dir_.path() / "device.der"));
  ASSERT_EQ(der.exit_code, 0) << der.output;
  std::string bytes = test::ReadFile(dir_.path() / "device.der");
  ASSERT_FALSE(bytes.empty());
  EXPECT_TRUE(SignStatus(test::ToPem("CERTIFICATE REQUEST", bytes)).ok());  // control
  bytes.back() ^= 0x01;  // last byte of the signature's S value
  const absl::Status status = SignStatus(test::ToPem("CERTIFICATE REQUEST", bytes));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("signature"));
}

// Empty, malformed, truncated, oversized and mixed-up inputs are refused.
TEST_F(SignDeviceCsrTest, RefusesMalformedInput) {
  const std::string csr = OpensslEcCsr(dir_);
  const std::string bad[] = {
      "",
      "   \n",
      "hello",
      "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
      csr.substr(0, csr.size() / 2),
      csr + csr,                 // two requests
      csr + "trailing",          // garbage after the request
      ca_.ca_certificate_pem(),  // a certificate, not a request
      test::ReadFile(dir_.path() / "device.key"),
      std::string(kMaxCsrPemSize + 1, 'A'),
  };
  for (const std::string& input : bad) {
    const absl::Status status = SignStatus(input);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << input.substr(0, 80);
  }
  EXPECT_TRUE(SignStatus("\n" + csr + "\n\n").ok());  // surrounding whitespace is fine
}

// Device ids outside ^[A-Za-z0-9_-]{1,64}$ are refused before anything is signed.
TEST_F(SignDeviceCsrTest, RefusesInvalidDeviceIds) {
  const std::string csr = OpensslEcCsr(dir_);
  const std::string bad[] = {"",
                             "a/b",
                             "a+b",
                             "#",
                             "a\"b",
                             "a'b",
                             "' OR 1=1 --",
                             "a b",
                             "dev.1",
                             "dev,CN=x",
                             "x\n",
                             std::string("a\0b", 3),
                             "é",
                             std::string(65, 'a')};
  for (const std::string& id : bad) {
    absl::StatusOr<IssuedCertificate> issued = ca_.SignDeviceCsr(csr, id, 30, Now());
    EXPECT_EQ(issued.status().code(), absl::StatusCode::kInvalidArgument) << id;
  }
  EXPECT_TRUE(ca_.SignDeviceCsr(csr, "Az09_-", 30, Now()).ok());  // '_' fine in the SAN
  EXPECT_TRUE(ca_.SignDeviceCsr(csr, "-leading", 30, Now()).ok());
}

// Ids of 58-64 characters are valid ids, but CN "device-{id}" would pass X.509's
// 64-character limit: refused with that reason.
TEST_F(SignDeviceCsrTest, RefusesIdsTooLongForCommonName) {
  const std::string csr = OpensslEcCsr(dir_);
  absl::StatusOr<IssuedCertificate> longest =
      ca_.SignDeviceCsr(csr, std::string(57, 'a'), 30, Now());
  ASSERT_TRUE(longest.ok()) << longest.status();
  absl::StatusOr<IssuedCertificate> too_long =
      ca_.SignDeviceCsr(csr, std::string(58, 'a'), 30, Now());
  EXPECT_EQ(too_long.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(too_long.status().message(), HasSubstr("64-character"));
}

// Validity must be 1-3650 days.
TEST_F(SignDeviceCsrTest, RefusesDaysOutOfRange) {
  const std::string csr = OpensslEcCsr(dir_);
  for (int days : {-1, 0, 3651}) {
    EXPECT_EQ(ca_.SignDeviceCsr(csr, "d", days, Now()).status().code(),
              absl::StatusCode::kInvalidArgument)
        << days;
  }
  EXPECT_TRUE(ca_.SignDeviceCsr(csr, "d", 1, Now()).ok());
  EXPECT_TRUE(ca_.SignDeviceCsr(csr, "d", 3650, Now()).ok());
}

}  // namespace
}  // namespace iothub::crypto
