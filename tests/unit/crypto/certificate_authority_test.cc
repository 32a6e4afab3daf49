// Creating and loading the CA: files, modes, refusal to overwrite, and what openssl sees
// in the CA certificate.
#include "crypto/certificate_authority.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "crypto/keys.h"
#include "crypto_test_util.h"

namespace iothub::crypto {
namespace {

using test::MakeCa;
using test::Now;
using test::Q;
using test::RunCommand;
using test::TempDir;
using test::WriteFile;
using ::testing::HasSubstr;

// Create writes a PKCS#8 key with mode 0600 and a CA certificate openssl reads as a CA.
TEST(CertificateAuthorityTest, CreateWritesKeyAndCaCertificate) {
  TempDir dir;
  const CertificateAuthority ca = MakeCa(dir.path() / "ca");
  const auto key_path = dir.path() / "ca" / "ca.key";
  const auto certificate_path = dir.path() / "ca" / "ca.crt";

  struct stat info {};
  ASSERT_EQ(::stat(key_path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600);
  EXPECT_THAT(test::ReadFile(key_path), HasSubstr("-----BEGIN PRIVATE KEY-----"));
  EXPECT_EQ(test::ReadFile(certificate_path), ca.ca_certificate_pem());

  const test::CommandResult text =
      RunCommand("openssl x509 -noout -text -in " + Q(certificate_path));
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_THAT(text.output, HasSubstr("Subject: CN = iot-hub CA"));
  EXPECT_THAT(text.output, HasSubstr("Issuer: CN = iot-hub CA"));
  EXPECT_THAT(text.output,
              HasSubstr("X509v3 Basic Constraints: critical\n                CA:TRUE"));
  EXPECT_THAT(text.output,
              HasSubstr("X509v3 Key Usage: critical\n                Certificate Sign, CRL Sign"));
  EXPECT_THAT(text.output, HasSubstr("X509v3 Subject Key Identifier"));
  EXPECT_THAT(text.output, HasSubstr("ecdsa-with-SHA256"));
  // Self-signed and valid now: openssl verifies it against itself.
  const test::CommandResult verify =
      RunCommand("openssl verify -CAfile " + Q(certificate_path) + " " + Q(certificate_path));
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
}

// The CA certificate is valid for ten years from (a little before) now.
TEST(CertificateAuthorityTest, CaValidityIsTenYears) {
  TempDir dir;
  const UnixMillis now = 1'700'000'000'000;
  const CertificateAuthority ca = MakeCa(dir.path(), KeyType::kEcP256, now);
  const test::CommandResult dates =
      RunCommand("openssl x509 -noout -startdate -enddate -in " + Q(dir.path() / "ca.crt"));
  // 1'700'000'000 s = 2023-11-14 22:13:20 UTC; 3650 days later is 2033-11-11.
  EXPECT_THAT(dates.output, HasSubstr("notBefore=Nov 14 22:08:20 2023 GMT"));
  EXPECT_THAT(dates.output, HasSubstr("notAfter=Nov 11 22:13:20 2033 GMT"));
}

// Every key type makes a usable CA whose certificates openssl verifies.
TEST(CertificateAuthorityTest, EveryKeyTypeIssuesVerifiableCertificates) {
  for (const auto& [type, algorithm] : {std::pair{KeyType::kEcP256, "ecdsa-with-SHA256"},
                                        std::pair{KeyType::kEcP384, "ecdsa-with-SHA384"},
                                        std::pair{KeyType::kRsa3072, "sha256WithRSAEncryption"}}) {
    TempDir dir;
    const CertificateAuthority ca = MakeCa(dir.path(), type);
    absl::StatusOr<IssuedKeyPair> client = ca.IssueClientCertificate("client", 30, Now());
    ASSERT_TRUE(client.ok()) << client.status();
    test::WriteFile(dir.path() / "client.crt", client->certificate.pem);
    const test::CommandResult verify = RunCommand(
        "openssl verify -CAfile " + Q(dir.path() / "ca.crt") + " " + Q(dir.path() / "client.crt"));
    EXPECT_EQ(verify.exit_code, 0) << verify.output;
    const test::CommandResult text =
        RunCommand("openssl x509 -noout -text -in " + Q(dir.path() / "client.crt"));
    EXPECT_THAT(text.output, HasSubstr("Signature Algorithm: " + std::string(algorithm)));
  }
}

// Create refuses when either file already exists and leaves existing files untouched.
TEST(CertificateAuthorityTest, CreateRefusesToOverwrite) {
  TempDir dir;
  MakeCa(dir.path());
  const std::string key_before = test::ReadFile(dir.path() / "ca.key");
  absl::StatusOr<CertificateAuthority> again = CertificateAuthority::Create(dir.path(), Now());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(test::ReadFile(dir.path() / "ca.key"), key_before);

  for (const char* existing : {"ca.key", "ca.crt"}) {
    TempDir other;
    WriteFile(other.path() / existing, "keep me");
    absl::StatusOr<CertificateAuthority> created =
        CertificateAuthority::Create(other.path(), Now());
    EXPECT_EQ(created.status().code(), absl::StatusCode::kAlreadyExists) << existing;
    EXPECT_EQ(test::ReadFile(other.path() / existing), "keep me");
    EXPECT_EQ(std::filesystem::exists(other.path() / "ca.key") +
                  std::filesystem::exists(other.path() / "ca.crt"),
              1);
  }
}

// Load gets back the same CA, which can sign and verify.
TEST(CertificateAuthorityTest, LoadRoundTrips) {
  TempDir dir;
  const CertificateAuthority created = MakeCa(dir.path());
  absl::StatusOr<CertificateAuthority> loaded = CertificateAuthority::Load(dir.path());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->ca_certificate_pem(), created.ca_certificate_pem());
  absl::StatusOr<IssuedKeyPair> client = loaded->IssueClientCertificate("c", 1, Now());
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_TRUE(created.VerifyClientCertificate(client->certificate.der, Now()).ok());
}

// Load reports missing files as NotFound and garbage or mismatched files as InvalidArgument.
TEST(CertificateAuthorityTest, LoadRefusesMissingGarbageAndMismatchedFiles) {
  TempDir dir;
  EXPECT_EQ(CertificateAuthority::Load(dir.path()).status().code(), absl::StatusCode::kNotFound);

  MakeCa(dir.path() / "a");
  MakeCa(dir.path() / "b");
  const auto a = dir.path() / "a";
  const std::string key = test::ReadFile(a / "ca.key");
  const std::string certificate = test::ReadFile(a / "ca.crt");

  WriteFile(a / "ca.key", "garbage");
  absl::StatusOr<CertificateAuthority> loaded = CertificateAuthority::Load(a);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(loaded.status().message(), HasSubstr("ca.key"));

  // An encrypted key fails cleanly instead of prompting for a passphrase.
  const test::CommandResult encrypted =
      RunCommand("openssl pkey -aes256 -passout pass:secret -in " + Q(dir.path() / "b" / "ca.key") +
                 " -out " + Q(a / "ca.key"));
  ASSERT_EQ(encrypted.exit_code, 0) << encrypted.output;
  EXPECT_THAT(test::ReadFile(a / "ca.key"), HasSubstr("ENCRYPTED"));
  loaded = CertificateAuthority::Load(a);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);

  WriteFile(a / "ca.key", key);
  WriteFile(a / "ca.crt", "");
  loaded = CertificateAuthority::Load(a);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(loaded.status().message(), HasSubstr("ca.crt"));

  // b's certificate with a's key.
  WriteFile(a / "ca.crt", test::ReadFile(dir.path() / "b" / "ca.crt"));
  loaded = CertificateAuthority::Load(a);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(loaded.status().message(), HasSubstr("does not match"));

  std::filesystem::remove(a / "ca.key");
  WriteFile(a / "ca.crt", certificate);
  EXPECT_EQ(CertificateAuthority::Load(a).status().code(), absl::StatusCode::kNotFound);
}

// A leaf certificate is not accepted as the CA certificate.
TEST(CertificateAuthorityTest, LoadRefusesNonCaCertificate) {
  TempDir dir;
  const CertificateAuthority ca = MakeCa(dir.path() / "ca");
  absl::StatusOr<IssuedKeyPair> leaf = ca.IssueClientCertificate("leaf", 1, Now());
  ASSERT_TRUE(leaf.ok());
  WriteFile(dir.path() / "ca.key", leaf->private_key_pem);
  WriteFile(dir.path() / "ca.crt", leaf->certificate.pem);
  absl::StatusOr<CertificateAuthority> loaded = CertificateAuthority::Load(dir.path());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(loaded.status().message(), HasSubstr("not a CA"));
}

}  // namespace
}  // namespace iothub::crypto
