// The web console end to end in a real browser. The World (tests/e2e) runs Mosquitto with
// the plugin, the hub and device-sim for one bound device; console_browser.py then drives
// headless Chromium through chromedriver: sign in with the admin token, see the device
// online, send getDeviceState and see the reply, add a rule that denies a topic and see
// the explain form name it, revoke the device and see it go offline. The token reaches
// the script in its environment, never on a command line or in a URL.
//
// Exits 77 (ctest SKIP) when chromium, chromedriver or python3-selenium is missing.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "e2e_world.h"
#include "support/subprocess.h"

namespace iothub::e2e {
namespace {

constexpr int kSkip = 77;

// Debian's python3-selenium is installed for Debian's own interpreter, which a python3
// earlier in PATH (pyenv, a venv) would not see.
std::string Python() {
  if (std::filesystem::exists("/usr/bin/python3")) return "/usr/bin/python3";
  return iothub::testing::FindExecutable("python3");
}

// What is missing to run the browser ("" when nothing).
std::string MissingBrowserParts() {
  std::string missing;
  if (iothub::testing::FindExecutable("chromium").empty()) missing += " chromium";
  if (iothub::testing::FindExecutable("chromedriver").empty()) missing += " chromium-driver";
  const iothub::testing::ProcessResult selenium =
      iothub::testing::RunProcess({Python(), "-c", "import selenium"}, std::chrono::seconds(20));
  if (selenium.status != 0) missing += " python3-selenium";
  return missing;
}

TEST(ConsoleBrowserTest, AnAdminWatchesAndRunsTheFleetFromTheConsole) {
  World world;
  ASSERT_TRUE(world.Prepare());
  const std::string alice = world.CreateUser("alice");
  const Device device = world.CreateDevice("console-dev");
  world.Bind(device.id, alice);
  ASSERT_FALSE(::testing::Test::HasFailure());
  ASSERT_TRUE(world.Start()) << world.Diagnostics();
  auto sim = world.StartDeviceSim(device, alice);
  ASSERT_NE(sim, nullptr) << world.Diagnostics();

  const std::filesystem::path artifacts =
      std::filesystem::path(IOTHUB_BINARY_DIR) / "browser-artifacts";
  std::filesystem::remove_all(artifacts);
  std::filesystem::create_directories(artifacts);
  std::map<std::string, std::string> env = {
      {"IOTHUB_CONSOLE_TOKEN", std::string(World::kAdminToken)},
      {"HOME", world.dir().File("browser-home")}};
  const iothub::testing::ProcessResult run = iothub::testing::RunProcess(
      {Python(), IOTHUB_BROWSER_SCRIPT, "--url",
       "http://127.0.0.1:" + std::to_string(world.http_port()) + "/", "--artifacts",
       artifacts.string(), "--device", device.id, "--owner", alice, "--profile",
       world.dir().File("chromium-profile")},
      std::chrono::seconds(120), env);
  std::printf("%s%s", run.out.c_str(), run.err.c_str());
  EXPECT_EQ(run.status, 0) << "the browser script failed (screenshots in " << artifacts << ")\n"
                           << world.Diagnostics();
}

}  // namespace
}  // namespace iothub::e2e

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (const std::string missing = iothub::e2e::MissingBrowserParts(); !missing.empty()) {
    std::printf("SKIP: the browser test needs%s (Debian packages; scripts/install-deps.sh)\n",
                missing.c_str());
    return iothub::e2e::kSkip;
  }
  if (!iothub::e2e::World::BrokerInstalled()) {
    std::printf("SKIP: mosquitto is not installed\n");
    return iothub::e2e::kSkip;
  }
  return RUN_ALL_TESTS();
}
