// POST /api/devices/claim, bind-device's claim code rule, lockouts with Retry-After,
// the claim codes in the sign-device and unbind answers, and admin rotation.
#include "unit/http/api_fixture.h"

namespace iothub::http::testing {
namespace {

using ClaimRoutesTest = ApiTest;

constexpr char kWrong[] = "0000-0000-0000-0000";

// The audit actions of the newest `n` rows, newest first.
std::vector<std::string> LastActions(store::Store& store, int n) {
  std::vector<std::string> out;
  const auto audit = store.ListAudit(n);
  for (const auto& entry : *audit) out.push_back(entry.action);
  return out;
}

// A user claims an unbound device with its code: 200, bound to them, audited with
// their actor; the code does not appear in the audit log.
TEST_F(ClaimRoutesTest, ClaimWithRightCode) {
  MakeDevice("dev-1");
  Answer answer =
      Post("/api/devices/claim", Alice(), {{"id", "dev-1"}, {"claimCode", claim_codes_["dev-1"]}});
  ASSERT_EQ(answer.status, 200) << answer.text;
  EXPECT_EQ(answer.body["device"]["status"], "bound");
  EXPECT_EQ(answer.body["device"]["ownerId"], alice_.id);
  auto audit = store_->ListAudit(1);
  EXPECT_EQ((*audit)[0].action, "device.claim");
  EXPECT_EQ((*audit)[0].actor, "user:" + alice_.id);
  const auto all = store_->ListAudit(100);
  for (const auto& entry : *all) {
    EXPECT_EQ(entry.details_json.find(claim_codes_["dev-1"]), std::string::npos);
  }
}

// A wrong code is 403 and audited; the device stays unbound.
TEST_F(ClaimRoutesTest, WrongCodeIsForbiddenAndAudited) {
  MakeDevice("dev-1");
  Answer answer = Post("/api/devices/claim", Alice(), {{"id", "dev-1"}, {"claimCode", kWrong}});
  EXPECT_EQ(answer.status, 403) << answer.text;
  EXPECT_EQ(LastActions(*store_, 1), std::vector<std::string>{"device.claim_refused"});
  EXPECT_EQ(store_->GetDevice("dev-1")->status, DeviceStatus::kUnbound);
}

// After 5 wrong codes the device is locked: 429 with Retry-After and
// retryAfterSeconds, even for the right code from another user.
TEST_F(ClaimRoutesTest, LockoutIs429WithRetryAfter) {
  MakeDevice("dev-1");
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Post("/api/devices/claim", Alice(), {{"id", "dev-1"}, {"claimCode", kWrong}}).status,
              403);
  }
  Answer locked =
      Post("/api/devices/claim", Bob(), {{"id", "dev-1"}, {"claimCode", claim_codes_["dev-1"]}});
  ASSERT_EQ(locked.status, 429) << locked.text;
  EXPECT_EQ(Code(locked), "too_many_attempts");
  const std::int64_t seconds = locked.body["error"]["retryAfterSeconds"].get<std::int64_t>();
  EXPECT_GT(seconds, 800);
  EXPECT_LE(seconds, 900);
  auto header = locked.headers.find("Retry-After");
  ASSERT_NE(header, locked.headers.end());
  EXPECT_EQ(header->second, std::to_string(seconds));
  EXPECT_EQ(LastActions(*store_, 1), std::vector<std::string>{"device.claim_refused"});
  EXPECT_EQ(store_->GetDevice("dev-1")->status, DeviceStatus::kUnbound);
}

// bind-device from a user without claimCode is refused with a pointer to /claim and
// writes nothing; an admin needs no code.
TEST_F(ClaimRoutesTest, BindDeviceNeedsCodeFromUsersOnly) {
  MakeDevice("dev-1");
  const StoreCounts before = Counts();
  Answer refused =
      Post("/api/devices/bind-device", Alice(), {{"id", "dev-1"}, {"ownerId", alice_.id}});
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body["error"]["message"].get<std::string>().find("/api/devices/claim"),
            std::string::npos);
  EXPECT_EQ(Counts(), before);
  Answer wrong = Post("/api/devices/bind-device", Alice(),
                      {{"id", "dev-1"}, {"ownerId", alice_.id}, {"claimCode", kWrong}});
  EXPECT_EQ(wrong.status, 403);
  Answer admin =
      Post("/api/devices/bind-device", AdminToken(), {{"id", "dev-1"}, {"ownerId", alice_.id}});
  ASSERT_EQ(admin.status, 200) << admin.text;
  EXPECT_EQ(admin.body["device"]["ownerId"], alice_.id);
}

// The code from sign-device claims the device; unbinding answers a new code, with which
// the next owner claims it while the old code fails.
TEST_F(ClaimRoutesTest, SignDeviceAndUnbindCodes) {
  Answer signed_up =
      Post("/api/devices/sign-device", AdminToken(),
           {{"id", "dev-1"},
            {"publicKey", auth::testing::PublicPem(auth::testing::TestKeys().ec256.get())}});
  ASSERT_EQ(signed_up.status, 201) << signed_up.text;
  const std::string first = signed_up.body["claimCode"];
  ASSERT_EQ(Post("/api/devices/claim", Alice(), {{"id", "dev-1"}, {"claimCode", first}}).status,
            200);
  Answer unbound = Post("/api/devices/unbind-device", Alice(), {{"id", "dev-1"}});
  ASSERT_EQ(unbound.status, 200) << unbound.text;
  const std::string second = unbound.body["claimCode"];
  EXPECT_NE(second, first);
  EXPECT_EQ(Post("/api/devices/claim", Alice(), {{"id", "dev-1"}, {"claimCode", first}}).status,
            403);
  EXPECT_EQ(Post("/api/devices/claim", Bob(), {{"id", "dev-1"}, {"claimCode", second}}).status,
            200);
}

// Bad input is 400 naming the field, counts nothing and audits nothing: non-string and
// oversized codes, SQL, wildcards and '/' in ids, missing fields.
TEST_F(ClaimRoutesTest, BadInput) {
  MakeDevice("dev-1");
  const StoreCounts before = Counts();
  const std::vector<json> bodies = {
      {{"id", "dev-1"}, {"claimCode", 1234}},
      {{"id", "dev-1"}, {"claimCode", json::array({"AAAA"})}},
      {{"id", "dev-1"}, {"claimCode", nullptr}},
      {{"id", "dev-1"}, {"claimCode", std::string(100'000, 'A')}},
      {{"id", "dev-1"}, {"claimCode", "AAAA-AAAA-AAAA-AAA%"}},
      {{"id", "dev-1' OR '1'='1"}, {"claimCode", kWrong}},
      {{"id", "dev-%"}, {"claimCode", kWrong}},
      {{"id", "../dev-1"}, {"claimCode", kWrong}},
      {{"id", "dev-1"}},
      {{"claimCode", kWrong}},
      {{"id", "dev-1"}, {"claimCode", kWrong}, {"ownerId", bob_.id}},
  };
  for (const json& body : bodies) {
    Answer answer = Post("/api/devices/claim", Alice(), body);
    EXPECT_EQ(answer.status, 400) << body.dump().substr(0, 200) << " -> " << answer.text;
  }
  Answer oversized =
      Post("/api/devices/claim", Alice(), {{"id", "dev-1"}, {"claimCode", std::string(200, 'A')}});
  EXPECT_EQ(oversized.body["error"]["details"][0]["field"], "claimCode");
  EXPECT_EQ(Counts(), before);
  EXPECT_TRUE(store_->ListClaimFailures("user:" + alice_.id, 0)->empty());
}

// The admin token is not a hub user: it cannot claim (it binds with bind-device).
TEST_F(ClaimRoutesTest, AdminTokenCannotClaim) {
  MakeDevice("dev-1");
  EXPECT_EQ(Post("/api/devices/claim", AdminToken(),
                 {{"id", "dev-1"}, {"claimCode", claim_codes_["dev-1"]}})
                .status,
            403);
}

// An admin rotates a code (lost label): the old code fails, the new one works; users
// may not rotate.
TEST_F(ClaimRoutesTest, AdminRotatesCode) {
  MakeDevice("dev-1");
  EXPECT_EQ(Post("/api/devices/admin/claim-code", Alice(), {{"id", "dev-1"}}).status, 403);
  Answer rotated = Post("/api/devices/admin/claim-code", AdminToken(), {{"id", "dev-1"}});
  ASSERT_EQ(rotated.status, 200) << rotated.text;
  const std::string code = rotated.body["claimCode"];
  EXPECT_EQ(
      Post("/api/devices/claim", Alice(), {{"id", "dev-1"}, {"claimCode", claim_codes_["dev-1"]}})
          .status,
      403);
  EXPECT_EQ(Post("/api/devices/claim", Alice(), {{"id", "dev-1"}, {"claimCode", code}}).status,
            200);
  EXPECT_EQ(Post("/api/devices/admin/claim-code", AdminToken(), {{"id", "dev-1"}}).status, 409);
  EXPECT_EQ(Post("/api/devices/admin/claim-code", AdminToken(), {{"id", "ghost"}}).status, 404);
}

}  // namespace
}  // namespace iothub::http::testing
