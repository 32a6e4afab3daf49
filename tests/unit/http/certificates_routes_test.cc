// /api/devices/certificates: sign-csr with a real CSR (openssl CLI), read, revoke,
// validate and the CA certificate, per role; garbage CSRs change nothing.
#include "unit/http/api_fixture.h"

namespace iothub::http::testing {
namespace {

using CertificatesRoutesTest = ApiTest;

// The owner has a CSR signed; the answer has the contract's fields and the CA PEM.
TEST_F(CertificatesRoutesTest, OwnerSignsCsr) {
  MakeDevice("dev-1", alice_.id);
  Answer answer =
      Post("/api/devices/certificates/sign-csr", Alice(),
           {{"deviceId", "dev-1"}, {"csrPem", MakeCsr("dev-1")}, {"firmwareVersion", "2.0"}});
  ASSERT_EQ(answer.status, 200) << answer.text;
  for (const char* field :
       {"certificate", "caCertificate", "fingerprint", "serialNumber", "validFrom", "validTo"}) {
    EXPECT_TRUE(answer.body[field].is_string()) << field;
  }
  EXPECT_NE(answer.body["certificate"].get<std::string>().find("BEGIN CERTIFICATE"),
            std::string::npos);
  EXPECT_EQ(answer.body["caCertificate"], CaPem());
  EXPECT_EQ(Get("/api/devices", Alice()).body["devices"][0]["firmwareVersion"], "2.0");
}

// Garbage CSRs are 400 naming csrPem; another user's device is 403; unknown 404.
TEST_F(CertificatesRoutesTest, SignCsrRefusals) {
  MakeDevice("dev-1", alice_.id);
  const StoreCounts before = Counts();
  for (const std::string& csr : {std::string("garbage"),
                                 std::string("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"
                                             "-----END CERTIFICATE REQUEST-----\n"),
                                 std::string()}) {
    Answer bad = Post("/api/devices/certificates/sign-csr", AdminToken(),
                      {{"deviceId", "dev-1"}, {"csrPem", csr}});
    EXPECT_EQ(bad.status, 400) << bad.text;
    EXPECT_EQ(bad.body["error"]["details"][0]["field"], "csrPem") << bad.text;
  }
  const std::string csr = MakeCsr("dev-1");
  EXPECT_EQ(
      Post("/api/devices/certificates/sign-csr", Bob(), {{"deviceId", "dev-1"}, {"csrPem", csr}})
          .status,
      403);
  EXPECT_EQ(Post("/api/devices/certificates/sign-csr", AdminToken(),
                 {{"deviceId", "ghost"}, {"csrPem", csr}})
                .status,
            404);
  EXPECT_EQ(Post("/api/devices/certificates/sign-csr", AdminToken(),
                 {{"deviceId", "dev-1"}, {"csrPem", 42}})
                .status,
            400);
  EXPECT_EQ(Counts(), before);
}

// Read, validate and revoke by fingerprint (any case, with or without colons).
TEST_F(CertificatesRoutesTest, ReadValidateRevoke) {
  MakeDevice("dev-1", alice_.id);
  Answer signed_answer = Post("/api/devices/certificates/sign-csr", AdminToken(),
                              {{"deviceId", "dev-1"}, {"csrPem", MakeCsr("dev-1")}});
  ASSERT_EQ(signed_answer.status, 200) << signed_answer.text;
  const std::string fingerprint = signed_answer.body["fingerprint"];
  std::string compact;
  for (char c : fingerprint) {
    if (c != ':') compact.push_back(static_cast<char>(std::tolower(c)));
  }

  Answer read = Get("/api/devices/certificates/" + compact, Alice());
  ASSERT_EQ(read.status, 200) << read.text;
  EXPECT_EQ(read.body["deviceId"], "dev-1");
  EXPECT_EQ(read.body["fingerprint"], fingerprint);
  EXPECT_EQ(Get("/api/devices/certificates/" + fingerprint, Bob()).status, 403);

  Answer valid = Post("/api/devices/certificates/validate/" + fingerprint, AdminToken(), {});
  ASSERT_EQ(valid.status, 200) << valid.text;
  EXPECT_EQ(valid.body["valid"], true);
  EXPECT_EQ(valid.body["deviceId"], "dev-1");
  EXPECT_FALSE(valid.body.contains("reason"));

  EXPECT_EQ(Delete("/api/devices/certificates/" + fingerprint, Bob()).status, 403);
  Answer revoked = Delete("/api/devices/certificates/" + fingerprint, Alice());
  ASSERT_EQ(revoked.status, 200) << revoked.text;
  EXPECT_TRUE(revoked.body["message"].is_string());
  EXPECT_EQ(Delete("/api/devices/certificates/" + fingerprint, Alice()).status, 409);

  Answer invalid = Post("/api/devices/certificates/validate/" + fingerprint, Alice(), {});
  EXPECT_EQ(invalid.body["valid"], false);
  EXPECT_EQ(invalid.body["reason"], "revoked");
}

// An unknown well-formed fingerprint: 404 to read, {valid:false, reason:unknown} to validate;
// malformed ones are 400.
TEST_F(CertificatesRoutesTest, UnknownAndMalformedFingerprints) {
  const std::string unknown(64, 'A');
  EXPECT_EQ(Get("/api/devices/certificates/" + unknown, AdminToken()).status, 404);
  Answer answer = Post("/api/devices/certificates/validate/" + unknown, Alice(), {});
  ASSERT_EQ(answer.status, 200) << answer.text;
  EXPECT_EQ(answer.body["valid"], false);
  EXPECT_EQ(answer.body["reason"], "unknown");
  EXPECT_EQ(Get("/api/devices/certificates/ABCD", AdminToken()).status, 400);
  EXPECT_EQ(Get("/api/devices/certificates/xyz", AdminToken()).status, 400);
  EXPECT_EQ(Delete("/api/devices/certificates/zz%00", AdminToken()).status, 400);
}

// The CA certificate is served as PEM to any caller, and not without credentials.
TEST_F(CertificatesRoutesTest, CaCertificate) {
  Answer answer = Get("/api/devices/certificates/ca", Alice());
  ASSERT_EQ(answer.status, 200);
  EXPECT_EQ(answer.text, CaPem());
  EXPECT_EQ(Get("/api/devices/certificates/ca", {}).status, 401);
}

}  // namespace
}  // namespace iothub::http::testing
