// Server and client certificates with keys the CA generates.
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

class IssueCertificateTest : public ::testing::Test {
 protected:
  IssueCertificateTest() : ca_(test::MakeCa(dir_.path())) {}

  // Saves `pair` as name.crt / name.key.
  void Save(const std::string& name, const IssuedKeyPair& pair) {
    test::WriteFile(dir_.path() / (name + ".crt"), pair.certificate.pem);
    test::WriteFile(dir_.path() / (name + ".key"), pair.private_key_pem);
  }
  std::string Path(const std::string& name) const { return Q(dir_.path() / name); }

  test::TempDir dir_;
  CertificateAuthority ca_;
};

// A server certificate has the SANs, serverAuth + clientAuth, and a matching P-256 key.
TEST_F(IssueCertificateTest, ServerCertificate) {
  absl::StatusOr<IssuedKeyPair> server = ca_.IssueServerCertificate(
      {"DNS:emqx", "DNS:localhost", "DNS:emqx-mtls.example.com", "IP:127.0.0.1", "IP:::1"}, "emqx",
      825, Now());
  ASSERT_TRUE(server.ok()) << server.status();
  Save("server", *server);
  EXPECT_THAT(server->private_key_pem, HasSubstr("-----BEGIN PRIVATE KEY-----"));

  for (const char* purpose : {"sslserver", "sslclient"}) {
    const test::CommandResult verify =
        RunCommand(std::string("openssl verify -purpose ") + purpose + " -CAfile " +
                   Path("ca.crt") + " " + Path("server.crt"));
    EXPECT_EQ(verify.exit_code, 0) << purpose << ": " << verify.output;
  }
  const test::CommandResult text =
      RunCommand("openssl x509 -noout -text -in " + Path("server.crt"));
  EXPECT_THAT(text.output, HasSubstr("Subject: CN = emqx\n"));
  EXPECT_THAT(text.output, HasSubstr("DNS:emqx, DNS:localhost, DNS:emqx-mtls.example.com, "
                                     "IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"));
  EXPECT_THAT(text.output,
              HasSubstr("TLS Web Server Authentication, TLS Web Client Authentication"));
  EXPECT_THAT(text.output, HasSubstr("CA:FALSE"));
  EXPECT_THAT(text.output, HasSubstr("NIST CURVE: P-256"));

  // The key belongs to the certificate.
  const test::CommandResult key_pub = RunCommand("openssl pkey -pubout -in " + Path("server.key"));
  EXPECT_EQ(key_pub.output, server->certificate.public_key_pem);
  const test::CommandResult check =
      RunCommand("openssl x509 -noout -pubkey -in " + Path("server.crt"));
  EXPECT_EQ(check.output, key_pub.output);
}

// Malformed SANs, or none, are refused with the offending entry named.
TEST_F(IssueCertificateTest, RefusesBadSans) {
  const std::string bad[] = {"emqx",
                             "DNS:",
                             "dns:emqx",
                             "DNS:-emqx",
                             "DNS:emqx-",
                             "DNS:a..b",
                             "DNS:.emqx",
                             "DNS:*.emqx",
                             "DNS:em qx",
                             "DNS:emqx,IP:1.2.3.4",
                             "DNS:a_b",
                             "IP:",
                             "IP:1.2.3",
                             "IP:300.1.1.1",
                             "IP:1.2.3.4/24",
                             "IP:::g",
                             "URI:http://x",
                             "email:a@b.c",
                             "dirName:sect",
                             "DNS:" + std::string(64, 'a'),
                             "DNS:" + std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                                 std::string(63, 'c') + "." + std::string(63, 'd')};
  for (const std::string& san : bad) {
    absl::StatusOr<IssuedKeyPair> issued =
        ca_.IssueServerCertificate({"DNS:ok", san}, "s", 30, Now());
    EXPECT_EQ(issued.status().code(), absl::StatusCode::kInvalidArgument) << san;
    if (!issued.ok()) {
      EXPECT_THAT(issued.status().message(), HasSubstr("SAN '" + san + "'"));
    }
  }
  EXPECT_EQ(ca_.IssueServerCertificate({}, "s", 30, Now()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Common names must be 1-64 printable ASCII characters; days 1-3650.
TEST_F(IssueCertificateTest, RefusesBadCommonNameAndDays) {
  for (const std::string& name :
       {std::string(), std::string(65, 'a'), std::string("a\nb"), std::string("caf\xc3\xa9")}) {
    EXPECT_EQ(ca_.IssueClientCertificate(name, 30, Now()).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ca_.IssueServerCertificate({"DNS:a"}, name, 30, Now()).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(ca_.IssueClientCertificate(std::string(64, 'a'), 30, Now()).ok());
  EXPECT_EQ(ca_.IssueClientCertificate("c", 0, Now()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ca_.IssueServerCertificate({"DNS:a"}, "s", 3651, Now()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// A client certificate is for clientAuth only, has no SAN, and openssl accepts it.
TEST_F(IssueCertificateTest, ClientCertificate) {
  absl::StatusOr<IssuedKeyPair> client = ca_.IssueClientCertificate("iot-hub", 30, Now());
  ASSERT_TRUE(client.ok()) << client.status();
  Save("client", *client);
  const test::CommandResult verify = RunCommand("openssl verify -purpose sslclient -CAfile " +
                                                Path("ca.crt") + " " + Path("client.crt"));
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  const test::CommandResult server = RunCommand("openssl verify -purpose sslserver -CAfile " +
                                                Path("ca.crt") + " " + Path("client.crt"));
  EXPECT_NE(server.exit_code, 0) << server.output;
  const test::CommandResult text =
      RunCommand("openssl x509 -noout -text -in " + Path("client.crt"));
  EXPECT_THAT(text.output, HasSubstr("Subject: CN = iot-hub\n"));
  EXPECT_THAT(text.output, HasSubstr("TLS Web Client Authentication\n"));
  EXPECT_THAT(text.output, Not(HasSubstr("Subject Alternative Name")));

  absl::StatusOr<ClientCertificateInfo> info =
      ca_.VerifyClientCertificate(client->certificate.der, Now());
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->common_name, "iot-hub");
}

}  // namespace
}  // namespace iothub::crypto
