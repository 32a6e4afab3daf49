// `iot-hub acl explain` through the real binary: the decision for a device or user on
// the store's registry, with the configured rule or built-in policy that made it.
#include <gtest/gtest.h>

#include <fstream>

#include "cli_test_util.h"

namespace iothub::testing {
namespace {

class CliAclTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const nlohmann::json user =
        cli_.Json({"user", "create", "--email", "ann@example.com", "--name", "Ann"});
    user_id_ = user["id"];
    ASSERT_EQ(cli_.Run({"device", "create", "dev-1"}).status, 0);
    const CommandResult bound = cli_.Run({"device", "bind", "dev-1", user_id_});
    ASSERT_EQ(bound.status, 0) << bound.err;
  }

  std::string Topic(const std::string& leaf) const {
    return "users/" + user_id_ + "/devices/dev-1/" + leaf;
  }

  TempDir dir_;
  Cli cli_{dir_.path() / "data"};
  std::string user_id_;
};

// The built-in policy lets a bound device publish its telemetry, and says so.
TEST_F(CliAclTest, BuiltinDecision) {
  const CommandResult result = cli_.Run({"acl", "explain", "--device", "dev-1", "--action",
                                         "publish", "--topic", Topic("telemetry")});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, "allow: device_own_topic (decided by the built-in policy)\n");
  const nlohmann::json json = cli_.Json({"acl", "explain", "--user", user_id_, "--action",
                                         "subscribe", "--topic", "users/someone/#"});
  EXPECT_EQ(json["allow"], false);
  EXPECT_EQ(json["decidedBy"], "builtin");
  EXPECT_EQ(json["principal"]["kind"], "user");
}

// A rule from the config file that decides is shown with its number and text.
TEST_F(CliAclTest, ConfiguredRuleDecides) {
  const std::string config = dir_.File("hub.toml");
  std::ofstream(config) << "[acl]\nrules = [\n"
                           "  { effect = \"allow\", who = \"user\", action = \"subscribe\", "
                           "topic = \"public/#\" },\n"
                           "  { effect = \"deny\", who = \"device\", action = \"publish\", "
                           "topic = \"users/+/devices/+/blocked\" },\n]\n";
  const CommandResult result = cli_.Run({"--config", config, "acl", "explain", "--device", "dev-1",
                                         "--action", "publish", "--topic", Topic("blocked")});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out,
            "deny: rule_deny (decided by acl rule #2: deny device publish "
            "users/+/devices/+/blocked)\n");
}

// Unknown principals and bad usage are one-line errors.
TEST_F(CliAclTest, Refusals) {
  EXPECT_TRUE(FailsWithOneLine(cli_.Run({"acl", "explain", "--device", "x'; DROP TABLE devices",
                                         "--action", "publish", "--topic", "a"}),
                               "no device"));
  EXPECT_EQ(cli_.Run({"acl", "explain", "--action", "publish", "--topic", "a"}).status, 2);
  EXPECT_NE(
      cli_.Run({"acl", "explain", "--device", "dev-1", "--action", "read", "--topic", "a"}).status,
      0);
}

}  // namespace
}  // namespace iothub::testing
