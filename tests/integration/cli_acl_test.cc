// `iot-hub acl ...` through the real binary: explain (the decision for a device or user
// on the store's registry, with the rule or built-in policy that made it) and the
// management of database rules (list, add, remove, move), audited as the CLI.
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
            "deny: rule_deny (decided by acl rule #2 (config): deny device publish "
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

// Rules added, moved and removed through the CLI: listed after the configured rules
// with their origin, used by explain, audited with the CLI's actor.
TEST_F(CliAclTest, ManageDatabaseRules) {
  const std::string config = dir_.File("hub.toml");
  std::ofstream(config) << "[acl]\nrules = [\n  { effect = \"allow\", who = \"user\", action = "
                           "\"subscribe\", topic = \"public/#\" },\n]\n";
  const auto json_of = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", config});
    return cli_.Json(args);
  };
  const nlohmann::json first = json_of(
      {"acl", "add", "--effect", "deny", "--who", "device", "--action", "publish", "--topic",
       "users/+/devices/${device_id}/blocked", "--description", "no blocked topic"});
  const std::string first_id = first["rule"]["id"];
  EXPECT_EQ(first["rule"]["position"], 1);
  const nlohmann::json second =
      json_of({"acl", "add", "--effect", "allow", "--who", "any", "--action", "all", "--topic",
               "open/#", "--before", first_id});
  const std::string second_id = second["rule"]["id"];
  EXPECT_EQ(second["rule"]["position"], 1);

  nlohmann::json listed = json_of({"acl", "list"})["rules"];
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0]["origin"], "config");
  EXPECT_TRUE(listed[0]["id"].is_null());
  EXPECT_EQ(listed[1]["id"], second_id);
  EXPECT_EQ(listed[2]["id"], first_id);
  EXPECT_EQ(listed[2]["updatedBy"].get<std::string>().rfind("cli:", 0), 0u);
  const CommandResult text = cli_.Run({"--config", config, "acl", "list"});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_EQ(text.out.rfind("#1 config -  allow user subscribe public/#\n", 0), 0u) << text.out;
  EXPECT_NE(text.out.find("#3 database " + first_id +
                          "  deny device publish users/+/devices/${device_id}/blocked  -- no "
                          "blocked topic\n"),
            std::string::npos)
      << text.out;

  const CommandResult moved = cli_.Run({"acl", "move", first_id, "--index", "0"});
  ASSERT_EQ(moved.status, 0) << moved.err;
  const nlohmann::json why = json_of(
      {"acl", "explain", "--device", "dev-1", "--action", "publish", "--topic", Topic("blocked")});
  EXPECT_EQ(why["allow"], false);
  EXPECT_EQ(why["rule"]["id"], first_id);
  EXPECT_EQ(why["rule"]["origin"], "database");
  EXPECT_EQ(why["rule"]["number"], 2);

  EXPECT_EQ(cli_.Run({"acl", "remove", second_id}).status, 0);
  EXPECT_EQ(cli_.Json({"acl", "list"})["rules"].size(), 1u);
  const ShellResult audit = Shell("sqlite3 '" + (dir_.path() / "data/hub.db").string() +
                                  "' \"SELECT action FROM audit_log WHERE action LIKE 'acl.%'"
                                  " AND actor LIKE 'cli:%' ORDER BY seq\"");
  EXPECT_EQ(audit.output, "acl.rule.create\nacl.rule.create\nacl.rule.move\nacl.rule.delete\n");
}

// Bad rules and unknown ids are one-line errors that change nothing.
TEST_F(CliAclTest, RuleRefusals) {
  const std::vector<std::string> add = {"acl",    "add",      "--effect", "deny",   "--who",
                                        "device", "--action", "publish",  "--topic"};
  const auto with_topic = [&](const std::string& topic) {
    std::vector<std::string> args = add;
    args.push_back(topic);
    return cli_.Run(args);
  };
  EXPECT_TRUE(FailsWithOneLine(with_topic("a/#/b"), "topic"));
  EXPECT_TRUE(FailsWithOneLine(with_topic("a/${tenant}"), "unknown placeholder"));
  EXPECT_TRUE(FailsWithOneLine(cli_.Run({"acl", "add", "--effect", "maybe", "--who", "any",
                                         "--action", "all", "--topic", "a"}),
                               "effect"));
  EXPECT_TRUE(FailsWithOneLine(cli_.Run({"acl", "remove", "no-such-rule"}), "no access rule"));
  EXPECT_TRUE(FailsWithOneLine(cli_.Run({"acl", "move", "no-such-rule", "--index", "0"})));
  EXPECT_EQ(cli_.Json({"acl", "list"})["rules"].size(), 0u);
}

}  // namespace
}  // namespace iothub::testing
