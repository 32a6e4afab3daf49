// Tests of CertIdentity: the username, CN and DN EMQX 5.3 derives from a client
// certificate with peer_cert_as_username = pem.
#include "mosquitto_plugin/cert_identity.h"

#include <gtest/gtest.h>

#include <string>

#include "test_certs.h"

namespace iothub::mosquitto_plugin {
namespace {

using testing::Issue;
using testing::MakeCa;
using testing::NameEntry;

// The PEM body without the BEGIN/END lines and newlines: base64 of the DER.
std::string PemBody(const std::string& pem) {
  std::string body;
  std::string line;
  for (char c : pem) {
    if (c != '\n') {
      line += c;
      continue;
    }
    if (line.rfind("-----", 0) != 0) body += line;
    line.clear();
  }
  return body;
}

TEST(CertIdentityTest, PemUsernameIsOneLineBase64OfDer) {
  auto ca = MakeCa("Test CA");
  auto device =
      Issue(ca, {{"C", "US"}, {"O", "ExhookTest"}, {"OU", "Devices"}, {"CN", "device-001"}},
            /*server=*/false);
  auto identity = IdentityFromCertificate(device.cert.get());
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->pem_username, PemBody(device.cert_pem));
  EXPECT_EQ(identity->pem_username.find('\n'), std::string::npos);
  EXPECT_EQ(identity->cn, "device-001");
  EXPECT_EQ(identity->dn, "CN=device-001,OU=Devices,O=ExhookTest,C=US");
}

// RFC 4514 escapes , + " backslash < > ; (not =) and keeps UTF-8 as it is.
TEST(CertIdentityTest, DnEscapesSpecialCharactersAndKeepsUtf8) {
  auto ca = MakeCa("Test CA");
  auto device = Issue(ca,
                      {{"C", "DE"},
                       {"O", "Acme, Inc."},
                       {"OU", "Say \"hi\""},
                       {"L", "M\xC3\xBCnchen"},
                       {"CN", "a+b=c;d<e>f\\g"}},
                      false);
  auto identity = IdentityFromCertificate(device.cert.get());
  ASSERT_TRUE(identity.ok());
  EXPECT_EQ(identity->cn, "a+b=c;d<e>f\\g");
  EXPECT_EQ(identity->dn,
            "CN=a\\+b=c\\;d\\<e\\>f\\\\g,L=M\xC3\xBCnchen,OU=Say \\\"hi\\\","
            "O=Acme\\, Inc.,C=DE");
}

TEST(CertIdentityTest, LeadingAndTrailingSpacesAndHashAreEscaped) {
  auto ca = MakeCa("Test CA");
  auto device = Issue(ca, {{"O", " padded "}, {"CN", "#hash"}}, false);
  auto identity = IdentityFromCertificate(device.cert.get());
  ASSERT_TRUE(identity.ok());
  EXPECT_EQ(identity->dn, "CN=\\#hash,O=\\ padded\\ ");
}

// OpenSSL prints the members of a multi-valued RDN in reverse too (RFC 4514 leaves
// their order open).
TEST(CertIdentityTest, MultiValuedRdnUsesPlus) {
  auto ca = MakeCa("Test CA");
  auto device =
      Issue(ca, {{"O", "Org"}, {"CN", "dev"}, {"OU", "Unit", /*join_previous=*/true}}, false);
  auto identity = IdentityFromCertificate(device.cert.get());
  ASSERT_TRUE(identity.ok());
  EXPECT_EQ(identity->dn, "OU=Unit+CN=dev,O=Org");
  EXPECT_EQ(identity->cn, "dev");
}

TEST(CertIdentityTest, NoCnGivesEmptyCn) {
  auto ca = MakeCa("Test CA");
  auto device = Issue(ca, {{"O", "OnlyOrg"}}, false);
  auto identity = IdentityFromCertificate(device.cert.get());
  ASSERT_TRUE(identity.ok());
  EXPECT_EQ(identity->cn, "");
  EXPECT_EQ(identity->dn, "O=OnlyOrg");
}

TEST(CertIdentityTest, NullCertificateIsAnError) {
  EXPECT_FALSE(IdentityFromCertificate(nullptr).ok());
}

}  // namespace
}  // namespace iothub::mosquitto_plugin
