#include "auth/session_record.h"

#include <gtest/gtest.h>

namespace iothub::auth {
namespace {

// Every field of a session survives the journal's text form.
TEST(SessionRecordTest, RoundTrip) {
  auto principal = std::make_shared<Principal>();
  principal->kind = PrincipalKind::kDevice;
  principal->id = "dev-1";
  principal->owner_id = "user-1";
  principal->clientid = "dev-1";
  principal->username = std::string("odd \"name\"\n\xff", 13);
  const std::string text = EncodeSession(SessionState{principal, 2, 1, 1'700'000'000'000});
  auto back = DecodeSession(text);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->principal->kind, PrincipalKind::kDevice);
  EXPECT_EQ(back->principal->id, "dev-1");
  EXPECT_EQ(back->principal->owner_id, "user-1");
  EXPECT_EQ(back->principal->clientid, "dev-1");
  EXPECT_FALSE(back->principal->hub_link);
  EXPECT_EQ(back->connections, 2);
  EXPECT_EQ(back->pending, 1);
  EXPECT_EQ(back->admitted_at, 1'700'000'000'000);
}

// Text this build did not write is refused, never half-read into a principal.
TEST(SessionRecordTest, RefusesMalformedText) {
  const std::string good =
      R"({"kind":"user","id":"u","owner_id":"","clientid":"c","username":"jwt","hub_link":false,)"
      R"("connections":1,"pending":0,"admitted_at":5})";
  ASSERT_TRUE(DecodeSession(good).ok());
  for (
      std::string_view bad : {
          "",
          "null",
          "[]",
          "{}",
          "{\"kind\":",
          R"({"kind":"root","id":"u","owner_id":"","clientid":"c","username":"","hub_link":false,"connections":1,"pending":0,"admitted_at":5})",
          R"({"kind":"user","id":"u","owner_id":"","clientid":"c","username":"","hub_link":"no","connections":1,"pending":0,"admitted_at":5})",
          R"({"kind":"user","id":"u","owner_id":"","clientid":"c","username":"","hub_link":false,"connections":-1,"pending":0,"admitted_at":5})",
          R"({"kind":"user","id":7,"owner_id":"","clientid":"c","username":"","hub_link":false,"connections":1,"pending":0,"admitted_at":5})",
      }) {
    EXPECT_FALSE(DecodeSession(bad).ok()) << bad;
  }
  std::string deep(100'000, '[');
  EXPECT_FALSE(DecodeSession(deep).ok());
}

// A principal alone (as shared sessions keep it): every field survives, the broker
// bridge flag included; a journal of an older build (no flag) reads as no bridge; a
// flag of the wrong type is refused.
TEST(SessionRecordTest, PrincipalRoundTripAndBridgeFlag) {
  Principal bridge;
  bridge.kind = PrincipalKind::kService;
  bridge.id = "bridge-a";
  bridge.clientid = "bridge-a";
  bridge.username = "jwt";
  bridge.broker_bridge = true;
  auto back = DecodePrincipal(EncodePrincipal(bridge));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ((*back)->kind, PrincipalKind::kService);
  EXPECT_EQ((*back)->id, "bridge-a");
  EXPECT_TRUE((*back)->broker_bridge);
  EXPECT_FALSE((*back)->hub_link);

  const std::string older =
      R"({"kind":"service","id":"s","owner_id":"","clientid":"c","username":"jwt",)"
      R"("hub_link":false})";
  auto old_principal = DecodePrincipal(older);
  ASSERT_TRUE(old_principal.ok()) << old_principal.status();
  EXPECT_FALSE((*old_principal)->broker_bridge);
  EXPECT_FALSE(DecodePrincipal(R"({"kind":"service","id":"s","owner_id":"","clientid":"c",)"
                               R"("username":"jwt","hub_link":false,"broker_bridge":1})")
                   .ok());
  EXPECT_FALSE(DecodePrincipal("[]").ok());
  EXPECT_FALSE(DecodePrincipal(R"({"kind":"root","id":"s"})").ok());
}

}  // namespace
}  // namespace iothub::auth
