// Users over MQTT with a JWT (username "jwt", the token as password) on the TLS listener
// without client certificates: a user reaches only the topics of the devices bound to
// them; bad tokens get a refusing CONNACK.
#include <gtest/gtest.h>

#include "e2e_fixture.h"

namespace iothub::e2e {
namespace {

class UserAccessTest : public E2eTest {};

TEST_F(UserAccessTest, UserWithJwtReachesOnlyTheirDevicesTopics) {
  auto alice = world_->ConnectUser("alice-app", World::Token("alice"));
  auto bob = world_->ConnectUser("bob-app", World::Token("bob"));
  auto dev_a = world_->ConnectDevice(dev_a_);
  auto dev_b = world_->ConnectDevice(dev_b_);
  ASSERT_TRUE(alice && bob && dev_a && dev_b);
  ASSERT_EQ(dev_a->Subscribe(Topic("+", "dev-a", "rpc/request")), 1);
  ASSERT_EQ(dev_b->Subscribe(Topic("+", "dev-b", "rpc/request")), 1);

  // Subscriptions: her own tree only.
  EXPECT_EQ(alice->Subscribe(Topic(alice_, "dev-a", "rpc/response")), 1);
  EXPECT_EQ(alice->Subscribe(Topic(alice_, "+", "telemetry")), 1);
  EXPECT_EQ(alice->Subscribe(Topic(bob_, "dev-b", "telemetry")), kNotAuthorized);
  EXPECT_EQ(alice->Subscribe(Topic("+", "dev-b", "telemetry")), kNotAuthorized);
  EXPECT_EQ(alice->Subscribe(Topic(bob_, "+", "rpc/response")), kNotAuthorized);
  EXPECT_EQ(alice->Subscribe("users/#"), kNotAuthorized);
  EXPECT_EQ(alice->Subscribe("#"), kNotAuthorized);
  EXPECT_EQ(alice->Subscribe("$SYS/#"), kNotAuthorized);
  EXPECT_EQ(bob->Subscribe(Topic(bob_, "dev-b", "telemetry")), 1);

  // Commands: to her own device only.
  EXPECT_EQ(alice->Publish(Topic(bob_, "dev-b", "rpc/request"), Request("a-1", "getSensors")),
            kNotAuthorized);
  EXPECT_EQ(alice->Publish(Topic(alice_, "dev-b", "rpc/request"), Request("a-2", "getSensors")),
            kNotAuthorized);
  EXPECT_EQ(alice->Publish(Topic(alice_, "dev-a", "rpc/request"), Request("a-3", "getSensors")), 0);
  auto request = dev_a->WaitMessage(3s);
  ASSERT_TRUE(request.has_value()) << world_->Diagnostics();
  EXPECT_EQ(request->topic, Topic(alice_, "dev-a", "rpc/request"));
  EXPECT_EQ(Json(request->payload)["id"], "a-3");
  // Users never publish telemetry or responses in a device's name.
  EXPECT_EQ(alice->Publish(Topic(alice_, "dev-a", "telemetry"), "{}"), kNotAuthorized);
  EXPECT_EQ(alice->Publish(Topic(alice_, "dev-a", "rpc/response"), R"({"id":"a-3","result":{}})"),
            kNotAuthorized);

  // Telemetry: each owner gets their own device's, nobody else's.
  ASSERT_EQ(dev_a->Publish(Topic(alice_, "dev-a", "telemetry"), R"({"from":"dev-a"})"), 0);
  ASSERT_EQ(dev_b->Publish(Topic(bob_, "dev-b", "telemetry"), R"({"from":"dev-b"})"), 0);
  auto mine = alice->WaitMessageOn(Topic(alice_, "dev-a", "telemetry"), 3s);
  ASSERT_TRUE(mine.has_value());
  EXPECT_EQ(mine->payload, R"({"from":"dev-a"})");
  auto bobs = bob->WaitMessageOn(Topic(bob_, "dev-b", "telemetry"), 3s);
  ASSERT_TRUE(bobs.has_value());
  EXPECT_EQ(bobs->payload, R"({"from":"dev-b"})");
  // Nothing else reached anyone (dev-b got no request at all).
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(alice->TakeAll().empty());
  EXPECT_TRUE(bob->TakeAll().empty());
  EXPECT_TRUE(dev_b->TakeAll().empty());
}

TEST_F(UserAccessTest, BadTokensAreRefusedAtConnack) {
  struct Case {
    const char* what;
    std::string username;
    std::string password;
  };
  const std::vector<Case> cases = {
      {"wrong secret", "jwt",
       World::Token("alice", 3600, nlohmann::json::object(), "another-secret-0123456789abcdef")},
      {"expired", "jwt", World::Token("alice", -600)},
      {"unknown subject", "jwt", World::Token("mallory")},
      {"not a token", "jwt", "hello"},
      {"no password", "jwt", ""},
      {"a user name and password", "alice", "secret"},
  };
  for (const Case& c : cases) {
    MqttClientOptions options = world_->UserOptions("alice-app", "");
    options.username = c.username;
    options.password = c.password;
    MqttTestClient client(options);
    const ConnectOutcome outcome = client.Connect();
    EXPECT_EQ(outcome.stage, ConnectStage::kRefused) << c.what << ": " << outcome;
  }
  // The good token still works after all that.
  EXPECT_NE(world_->ConnectUser("alice-app", World::Token("alice")), nullptr);
}

}  // namespace
}  // namespace iothub::e2e
