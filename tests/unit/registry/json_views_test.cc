#include "registry/json_views.h"

#include <gtest/gtest.h>

namespace iothub::registry {
namespace {

using nlohmann::json;

// Keys come in the contract's order, id first.
TEST(JsonViewsTest, KeysInContractOrder) {
  Device device;
  device.id = "d1";
  EXPECT_EQ(DeviceToJson(device).begin().key(), "id");
  EXPECT_EQ(UserToJson(User{}).begin().key(), "id");
}

// A device shows every contract key, absent optionals as null, times in ISO 8601.
TEST(JsonViewsTest, Device) {
  Device device;
  device.id = "d1";
  device.status = DeviceStatus::kBound;
  device.owner_id = "u1";
  device.created_at = 1'700'000'000'000;
  const json view = DeviceToJson(device);  // key order aside
  EXPECT_EQ(view, json::parse(R"({"id":"d1","model":"","publicKey":null,"ownerId":"u1",
      "status":"bound","firmwareVersion":null,"lastSeenAt":null,
      "createdAt":"2023-11-14T22:13:20.000Z"})"));
}

// A user's balance is a two-decimal string; metadata an object; subject as userId.
TEST(JsonViewsTest, User) {
  User user;
  user.id = "u1";
  user.subject = "kc-1";
  user.email = "a@example.com";
  user.name = "Ann";
  user.balance_cents = 1205;
  user.plan = "pro";
  user.plan_expires_at = 1'700'000'000'000;
  user.metadata_json = R"({"k":[1]})";
  const json view = UserToJson(user);
  EXPECT_EQ(view["balance"], "12.05");
  EXPECT_EQ(view["userId"], "kc-1");
  EXPECT_EQ(view["role"], "user");
  EXPECT_EQ(view["avatar"], nullptr);
  EXPECT_EQ(view["planExpiresAt"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(view["metadata"], json::parse(R"({"k":[1]})"));
  EXPECT_EQ(view.size(), 12u);
  user.subject.clear();
  EXPECT_EQ(UserToJson(user)["userId"], nullptr);
}

// A validation answer carries deviceId and reason only when they apply.
TEST(JsonViewsTest, Validation) {
  FingerprintValidation ok{.valid = true, .device_id = "d1", .fingerprint = "AB", .reason = {}};
  EXPECT_EQ(json(ValidationToJson(ok)),
            json::parse(R"({"valid":true,"deviceId":"d1","fingerprint":"AB"})"));
  FingerprintValidation unknown{.valid = false,
                                .device_id = {},
                                .fingerprint = "AB",
                                .reason = CertificateRejection::kUnknown};
  EXPECT_EQ(json(ValidationToJson(unknown)),
            json::parse(R"({"valid":false,"fingerprint":"AB","reason":"unknown"})"));
}

// Pages carry the items and the paging numbers.
TEST(JsonViewsTest, Pages) {
  Device device;
  device.id = "d1";
  Page<Device> page{.items = {device}, .total = 7, .page = 2, .limit = 1};
  const json view = DevicePageToJson(page);
  EXPECT_EQ(view["total"], 7);
  EXPECT_EQ(view["page"], 2);
  EXPECT_EQ(view["limit"], 1);
  ASSERT_EQ(view["devices"].size(), 1u);
  EXPECT_EQ(view["devices"][0]["id"], "d1");
  EXPECT_EQ(json(UserPageToJson(Page<User>{})["users"]), json::array());
}

}  // namespace
}  // namespace iothub::registry
