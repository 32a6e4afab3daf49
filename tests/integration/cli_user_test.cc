// `iot-hub user ...` through the real binary: create, show, list, plan, balance, delete,
// and their validation.
#include <gtest/gtest.h>

#include "cli_test_util.h"

namespace iothub::testing {
namespace {

class CliUserTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(cli_.Run({"ca", "init"}).status, 0); }

  TempDir dir_;
  Cli cli_{dir_.path() / "data"};
};

// create prints the user as JSON with a UUID id, even without --json; show finds it.
TEST_F(CliUserTest, CreateAndShow) {
  const CommandResult created =
      cli_.Run({"user", "create", "--email", "ann@example.com", "--name", "Ann Lee", "--role",
                "admin", "--subject", "kc-42", "--metadata", R"({"team":"ops"})"});
  ASSERT_EQ(created.status, 0) << created.err;
  const nlohmann::json user = nlohmann::json::parse(created.out);
  const std::string id = user["id"];
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');
  EXPECT_EQ(user["userId"], "kc-42");
  EXPECT_EQ(user["role"], "admin");
  EXPECT_EQ(user["balance"], "0.00");
  EXPECT_EQ(user["plan"], "free");
  EXPECT_EQ(user["metadata"]["team"], "ops");
  EXPECT_TRUE(user["planExpiresAt"].is_null());
  EXPECT_EQ(cli_.Json({"user", "show", id}), user);
  const nlohmann::json list = cli_.Json({"user", "list"});
  EXPECT_EQ(list["total"], 1);
  EXPECT_EQ(list["users"][0]["id"], id);
}

// Balance: strict decimals to exactly two places; bad amounts change nothing.
TEST_F(CliUserTest, SetBalance) {
  const std::string id =
      cli_.Json({"user", "create", "--email", "a@example.com", "--name", "Al"})["id"];
  EXPECT_EQ(cli_.Json({"user", "set-balance", id, "12.5"})["balance"], "12.50");
  for (const char* bad : {"-1", "1.234", "1e3", "abc", ""}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(FailsWithOneLine(cli_.Run({"user", "set-balance", id, bad}), "amount"));
  }
  EXPECT_EQ(cli_.Json({"user", "show", id})["balance"], "12.50");
  EXPECT_EQ(cli_.Json({"user", "set-balance", id, "0"})["balance"], "0.00");
}

// Plans must be configured (config [plans.<name>] adds them); expiry is ISO 8601.
TEST_F(CliUserTest, SetPlan) {
  const std::string id =
      cli_.Json({"user", "create", "--email", "a@example.com", "--name", "Al"})["id"];
  const nlohmann::json pro =
      cli_.Json({"user", "set-plan", id, "pro", "--expires-at", "2999-01-01T00:00:00Z"});
  EXPECT_EQ(pro["plan"], "pro");
  EXPECT_EQ(pro["planExpiresAt"], "2999-01-01T00:00:00.000Z");
  EXPECT_TRUE(FailsWithOneLine(cli_.Run({"user", "set-plan", id, "gold"}), "unknown plan 'gold'"));
  EXPECT_TRUE(FailsWithOneLine(cli_.Run({"user", "set-plan", id, "pro", "--expires-at", "soon"}),
                               "invalid time"));

  WriteFile(dir_.path() / "hub.toml", "[plans.gold]\nmax_devices = 1000\nrpc_per_minute = 6000\n");
  const CommandResult gold =
      cli_.Run({"user", "set-plan", id, "gold", "--config", dir_.File("hub.toml"), "--json"});
  ASSERT_EQ(gold.status, 0) << gold.err;
  EXPECT_EQ(nlohmann::json::parse(gold.out)["plan"], "gold");
}

// Bad users are refused with one line; nothing is created.
TEST_F(CliUserTest, ValidationAndDuplicates) {
  ASSERT_EQ(cli_.Run({"user", "create", "--email", "a@example.com", "--name", "Al"}).status, 0);
  EXPECT_TRUE(
      FailsWithOneLine(cli_.Run({"user", "create", "--email", "A@example.com", "--name", "Other"}),
                       "already exists"));
  EXPECT_TRUE(FailsWithOneLine(cli_.Run({"user", "create", "--email", "nope", "--name", "Al"}),
                               "invalid email"));
  EXPECT_TRUE(FailsWithOneLine(
      cli_.Run({"user", "create", "--email", "b@example.com", "--name", "A"}), "name must be"));
  EXPECT_TRUE(FailsWithOneLine(
      cli_.Run({"user", "create", "--email", "b@example.com", "--name", "Bo", "--metadata", "[1]"}),
      "metadata must be a JSON object"));
  const CommandResult role =
      cli_.Run({"user", "create", "--email", "b@example.com", "--name", "Bo", "--role", "root"});
  EXPECT_EQ(role.status, 2);
  EXPECT_TRUE(FailsWithOneLine(role, "--role"));
  EXPECT_TRUE(
      FailsWithOneLine(cli_.Run({"user", "show", "x'; DROP TABLE users;--"}), "invalid user id"));
  EXPECT_EQ(cli_.Json({"user", "list"})["total"], 1);
}

// A user who owns a device cannot be deleted until it is unbound.
TEST_F(CliUserTest, DeleteRefusedWhileOwning) {
  const std::string id =
      cli_.Json({"user", "create", "--email", "a@example.com", "--name", "Al"})["id"];
  ASSERT_EQ(cli_.Run({"device", "create", "d1"}).status, 0);
  ASSERT_EQ(cli_.Run({"device", "bind", "d1", id}).status, 0);
  EXPECT_TRUE(FailsWithOneLine(cli_.Run({"user", "delete", id}), "still owns 1 device"));
  ASSERT_EQ(cli_.Run({"device", "unbind", "d1"}).status, 0);
  EXPECT_EQ(cli_.Run({"user", "delete", id}).status, 0);
  EXPECT_TRUE(FailsWithOneLine(cli_.Run({"user", "show", id}), "not found"));
}

// The free plan's device limit (5, or as configured) applies to binding from the CLI.
TEST_F(CliUserTest, PlanLimitFromConfig) {
  WriteFile(dir_.path() / "hub.toml", "[plans.free]\nmax_devices = 1\n");
  const std::string config = dir_.File("hub.toml");
  const std::string id =
      cli_.Json({"user", "create", "--email", "a@example.com", "--name", "Al"})["id"];
  ASSERT_EQ(cli_.Run({"device", "create", "d1"}).status, 0);
  ASSERT_EQ(cli_.Run({"device", "create", "d2"}).status, 0);
  ASSERT_EQ(cli_.Run({"device", "bind", "d1", id, "--config", config}).status, 0);
  EXPECT_TRUE(FailsWithOneLine(cli_.Run({"device", "bind", "d2", id, "--config", config}),
                               "1 devices plan 'free' allows"));
  EXPECT_EQ(cli_.Run({"device", "bind", "d2", id}).status, 0);  // default free: 5
}

}  // namespace
}  // namespace iothub::testing
