// Two real hubs sharing one real PostgreSQL 15 database (the production shape behind an
// EMQX cluster): what one hub's HTTP API changes, the other hub's gRPC hooks act on
// within a second (LISTEN/NOTIFY), in both directions.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/hub_flow.h"
#include "support/postgres_server.h"

namespace iothub::testing {
namespace {

constexpr char kAdminToken[] = "postgres-hubs-admin-token-0123456789";
constexpr char kDbPassword[] = "hub-db-pw-2f9c";

// An admin call to a hub's HTTP API; the reply's status and JSON body (null on failure).
std::pair<int, nlohmann::json> Api(int port, const std::string& method, const std::string& path,
                                   const nlohmann::json& body = nullptr) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(10, 0);
  const httplib::Headers headers = {{"Authorization", std::string("Bearer ") + kAdminToken}};
  httplib::Result result = method == "POST"
                               ? client.Post(path, headers, body.dump(), "application/json")
                               : client.Delete(path, headers);
  if (!result) return {0, nullptr};
  return {result->status, nlohmann::json::parse(result->body, nullptr, false)};
}

// A device registered and certified through hub A's HTTP API authenticates through hub
// B's gRPC within 1 s; its certificate revoked through hub B's API is refused by hub A
// within 1 s.
TEST(PostgresHubsTest, ChangesOnOneHubReachTheOtherWithinOneSecond) {
  PostgresServer server;
  ASSERT_TRUE(server.ok()) << server.error();
  std::string url = server.CreateDatabase();
  ASSERT_FALSE(url.empty()) << server.error();
  // A password (the test server trusts any) that must never show in a log.
  url.replace(url.find("postgres@"), 9, std::string("postgres:") + kDbPassword + "@");

  const std::string shared_toml = "[store]\nbackend = \"postgres\"\npostgres_url = \"" + url +
                                  "\"\n[http]\nadmin_token = \"" + kAdminToken + "\"\n";
  HubFlow a({.extra_toml = shared_toml});
  ASSERT_TRUE(a.Init());  // `ca init` in A's data dir
  // Hub B: its own data dir holding the same CA (as docs/deploy.md asks), same config.
  TempDir b_dir;
  std::filesystem::create_directories(b_dir.path() / "data");
  std::filesystem::copy(a.data_dir() / "ca", b_dir.path() / "data" / "ca",
                        std::filesystem::copy_options::recursive);
  ASSERT_TRUE(a.Start());
  HubProcess b({.data_dir = b_dir.path() / "data", .config_file = a.config_path()});
  ASSERT_TRUE(b.WaitReady()) << b.Log();
  ExhookClient b_client(b.grpc_target(), ServiceVersion::kV3);
  EXPECT_NE(b.Log().find("store: postgres postgresql://postgres:****@127.0.0.1"), std::string::npos)
      << b.Log();

  // Through A: register the device and sign its CSR.
  const std::string csr_path = a.MakeCsr("dev-pg");
  const ShellOutput public_key =
      RunShell("openssl pkey -in '" + a.dir().File("dev-pg.key") + "' -pubout");
  ASSERT_EQ(public_key.exit_code, 0) << public_key.output;
  auto [created, device] = Api(a.hub().http_port(), "POST", "/api/devices/sign-device",
                               {{"id", "dev-pg"}, {"publicKey", public_key.output}});
  ASSERT_EQ(created, 201) << device.dump();
  auto [signed_status, certificate] =
      Api(a.hub().http_port(), "POST", "/api/devices/certificates/sign-csr",
          {{"deviceId", "dev-pg"}, {"csrPem", ReadFile(csr_path)}});
  ASSERT_EQ(signed_status, 200) << certificate.dump();
  // As EMQX sends it from the devices listener: the certificate and its verified subject.
  const DeviceCert cert = a.CertFromPem("dev-pg", certificate["certificate"].get<std::string>());

  const auto authenticate = [&](ExhookClient& client) {
    pb::ClientAuthenticateRequest request;
    *request.mutable_clientinfo() = HubFlow::Client("dev-pg", cert.username);
    request.mutable_clientinfo()->set_cn(cert.cn);
    request.mutable_clientinfo()->set_dn(cert.dn);
    request.mutable_meta()->set_node("emqx@127.0.0.1");
    pb::ValuedResponse response;
    EXPECT_TRUE(client.Authenticate(request, &response).ok());
    return response;
  };
  // B has never seen this device until A's commit reaches it.
  const auto after_sign = std::chrono::steady_clock::now();
  EXPECT_TRUE(Eventually([&] { return IsAllow(authenticate(b_client)); }, std::chrono::seconds(1)))
      << b.Log();
  std::printf("[ info     ] hub B admitted the device %lld ms after hub A signed it\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - after_sign)
                                         .count()));
  ASSERT_TRUE(IsAllow(authenticate(a.client(ServiceVersion::kV3))));

  // Through B: revoke the certificate; A refuses the device within 1 s.
  std::string fingerprint = certificate["fingerprint"].get<std::string>();
  std::erase(fingerprint, ':');
  auto [revoked, answer] = Api(b.http_port(), "DELETE", "/api/devices/certificates/" + fingerprint);
  ASSERT_EQ(revoked, 200) << answer.dump();
  const auto after_revoke = std::chrono::steady_clock::now();
  EXPECT_TRUE(Eventually([&] { return IsDeny(authenticate(a.client(ServiceVersion::kV3))); },
                         std::chrono::seconds(1)))
      << a.Log();
  std::printf("[ info     ] hub A refused the device %lld ms after hub B revoked it\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - after_revoke)
                                         .count()));
  EXPECT_TRUE(IsDeny(authenticate(b_client)));
  // The database password shows in no log.
  EXPECT_EQ(a.Log().find(kDbPassword), std::string::npos);
  EXPECT_EQ(b.Log().find(kDbPassword), std::string::npos);
}

// With a shared store a hub never makes a CA of its own (every hub must trust the same
// one): without <data_dir>/ca it refuses to start and says how to fix it.
TEST(PostgresHubsTest, SharedStoreRequiresAnExistingCa) {
  PostgresServer server;
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string url = server.CreateDatabase();
  TempDir dir;
  const CommandResult started =
      RunHub({"serve", "--data-dir", dir.File("data"), "--grpc-listen", "127.0.0.1:0",
              "--http-listen", "127.0.0.1:0"},
             {{"IOTHUB_STORE__BACKEND", "postgres"}, {"IOTHUB_STORE__POSTGRES_URL", url}});
  EXPECT_NE(started.status, 0);
  EXPECT_NE(started.err.find("iot-hub ca init"), std::string::npos) << started.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "data" / "ca" / "ca.key"));
}

}  // namespace
}  // namespace iothub::testing
