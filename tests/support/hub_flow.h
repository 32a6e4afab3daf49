// HubFlow: one real iot-hub for one integration test, set up for whole flows: its own
// TempDir with a data dir whose CA `iot-hub ca init` made, a config file with a JWT
// secret (plus whatever TOML the test adds), the hub started on free ports, and one
// ExhookClient per service name (v2 and v3) on it. Around that, what the other parties
// of a flow do:
//   - the operator: the CLI on the same data dir and config (device create, sign-csr,
//     bind, unbind, revoke, user create, ...), while the hub runs;
//   - a device: a key and CSR made by the openssl CLI, its signed certificate, and the
//     username EMQX derives from it with `peer_cert_as_username = pem`;
//   - a user or service: an HS256 JWT signed with the configured secret;
//   - EMQX: the hook calls, built as EMQX fills them.
// Plus checks of the answers' shapes (allow/deny, pass/drop/rewrite), log search and
// polling for changes the hub picks up asynchronously.
// Thread-compatible: one test thread uses it.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "support/exhook_client.h"
#include "support/hub_process.h"
#include "support/temp_dir.h"

namespace iothub::testing {

// Both service names, for INSTANTIATE_TEST_SUITE_P.
inline constexpr ServiceVersion kBothVersions[] = {ServiceVersion::kV2, ServiceVersion::kV3};
std::string VersionName(const ::testing::TestParamInfo<ServiceVersion>& info);

// A shell command's exit code and its stdout and stderr together.
struct ShellOutput {
  int exit_code = -1;
  std::string output;
};
ShellOutput RunShell(const std::string& command);

// Polls `condition` every 25 ms until it holds or `timeout` passes; true when it held.
bool Eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(3));

// The pem-mode username for a PEM certificate: the base64 of its DER on one line (the
// PEM body without its BEGIN/END lines and line breaks).
std::string PemModeUsername(std::string_view pem);

// Unique hex GUIDs like EMQX's Message.id (32 uppercase hex digits).
std::string NextMessageId();

// Checks of hook answers.
// authenticate/authorize: STOP_AND_RETURN with bool_result true / false.
::testing::AssertionResult IsAllow(const pb::ValuedResponse& response);
::testing::AssertionResult IsDeny(const pb::ValuedResponse& response);
// message.publish passed: CONTINUE with the request's message returned whole and
// unchanged (no allow_publish = "false").
::testing::AssertionResult IsPass(const pb::MessagePublishRequest& request,
                                  const pb::ValuedResponse& response);
// message.publish dropped: STOP_AND_RETURN, header allow_publish = "false", the rest of
// the message whole.
::testing::AssertionResult IsDrop(const pb::MessagePublishRequest& request,
                                  const pb::ValuedResponse& response);
// message.publish rewritten: CONTINUE with the message whole except `topic` and a
// payload that parses as JSON (stored in `*payload`), no allow_publish = "false".
::testing::AssertionResult IsRewrite(const pb::MessagePublishRequest& request,
                                     const pb::ValuedResponse& response, const std::string& topic,
                                     nlohmann::json* payload);

enum class KeyKind { kEcP256, kRsa2048 };

// A certificate the hub issued for a device.
struct DeviceCert {
  std::string device_id;
  std::string pem;          // the certificate
  std::string username;     // what EMQX sends as ClientInfo.username (pem mode)
  std::string fingerprint;  // as the CLI prints it
  std::string cn;           // ClientInfo.cn/dn as EMQX fills them from the verified
  std::string dn;           // TLS certificate (subject CN; RFC 4514 DN)
  std::string key_path;     // the device's private key
};

struct HubFlowOptions {
  std::string extra_toml;                  // appended to the config file
  std::map<std::string, std::string> env;  // added to the hub's environment
  // Another hub's data dir whose CA this hub uses (copied, no `ca init`): hubs sharing
  // one database share one CA.
  std::filesystem::path ca_from;
};

class HubFlow {
 public:
  // The HS256 secret in every HubFlow's config.
  static constexpr std::string_view kJwtSecret = "integration-test-hs256-secret-0123456789abcdef";

  explicit HubFlow(HubFlowOptions options = {});
  HubFlow(const HubFlow&) = delete;
  HubFlow& operator=(const HubFlow&) = delete;

  // Starts the hub (after Init()); a failure says why (with the log). Provision what a
  // test needs through the CLI before Start() when it can: the hub's first snapshot then
  // holds it, while changes made later reach the hub only within about a second.
  ::testing::AssertionResult Start();
  // Writes the config file and creates the CA (`iot-hub ca init`) once; Cli() and
  // Start() call it first.
  ::testing::AssertionResult Init() const;

  HubProcess& hub() { return *hub_; }
  const TempDir& dir() const { return dir_; }
  std::filesystem::path data_dir() const { return dir_.path() / "data"; }
  std::string config_path() const { return dir_.File("hub.toml"); }
  std::string Log() const { return hub_ != nullptr ? hub_->Log() : ""; }
  bool LogContains(std::string_view text) const;
  // Polls the log (up to `timeout`) for `text`.
  bool WaitForLog(std::string_view text,
                  std::chrono::milliseconds timeout = std::chrono::seconds(3)) const;

  // --- The operator: `iot-hub --config <cfg> <args> --data-dir <dir>`.
  CommandResult Cli(std::vector<std::string> args) const;
  // The same with --json; EXPECTs exit 0 and JSON on stdout (null JSON otherwise).
  nlohmann::json CliJson(std::vector<std::string> args) const;
  // `user create`; returns the new user's id (empty on failure, with a test failure).
  std::string CreateUser(const std::string& email, const std::string& name,
                         const std::string& subject, const std::string& role = "") const;
  // `device create`, a new key and CSR, `device sign-csr`.
  DeviceCert CreateDevice(const std::string& id, KeyKind kind = KeyKind::kEcP256) const;
  // A new key and CSR for an existing device, signed by `device sign-csr`.
  DeviceCert SignNewCertificate(const std::string& id, KeyKind kind = KeyKind::kEcP256) const;
  // A certificate PEM as a device presents it: username, cn and dn filled (the CN must be
  // the whole subject, as the hub's CA issues it).
  DeviceCert CertFromPem(const std::string& device_id, const std::string& pem) const;
  // `device bind`, `device unbind`, `device revoke`: EXPECT success.
  void Bind(const std::string& device_id, const std::string& user_id) const;
  void Unbind(const std::string& device_id) const;
  void Revoke(const std::string& device_id) const;

  // --- A device: a new private key and CSR in the TempDir (`name`.key / `name`.csr);
  // returns the CSR path.
  std::string MakeCsr(const std::string& name, KeyKind kind = KeyKind::kEcP256,
                      const std::string& subject = "/CN=whatever") const;

  // --- Users and services: a JWT with sub, iat and exp (now + 1 h) plus `extra` claims,
  // signed HS256 with kJwtSecret.
  static std::string Token(const std::string& subject, const nlohmann::json& extra = {});

  // --- EMQX. Each EXPECTs the gRPC call to succeed.
  ExhookClient& client(ServiceVersion version) {
    return version == ServiceVersion::kV2 ? *v2_ : *v3_;
  }
  static pb::ClientInfo Client(const std::string& clientid, const std::string& username = "");
  // `cn`/`dn`: what the listener's verified TLS certificate gives (empty: none).
  pb::ValuedResponse Authenticate(ServiceVersion v, const std::string& clientid,
                                  const std::string& username, const std::string& password = "",
                                  const std::string& cn = "", const std::string& dn = "");
  // A device's authenticate on the mTLS listener: username, cn and dn from `cert`.
  pb::ValuedResponse AuthenticateDevice(ServiceVersion v, const std::string& clientid,
                                        const DeviceCert& cert);
  // A device's whole connect: authenticate with its certificate, then client.connected
  // when admitted. Returns the authenticate answer.
  pb::ValuedResponse ConnectDevice(ServiceVersion v, const DeviceCert& cert,
                                   const std::string& clientid = "");
  // A user's or service's whole connect with a token (username "jwt").
  pb::ValuedResponse ConnectWithToken(ServiceVersion v, const std::string& clientid,
                                      const std::string& token);
  pb::ValuedResponse Authorize(ServiceVersion v, const std::string& clientid, bool subscribe,
                               const std::string& topic);
  void Connected(ServiceVersion v, const std::string& clientid, const std::string& username = "");
  void Disconnected(ServiceVersion v, const std::string& clientid,
                    const std::string& username = "");
  // A message.publish request as EMQX builds it (Message.id from NextMessageId unless
  // given).
  static pb::MessagePublishRequest PublishRequest(const std::string& from, const std::string& topic,
                                                  const std::string& payload,
                                                  const std::string& message_id = "");
  pb::ValuedResponse Publish(ServiceVersion v, const pb::MessagePublishRequest& request);

 private:
  HubFlowOptions options_;
  TempDir dir_;
  mutable bool initialized_ = false;
  std::unique_ptr<HubProcess> hub_;
  std::unique_ptr<ExhookClient> v2_;
  std::unique_ptr<ExhookClient> v3_;
};

}  // namespace iothub::testing
