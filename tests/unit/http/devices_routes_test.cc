// /api/devices: sign-device, bind, unbind and the listings, per role.
#include "unit/http/api_fixture.h"

namespace iothub::http::testing {
namespace {

using DevicesRoutesTest = ApiTest;

std::string PublicKeyPem() {
  return auth::testing::PublicPem(auth::testing::TestKeys().ec256.get());
}

// An admin registers a device with its public key: 201 {message, device}.
TEST_F(DevicesRoutesTest, AdminSignsDevice) {
  Answer answer = Post("/api/devices/sign-device", AdminToken(),
                       {{"id", "dev-1"},
                        {"publicKey", PublicKeyPem()},
                        {"model", "m1"},
                        {"firmwareVersion", "1.0.0"}});
  ASSERT_EQ(answer.status, 201) << answer.text;
  EXPECT_FALSE(answer.body["message"].get<std::string>().empty());
  EXPECT_EQ(answer.body["device"]["id"], "dev-1");
  EXPECT_EQ(answer.body["device"]["status"], "unbound");
  EXPECT_EQ(answer.body["device"]["model"], "m1");
  EXPECT_TRUE(answer.body["device"]["ownerId"].is_null());
  EXPECT_EQ(answer.body["claimCode"].get<std::string>().size(), 19u);
  // The same id again is a conflict.
  const StoreCounts before = Counts();
  EXPECT_EQ(Post("/api/devices/sign-device", AdminToken(),
                 {{"id", "dev-1"}, {"publicKey", PublicKeyPem()}})
                .status,
            409);
  EXPECT_EQ(Counts(), before);
}

// Bad ids, keys and missing fields are 400 with one detail per field; users get 403.
TEST_F(DevicesRoutesTest, SignDeviceRefusesBadInput) {
  const StoreCounts before = Counts();
  Answer bad = Post("/api/devices/sign-device", AdminToken(),
                    {{"id", "../etc"}, {"publicKey", "not a key"}});
  EXPECT_EQ(bad.status, 400);
  ASSERT_EQ(bad.body["error"]["details"].size(), 2u) << bad.text;
  EXPECT_EQ(bad.body["error"]["details"][0]["field"], "id");
  EXPECT_EQ(bad.body["error"]["details"][1]["field"], "publicKey");
  Answer missing = Post("/api/devices/sign-device", AdminToken(), {{"id", "dev-2"}});
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.body["error"]["details"][0]["field"], "publicKey");
  EXPECT_EQ(
      Post("/api/devices/sign-device", Alice(), {{"id", "dev-3"}, {"publicKey", PublicKeyPem()}})
          .status,
      403);
  EXPECT_EQ(Counts(), before);
}

// A user binds an unbound device to themself, and only to themself, with its code.
TEST_F(DevicesRoutesTest, UserBindsOnlyToThemself) {
  MakeDevice("dev-a");
  const std::string code = claim_codes_["dev-a"];
  const StoreCounts before = Counts();
  EXPECT_EQ(Post("/api/devices/bind-device", Alice(),
                 {{"id", "dev-a"}, {"ownerId", bob_.id}, {"claimCode", code}})
                .status,
            403);
  EXPECT_EQ(Counts(), before);
  Answer bound = Post("/api/devices/bind-device", Alice(),
                      {{"id", "dev-a"}, {"ownerId", alice_.id}, {"claimCode", code}});
  ASSERT_EQ(bound.status, 200) << bound.text;
  EXPECT_EQ(bound.body["device"]["status"], "bound");
  EXPECT_EQ(bound.body["device"]["ownerId"], alice_.id);
}

// Binding a bound device is 409; a user is not told who owns it.
TEST_F(DevicesRoutesTest, BindBoundDeviceIsConflict) {
  MakeDevice("dev-b", bob_.id);
  const StoreCounts before = Counts();
  Answer answer =
      Post("/api/devices/bind-device", Alice(),
           {{"id", "dev-b"}, {"ownerId", alice_.id}, {"claimCode", "0000-0000-0000-0000"}});
  EXPECT_EQ(answer.status, 409);
  EXPECT_EQ(answer.text.find(bob_.id), std::string::npos);
  const StoreCounts after_user = Counts();
  EXPECT_EQ(after_user.audit, before.audit + 1);  // the refused claim is audited
  EXPECT_EQ(after_user.devices, before.devices);
  EXPECT_EQ(
      Post("/api/devices/bind-device", AdminToken(), {{"id", "dev-b"}, {"ownerId", alice_.id}})
          .status,
      409);
  EXPECT_EQ(Post("/api/devices/bind-device", AdminToken(), {{"id", "nope"}, {"ownerId", alice_.id}})
                .status,
            404);
  EXPECT_EQ(Post("/api/devices/bind-device", AdminToken(), {{"id", "dev-b"}, {"ownerId", "ghost"}})
                .status,
            409);  // bound first: the state is checked before the user
  EXPECT_EQ(Counts(), after_user);
}

// The admin binds to any user; an unknown owner is 404.
TEST_F(DevicesRoutesTest, AdminBindsToAnyUser) {
  MakeDevice("dev-c");
  EXPECT_EQ(
      Post("/api/devices/bind-device", AdminJwt(), {{"id", "dev-c"}, {"ownerId", "ghost"}}).status,
      404);
  Answer answer =
      Post("/api/devices/bind-device", AdminJwt(), {{"id", "dev-c"}, {"ownerId", bob_.id}});
  ASSERT_EQ(answer.status, 200) << answer.text;
  EXPECT_EQ(answer.body["device"]["ownerId"], bob_.id);
}

// The owner unbinds; another user gets 403; an unbound device is 409.
TEST_F(DevicesRoutesTest, Unbind) {
  MakeDevice("dev-d", alice_.id);
  const StoreCounts before = Counts();
  EXPECT_EQ(Post("/api/devices/unbind-device", Bob(), {{"id", "dev-d"}}).status, 403);
  EXPECT_EQ(Counts(), before);
  Answer answer = Post("/api/devices/unbind-device", Alice(), {{"id", "dev-d"}});
  ASSERT_EQ(answer.status, 200) << answer.text;
  EXPECT_EQ(answer.body["device"]["status"], "unbound");
  EXPECT_EQ(answer.body["claimCode"].get<std::string>().size(), 19u);
  Answer again = Post("/api/devices/unbind-device", AdminToken(), {{"id", "dev-d"}});
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(Code(again), "failed_precondition");
  EXPECT_EQ(Post("/api/devices/unbind-device", AdminToken(), {{"id", "ghost"}}).status, 404);
}

// GET /api/devices lists the caller's own devices; all of them for an admin.
TEST_F(DevicesRoutesTest, ListDevices) {
  MakeDevice("a1", alice_.id);
  MakeDevice("a2", alice_.id);
  MakeDevice("b1", bob_.id);
  MakeDevice("free");
  Answer own = Get("/api/devices", Alice());
  ASSERT_EQ(own.status, 200) << own.text;
  EXPECT_EQ(own.body["total"], 2);
  for (const json& device : own.body["devices"]) EXPECT_EQ(device["ownerId"], alice_.id);
  EXPECT_EQ(Get("/api/devices", AdminJwt()).body["total"], 4);
  Answer paged = Get("/api/devices?page=2&limit=3", AdminToken());
  EXPECT_EQ(paged.body["devices"].size(), 1u);
  EXPECT_EQ(paged.body["page"], 2);
  EXPECT_EQ(Get("/api/devices/admin/all", AdminToken()).body["total"], 4);
  EXPECT_EQ(Get("/api/devices/admin/all", Alice()).status, 403);
  EXPECT_EQ(Get("/api/devices?limit=1000", Alice()).status, 400);
}

// ?expiringWithinDays: only devices whose current certificate ends within the days, in
// the caller's own scope (every device for an admin); a bad value is 400.
TEST_F(DevicesRoutesTest, ListDevicesExpiring) {
  MakeDevice("a1", alice_.id);
  MakeDevice("a2", alice_.id);
  MakeDevice("b1", bob_.id);
  for (const auto& [id, days] : {std::pair{"a1", 10}, std::pair{"a2", 365}, std::pair{"b1", 5}}) {
    ASSERT_TRUE(registry_->certificates()
                    .SignCsr({.device_id = id, .csr_pem = MakeCsr(id), .days = days}, "test")
                    .ok());
  }
  Answer own = Get("/api/devices?expiringWithinDays=30", Alice());
  ASSERT_EQ(own.status, 200) << own.text;
  EXPECT_EQ(own.body["total"], 1);
  EXPECT_EQ(own.body["devices"][0]["id"], "a1");
  EXPECT_EQ(Get("/api/devices?expiringWithinDays=30", AdminJwt()).body["total"], 2);
  EXPECT_EQ(Get("/api/devices/admin/all?expiringWithinDays=7", AdminToken()).body["total"], 1);
  EXPECT_EQ(Get("/api/devices?expiringWithinDays=400", Alice()).body["total"], 2);
  for (const char* bad : {"0", "3651", "x", "-1", ""}) {
    EXPECT_EQ(Get(std::string("/api/devices?expiringWithinDays=") + bad, Alice()).status, 400)
        << bad;
  }
}

}  // namespace
}  // namespace iothub::http::testing
