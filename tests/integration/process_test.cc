// The iot-hub process: start-up errors, health and metrics, graceful shutdown, CLI.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/exhook_client.h"
#include "support/hub_process.h"
#include "support/temp_dir.h"

namespace iothub::testing {
namespace {

// /api/health answers without credentials; /metrics counts hook calls by hook and result.
TEST(ProcessTest, HealthAndMetrics) {
  TempDir dir;
  HubProcess hub({.data_dir = dir.path()});
  ASSERT_TRUE(hub.WaitReady()) << hub.Log();
  ExhookClient client(hub.grpc_target(), ServiceVersion::kV2);
  pb::ValuedResponse response;
  ASSERT_TRUE(client.Authenticate(pb::ClientAuthenticateRequest(), &response).ok());

  httplib::Client http("127.0.0.1", hub.http_port());
  auto health = http.Get("/api/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_NE(health->body.find("\"ok\""), std::string::npos);

  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(
      metrics->body.find("iothub_hook_calls_total{hook=\"client.authenticate\",result=\"deny\"} 1"),
      std::string::npos);
  EXPECT_NE(metrics->body.find("iothub_hook_latency_seconds_bucket{hook=\"client.authenticate\""),
            std::string::npos);
  EXPECT_NE(metrics->body.find("iothub_hook_in_flight 0"), std::string::npos);
  EXPECT_NE(metrics->body.find("iothub_build_info{version="), std::string::npos);
}

// SIGTERM stops the hub cleanly with exit status 0.
TEST(ProcessTest, SigtermShutsDownGracefully) {
  TempDir dir;
  HubProcess hub({.data_dir = dir.path()});
  ASSERT_TRUE(hub.WaitReady()) << hub.Log();
  EXPECT_EQ(hub.Stop(), 0) << hub.Log();
  EXPECT_NE(hub.Log().find("shutting down"), std::string::npos);
}

// A gRPC port already in use is a clear error and a non-zero exit, never a shared port.
TEST(ProcessTest, PortInUseIsAnError) {
  TempDir dir;
  HubProcess first({.data_dir = dir.path() / "a"});
  ASSERT_TRUE(first.WaitReady()) << first.Log();
  const CommandResult second =
      RunHub({"serve", "--data-dir", (dir.path() / "b").string(), "--grpc-listen",
              first.grpc_target(), "--http-listen", "127.0.0.1:0"});
  EXPECT_EQ(second.status, 1);
  EXPECT_NE(second.err.find("cannot listen for gRPC on " + first.grpc_target()), std::string::npos)
      << second.err;
}

// `config check` accepts the documented example and names the key and problem otherwise.
TEST(ProcessTest, ConfigCheck) {
  TempDir dir;
  const CommandResult example =
      RunHub({"config", "check", std::string(IOTHUB_SOURCE_DIR) + "/iot-hub.toml"});
  EXPECT_EQ(example.status, 0) << example.err;

  WriteFile(dir.File("typo.toml"), "[server]\ngrpc_lisen = \"127.0.0.1:1\"\n");
  const CommandResult typo = RunHub({"config", "check", dir.File("typo.toml")});
  EXPECT_EQ(typo.status, 2);
  EXPECT_NE(typo.err.find("unknown key 'server.grpc_lisen'"), std::string::npos) << typo.err;

  WriteFile(dir.File("hook.toml"),
            "[hooks]\nenabled = [\"client.authenticate\", \"client.nope\"]\n");
  const CommandResult hook = RunHub({"config", "check", dir.File("hook.toml")});
  EXPECT_EQ(hook.status, 2);
  EXPECT_NE(hook.err.find("unknown hook 'client.nope'"), std::string::npos) << hook.err;

  WriteFile(dir.File("type.toml"), "[server]\ngrpc_threads = \"two\"\n");
  const CommandResult type = RunHub({"config", "check", dir.File("type.toml")});
  EXPECT_EQ(type.status, 2);
  EXPECT_NE(type.err.find("server.grpc_threads: expected an integer"), std::string::npos);

  WriteFile(dir.File("broken.toml"), "[server\n");
  const CommandResult broken = RunHub({"config", "check", dir.File("broken.toml")});
  EXPECT_EQ(broken.status, 2);
  EXPECT_NE(broken.err.find("broken.toml:1"), std::string::npos) << broken.err;

  const CommandResult missing = RunHub({"config", "check", dir.File("absent.toml")});
  EXPECT_NE(missing.status, 0);
}

// A flag beats the environment, and the environment beats the file.
TEST(ProcessTest, FlagBeatsEnvBeatsFile) {
  TempDir dir;
  WriteFile(dir.File("hub.toml"), "[log]\nlevel = \"warn\"\n[server]\ngrpc_listen = \"bad\"\n");
  // The file's bad address is overridden by the environment, then by the flag.
  HubProcess hub(
      {.data_dir = dir.path() / "data",
       .config_file = dir.File("hub.toml"),
       .extra_args = {"--log-level-for-test-is-not-a-flag"},
       .env = {{"IOTHUB_SERVER__GRPC_LISTEN", "also bad"}, {"IOTHUB_LOG__LEVEL", "info"}}});
  EXPECT_FALSE(hub.WaitReady(std::chrono::seconds(5)));  // unknown flag: refused

  HubProcess good(
      {.data_dir = dir.path() / "data2",
       .config_file = dir.File("hub.toml"),
       .env = {{"IOTHUB_SERVER__GRPC_LISTEN", "also bad"}, {"IOTHUB_LOG__LEVEL", "info"}}});
  ASSERT_TRUE(good.WaitReady()) << good.Log();  // --grpc-listen 127.0.0.1:0 wins
  // The environment's info level beat the file's warn: the start-up line is logged.
  EXPECT_NE(good.Log().find("serving ExHook"), std::string::npos);

  const CommandResult env_error =
      RunHub({"config", "check", dir.File("hub.toml")}, {{"IOTHUB_SERVER__GRPC_THREADS", "many"}});
  EXPECT_EQ(env_error.status, 2);
  EXPECT_NE(env_error.err.find("IOTHUB_SERVER__GRPC_THREADS"), std::string::npos) << env_error.err;
}

// --version and --help work without a config.
TEST(ProcessTest, VersionAndHelp) {
  const CommandResult version = RunHub({"--version"});
  EXPECT_EQ(version.status, 0);
  EXPECT_NE(version.out.find("iot-hub "), std::string::npos);
  const CommandResult help = RunHub({"--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("serve"), std::string::npos);
}

}  // namespace
}  // namespace iothub::testing
