// Claiming a device with its claim code, end to end: the operator registers an unbound
// device (the CLI shows its code once), a user claims it over HTTP with that code, and
// then commands it through the real broker (device-sim answers). Wrong codes are
// refused, and after the limit the device is locked out -- for the right code too.
#include <gtest/gtest.h>

#include "e2e_fixture.h"

namespace iothub::e2e {
namespace {

using namespace std::chrono_literals;

class DeviceClaimTest : public E2eTest {
 protected:
  HttpReply Claim(const std::string& user, const std::string& device, const std::string& code) {
    return world_->HttpAs(World::Token(user), "POST", "/api/devices/claim",
                          {{"id", device}, {"claimCode", code}});
  }
};

TEST_F(DeviceClaimTest, UserClaimsWithTheCodeAndCommandsTheDevice) {
  const Device fresh = world_->CreateDevice("dev-new");
  ASSERT_EQ(fresh.claim_code.size(), 19u) << "device create did not show a claim code";

  // Someone who only knows the id gets nothing, and the device stays unbound.
  const HttpReply guessed = Claim("bob", fresh.id, "ABCD-EFGH-JKMN-PQRS");
  EXPECT_EQ(guessed.status, 403) << guessed.text;
  // The console's view follows the CLI's write with the hub's fleet snapshot (within a
  // second), not at once.
  HttpReply unbound;
  EXPECT_TRUE(Eventually(
      [&] {
        unbound = world_->Http("GET", "/api/fleet/devices/" + fresh.id);
        return unbound.status == 200;
      },
      5s))
      << unbound.text;
  EXPECT_EQ(unbound.body["device"]["status"], "unbound") << unbound.text;

  const HttpReply claimed = Claim("alice", fresh.id, fresh.claim_code);
  ASSERT_EQ(claimed.status, 200) << claimed.text;
  EXPECT_EQ(claimed.body["device"]["ownerId"], alice_) << claimed.text;
  // A code works once.
  EXPECT_NE(Claim("bob", fresh.id, fresh.claim_code).status, 200);

  // Alice now commands her device through the broker.
  auto sim = world_->StartDeviceSim(fresh, alice_);
  ASSERT_NE(sim, nullptr);
  auto app = world_->ConnectUser("alice-claim-app", World::Token("alice"));
  ASSERT_NE(app, nullptr);
  const std::string response = Topic(alice_, fresh.id, "rpc/response");
  ASSERT_EQ(app->Subscribe(response), 1);
  ASSERT_EQ(app->Publish(Topic(alice_, fresh.id, "rpc/request"), Request("c-1", "getDeviceState")),
            0);
  auto reply = app->WaitMessageOn(response, 5s);
  ASSERT_TRUE(reply.has_value()) << world_->Diagnostics();
  EXPECT_EQ(Json(reply->payload)["id"], "c-1") << reply->payload;
  EXPECT_TRUE(Json(reply->payload)["result"].is_object()) << reply->payload;
}

TEST_F(DeviceClaimTest, WrongCodesLockTheDeviceOut) {
  const Device target = world_->CreateDevice("dev-locked");
  ASSERT_EQ(target.claim_code.size(), 19u);
  int refused = 0;
  HttpReply last;
  for (int attempt = 0; attempt < 10; ++attempt) {
    last = Claim("bob", target.id, "0000-0000-0000-0000");
    if (last.status != 403) break;
    ++refused;
  }
  EXPECT_GT(refused, 0);
  ASSERT_EQ(last.status, 429) << "no lockout after " << refused << " wrong codes: " << last.text;
  // Locked for everyone, the right code included, with a clear answer.
  const HttpReply right = Claim("alice", target.id, target.claim_code);
  EXPECT_EQ(right.status, 429) << right.text;
  EXPECT_EQ(right.body["error"]["code"], "too_many_attempts") << right.text;
  EXPECT_GT(right.body["error"].value("retryAfterSeconds", 0), 0) << right.text;
  const HttpReply still = world_->Http("GET", "/api/fleet/devices/" + target.id);
  EXPECT_EQ(still.body["device"]["status"], "unbound") << still.text;
  // Every attempt is audited; no code reaches the hub's log.
  const HttpReply audit = world_->Http("GET", "/api/audit?limit=100");
  ASSERT_EQ(audit.status, 200) << audit.text;
  int audited = 0;
  for (const auto& entry : audit.body["entries"]) {
    if (entry.value("target", "") == target.id &&
        entry.value("action", "").find("claim") != std::string::npos) {
      ++audited;
    }
  }
  EXPECT_GE(audited, refused) << audit.text;
  EXPECT_EQ(world_->HubLog().find(target.claim_code), std::string::npos);
}

}  // namespace
}  // namespace iothub::e2e
