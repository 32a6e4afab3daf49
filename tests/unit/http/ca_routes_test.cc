// /api/ca: status, bundle, rotate and retire through the real server; admins only,
// audited, 409 while device certificates depend on a CA.
#include "unit/http/api_fixture.h"

namespace iothub::http::testing {
namespace {

using CaRoutesTest = ApiTest;

// Users are refused every CA route; nothing changes.
TEST_F(CaRoutesTest, AdminsOnly) {
  const StoreCounts before = Counts();
  EXPECT_EQ(Get("/api/ca", Alice()).status, 403);
  EXPECT_EQ(Get("/api/ca/bundle", Alice()).status, 403);
  EXPECT_EQ(Post("/api/ca/rotate", Alice(), json::object()).status, 403);
  EXPECT_EQ(Post("/api/ca/0011223344556677/retire", Alice(), json::object()).status, 403);
  EXPECT_EQ(Get("/api/ca", {}).status, 401);
  EXPECT_EQ(cas_->set()->entries().size(), 1u);
  EXPECT_EQ(Counts().audit, before.audit);
}

// Rotate (201, audited), then the new CA signs, the bundle holds both, the status
// counts the old CA's device; retire is 409 until forced, then the bundle shrinks.
TEST_F(CaRoutesTest, RotateStatusBundleRetire) {
  MakeDevice("dev-1", alice_.id);
  Answer signed_old = Post("/api/devices/certificates/sign-csr", AdminToken(),
                           {{"deviceId", "dev-1"}, {"csrPem", MakeCsr("dev-1")}});
  ASSERT_EQ(signed_old.status, 200) << signed_old.text;
  Answer first = Get("/api/ca", AdminToken());
  ASSERT_EQ(first.status, 200) << first.text;
  ASSERT_EQ(first.body["cas"].size(), 1u);
  const std::string old_id = first.body["cas"][0]["id"];
  EXPECT_EQ(first.body["cas"][0]["activeCertificates"], 1);

  const StoreCounts before = Counts();
  Answer rotated = Post("/api/ca/rotate", AdminJwt(), json::object());
  ASSERT_EQ(rotated.status, 201) << rotated.text;
  EXPECT_EQ(rotated.body["signing"], true);
  EXPECT_EQ(rotated.body["generation"], 1);
  EXPECT_EQ(Counts().audit, before.audit + 1);
  const std::string new_id = rotated.body["id"];

  Answer ca = Get("/api/devices/certificates/ca", Alice());
  EXPECT_EQ(ca.text, CaPem());
  Answer bundle = Get("/api/ca/bundle", AdminToken());
  ASSERT_EQ(bundle.status, 200);
  EXPECT_NE(bundle.text.find(signed_old.body["caCertificate"].get<std::string>()),
            std::string::npos);
  EXPECT_NE(bundle.text.find(CaPem()), std::string::npos);

  Answer refused = Post("/api/ca/" + old_id + "/retire", AdminToken(), json::object());
  EXPECT_EQ(refused.status, 409) << refused.text;
  EXPECT_NE(refused.text.find("1 active"), std::string::npos) << refused.text;
  EXPECT_EQ(Post("/api/ca/" + new_id + "/retire", AdminToken(), {{"force", true}}).status, 409);
  EXPECT_EQ(Post("/api/ca/ffffffffffffffff/retire", AdminToken(), {{"force", true}}).status, 404);
  Answer bad = Post("/api/ca/zz/retire", AdminToken(), {{"force", true}});
  EXPECT_EQ(bad.status, 400) << bad.text;
  EXPECT_EQ(Post("/api/ca/" + old_id + "/retire", AdminToken(), {{"force", "yes"}}).status, 400);

  Answer retired = Post("/api/ca/" + old_id + "/retire", AdminToken(), {{"force", true}});
  ASSERT_EQ(retired.status, 200) << retired.text;
  EXPECT_EQ(retired.body["revokedCertificates"], 1);
  EXPECT_EQ(Get("/api/ca/bundle", AdminToken()).text, CaPem());
  Answer after = Get("/api/ca", AdminToken());
  EXPECT_EQ(after.body["cas"][0]["status"], "retired");
  EXPECT_EQ(after.body["cas"][0]["activeCertificates"], 0);
  Answer validation = Send(
      "POST",
      "/api/devices/certificates/validate/" + signed_old.body["fingerprint"].get<std::string>(),
      AdminToken(), "");
  EXPECT_EQ(validation.body["reason"], "revoked") << validation.text;
}

}  // namespace
}  // namespace iothub::http::testing
