// `iot-hub device list --expiring-within` through the real binary: devices whose current
// certificate ends within the days are listed (JSON and table), others are not, and a
// bad window fails with one line.
#include <gtest/gtest.h>

#include "cli_test_util.h"

namespace iothub::testing {
namespace {

class CliExpiringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(cli_.Run({"ca", "init"}).status, 0);
    for (const auto& [id, days] :
         {std::pair{"dev-soon", "5"}, std::pair{"dev-month", "20"}, std::pair{"dev-year", "365"}}) {
      ASSERT_EQ(cli_.Run({"device", "create", id}).status, 0);
      const std::string csr = MakeCsr(dir_, id);
      const CommandResult signed_pem = cli_.Run({"device", "sign-csr", id, csr, "--days", days});
      ASSERT_EQ(signed_pem.status, 0) << signed_pem.err;
    }
    ASSERT_EQ(cli_.Run({"device", "create", "dev-none"}).status, 0);  // no certificate
  }

  std::vector<std::string> ListedIds(const std::string& within) const {
    const nlohmann::json page = cli_.Json({"device", "list", "--expiring-within", within});
    std::vector<std::string> ids;
    for (const auto& device : page["devices"]) ids.push_back(device["id"]);
    return ids;
  }

  TempDir dir_;
  Cli cli_{dir_.path() / "data"};
};

TEST_F(CliExpiringTest, ListsDevicesByWindow) {
  EXPECT_EQ(ListedIds("7d"), std::vector<std::string>{"dev-soon"});
  EXPECT_EQ(ListedIds("30d"), (std::vector<std::string>{"dev-soon", "dev-month"}));
  EXPECT_EQ(ListedIds("30"), (std::vector<std::string>{"dev-soon", "dev-month"}));
  EXPECT_EQ(ListedIds("400d").size(), 3u);
  EXPECT_EQ(cli_.Json({"device", "list", "--expiring-within", "30d"})["total"], 2);
  const CommandResult table = cli_.Run({"device", "list", "--expiring-within", "7d"});
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_NE(table.out.find("dev-soon"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find("dev-year"), std::string::npos) << table.out;
}

TEST_F(CliExpiringTest, BadWindowFailsWithOneLine) {
  for (const char* bad : {"", "d", "30x", "-1d", "0d", "3651d", "1e3"}) {
    EXPECT_TRUE(FailsWithOneLine(cli_.Run({"device", "list", "--expiring-within", bad})))
        << "'" << bad << "'";
  }
}

}  // namespace
}  // namespace iothub::testing
