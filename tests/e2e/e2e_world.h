// World: everything one end-to-end test runs against, all its own and all real:
//  - a TempDir holding the hub's data dir (CA made by `iot-hub ca init`), a Mosquitto
//    server certificate from `iot-hub ca issue-server`, the configs and every log;
//  - Mosquitto 2.0 with iot-hub-mosquitto.so on free 127.0.0.1 ports: an mTLS listener
//    (require_certificate true) for devices and the hub's link, and a TLS listener
//    without client certificates for users with a JWT;
//  - the iot-hub binary on free ports (gRPC fixed across restarts), with its MQTT link
//    to the mTLS listener (its own client certificate from its CA), an HS256 secret and
//    an admin token;
//  - devices registered through the CLI (create, a key and CSR made here, sign-csr) and
//    run by device-sim or driven by MqttTestClient; users created through the CLI and
//    given HS256 tokens; the HTTP API called with the admin token.
// Every process is stopped and every file removed when the World dies.
// Thread-compatible: one test thread uses it.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt_test_client.h"
#include "support/mosquitto_broker.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace iothub::e2e {

using namespace std::chrono_literals;

// The binaries under test (from the build).
std::string HubBinary();
std::string PluginPath();
std::string DeviceSimBinary();

// A device registered in the hub, with its key and certificate in the World's dir.
struct Device {
  std::string id;
  std::string key_path;
  std::string cert_path;
  std::string cert_pem;
  std::string fingerprint;  // uppercase colon hex
  std::string claim_code;   // as `iot-hub device create` showed it (once)
};

struct HttpReply {
  int status = 0;  // 0: no answer (connection failed or timed out)
  std::string text;
  nlohmann::json body;  // the parsed text (null when not JSON)
  std::chrono::milliseconds elapsed{0};
};

struct WorldOptions {
  int rpc_timeout_ms = 5000;     // [rpc] timeout_ms: deadline of MQTT requests in the hub
  bool broker_link = true;       // [mqtt] enabled
  int plugin_timeout_ms = 1000;  // plugin_opt_timeout_ms
  std::string extra_toml;        // appended to the hub's config
  // Non-empty: the hub's link logs in with username "jwt" and this token, on a plain
  // loopback listener of its own (no client certificate), so the hub authorizes the
  // link as the token's user instead of as itself.
  std::string link_token;
  // Non-empty: another World's data dir whose CA this hub uses (copied, no `ca init`):
  // hubs that share a database share one CA.
  std::string ca_from;
};

class World {
 public:
  static constexpr std::string_view kAdminToken = "e2e-admin-token-0123456789abcdef";
  static constexpr std::string_view kJwtSecret = "e2e-hs256-secret-0123456789abcdef0123456789";

  explicit World(WorldOptions options = {});
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // Skips the test (GTEST_SKIP in the caller) when mosquitto is not installed.
  static bool BrokerInstalled();

  // CA, Mosquitto's server certificate and the hub's config. Call first.
  ::testing::AssertionResult Prepare();

  // --- The operator, through the CLI on the hub's data dir (before or while the hub
  // runs; a running hub sees the change within about a second). Failures are test
  // failures (EXPECT) and give empty results.
  std::string CreateUser(const std::string& name);  // JWT subject = name; returns the id
  Device CreateDevice(const std::string& id);       // create, key + CSR, sign-csr
  void Bind(const std::string& device_id, const std::string& user_id);
  void Revoke(const std::string& device_id);
  iothub::testing::ProcessResult Cli(std::vector<std::string> args) const;

  // --- The processes.
  // Mosquitto, then the hub, then waits for the hub's MQTT link (when enabled).
  ::testing::AssertionResult Start();
  ::testing::AssertionResult StartBroker();
  ::testing::AssertionResult StartHub();  // again after StopHub: the same ports
  int StopHub();
  void KillHub();    // SIGKILL (kill -9): no shutdown at all
  void PauseHub();   // SIGSTOP: the hub is there but answers nothing
  void ResumeHub();  // SIGCONT
  bool HubRunning();
  iothub::testing::MosquittoBroker& broker() { return *broker_; }
  // True once the hub's /metrics says its MQTT link is up (or down, for `up` false).
  bool WaitLink(bool up, std::chrono::milliseconds timeout = 10s);

  // --- MQTT clients.
  MqttClientOptions DeviceOptions(const Device& device) const;  // mTLS, clientid = id
  MqttClientOptions DeviceOptions(const std::string& client_id, const std::string& cert_path,
                                  const std::string& key_path) const;
  MqttClientOptions UserOptions(const std::string& client_id, const std::string& token) const;
  // Connected clients, or nullptr with a test failure.
  std::unique_ptr<MqttTestClient> ConnectDevice(const Device& device);
  std::unique_ptr<MqttTestClient> ConnectUser(const std::string& client_id,
                                              const std::string& token);
  // An HS256 token {sub, iat, exp = now + ttl_s} plus `extra` claims, signed with `secret`.
  static std::string Token(const std::string& subject, long ttl_s = 3600,
                           const nlohmann::json& extra = nlohmann::json::object(),
                           std::string_view secret = kJwtSecret);

  // --- device-sim with the device's certificate; waits until its SUBSCRIBE was
  // granted (the broker's log), or fails the test and returns nullptr.
  std::unique_ptr<iothub::testing::Subprocess> StartDeviceSim(
      const Device& device, const std::string& user_id, const std::vector<std::string>& extra = {});
  std::string DeviceSimLog(const Device& device) const;

  // --- The HTTP API, with the admin token.
  HttpReply Http(const std::string& method, const std::string& path,
                 const nlohmann::json& body = nullptr, std::chrono::milliseconds timeout = 10s) {
    return HttpAs(kAdminToken, method, path, body, timeout);
  }
  // The same with another bearer token (a user's JWT).
  HttpReply HttpAs(std::string_view token, const std::string& method, const std::string& path,
                   const nlohmann::json& body = nullptr, std::chrono::milliseconds timeout = 10s);
  HttpReply Command(const nlohmann::json& body, std::chrono::milliseconds timeout = 40s) {
    return Http("POST", "/api/mqtt/device/command", body, timeout);
  }

  // --- Logs.
  std::string HubLog() const;
  bool WaitHubLog(std::string_view text, std::chrono::milliseconds timeout = 5s) const;
  std::string BrokerLog() const;
  // How often `text` occurs in the broker's log.
  size_t BrokerLogCount(std::string_view text) const;
  bool WaitBrokerLogCount(std::string_view text, size_t count,
                          std::chrono::milliseconds timeout = 5s) const;
  // The last lines of every log, for failure messages.
  std::string Diagnostics() const;

  const iothub::testing::TempDir& dir() const { return dir_; }
  std::string data_dir() const { return dir_.File("data"); }
  std::string ca_file() const { return dir_.File("data/ca/ca.crt"); }
  std::string ca_key_file() const { return dir_.File("data/ca/ca.key"); }
  int grpc_port() const { return grpc_port_; }
  int http_port() const { return http_port_; }

 private:
  WorldOptions options_;
  iothub::testing::TempDir dir_;
  int grpc_port_ = 0;
  int http_port_ = 0;
  int hub_starts_ = 0;
  std::unique_ptr<iothub::testing::MosquittoBroker> broker_;
  std::unique_ptr<iothub::testing::Subprocess> hub_;
  int sim_starts_ = 0;
};

// Polls `condition` every 20 ms until it holds or `timeout` passes.
bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

}  // namespace iothub::e2e
