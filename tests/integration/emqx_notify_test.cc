// Changes act at once on a live EMQX: the real hub, with [emqx] pointing at a small local
// HTTP server that records the calls. EMQX itself cannot run here (no container engine),
// so this server plays its REST API.
#include <gtest/gtest.h>
#include <httplib.h>

#include "support/hub_flow.h"
#include "support/recording_emqx.h"

namespace iothub::testing {
namespace {

// A revocation through the CLI kicks the device's live session and clears EMQX's authz
// cache; a binding change clears the cache, with the configured API key.
TEST(EmqxNotifyTest, RevokeKicksTheDeviceAndBindingChangesClearTheCache) {
  RecordingEmqx emqx;
  HubFlow flow({.extra_toml = "[emqx]\napi_url = \"" + emqx.url() +
                              "\"\napi_key = \"key1\"\napi_secret = \"secret1\"\n",
                .env = {}});
  const std::string user = flow.CreateUser("a@example.com", "Alice", "sub-a");
  flow.CreateDevice("dev-1");
  ASSERT_TRUE(flow.Start());

  flow.Bind("dev-1", user);
  EXPECT_TRUE(Eventually([&] { return emqx.Saw("DELETE /api/v5/authorization/cache"); }))
      << flow.Log();
  EXPECT_EQ(emqx.authorization(), "Basic a2V5MTpzZWNyZXQx");  // key1:secret1

  flow.Revoke("dev-1");
  EXPECT_TRUE(Eventually([&] { return emqx.Saw("DELETE /api/v5/clients/dev-1"); })) << flow.Log();
  EXPECT_EQ(flow.Log().find("secret1"), std::string::npos);
}

// A previous owner keeps nothing: the certificate alice obtained for her device over HTTP
// stops authenticating when she unbinds it (her live session on it is kicked), and
// cannot act as the device for its next owner, bob. The provisioning certificate (signed
// while unbound) is superseded by hers, so the device needs a new one from bob.
TEST(EmqxNotifyTest, UnbindRevokesTheCertificatesTheOwnerObtained) {
  RecordingEmqx emqx;
  HubFlow flow({.extra_toml = "[emqx]\napi_url = \"" + emqx.url() +
                              "\"\napi_key = \"key1\"\napi_secret = \"secret1\"\n",
                .env = {}});
  const std::string alice = flow.CreateUser("a@example.com", "Alice", "sub-a");
  const std::string bob = flow.CreateUser("b@example.com", "Bob", "sub-b");
  flow.CreateDevice("dev-1");
  flow.Bind("dev-1", alice);
  ASSERT_TRUE(flow.Start());
  httplib::Client http("127.0.0.1", flow.hub().http_port());
  const auto post = [&](const std::string& subject, const std::string& path,
                        const nlohmann::json& body) {
    const httplib::Headers headers = {{"Authorization", "Bearer " + HubFlow::Token(subject)}};
    auto response = http.Post(path, headers, body.dump(), "application/json");
    EXPECT_TRUE(response) << path;
    return response ? nlohmann::json::parse(response->body, nullptr, false) : nlohmann::json();
  };

  const std::string csr = ReadFile(flow.MakeCsr("alice-key"));
  const nlohmann::json signed_cert =
      post("sub-a", "/api/devices/certificates/sign-csr", {{"deviceId", "dev-1"}, {"csrPem", csr}});
  ASSERT_TRUE(signed_cert.contains("certificate")) << signed_cert.dump();
  const DeviceCert alices = flow.CertFromPem("dev-1", signed_cert["certificate"]);
  EXPECT_TRUE(Eventually([&] { return IsAllow(flow.ConnectDevice(ServiceVersion::kV2, alices)); }));

  const nlohmann::json unbound = post("sub-a", "/api/devices/unbind-device", {{"id", "dev-1"}});
  EXPECT_TRUE(Eventually([&] { return emqx.Saw("DELETE /api/v5/clients/dev-1"); })) << flow.Log();
  flow.Disconnected(ServiceVersion::kV2, "dev-1", alices.username);  // the kick
  const nlohmann::json bound =
      post("sub-b", "/api/devices/bind-device",
           {{"id", "dev-1"}, {"ownerId", bob}, {"claimCode", unbound.value("claimCode", "")}});
  EXPECT_EQ(bound["device"].value("ownerId", ""), bob) << bound.dump();

  EXPECT_TRUE(Eventually(
      [&] { return IsDeny(flow.AuthenticateDevice(ServiceVersion::kV2, "dev-1", alices)); }));
  EXPECT_TRUE(flow.WaitForLog("clientid=dev-1 peer=127.0.0.1 reason=certificate revoked"))
      << flow.Log();
  EXPECT_TRUE(IsDeny(flow.Authorize(ServiceVersion::kV2, "dev-1", false,
                                    "users/" + bob + "/devices/dev-1/telemetry")));
  // Bob's own certificate works.
  const nlohmann::json bobs_cert =
      post("sub-b", "/api/devices/certificates/sign-csr",
           {{"deviceId", "dev-1"}, {"csrPem", ReadFile(flow.MakeCsr("bob-key"))}});
  ASSERT_TRUE(bobs_cert.contains("certificate")) << bobs_cert.dump();
  const DeviceCert bobs = flow.CertFromPem("dev-1", bobs_cert["certificate"]);
  EXPECT_TRUE(Eventually([&] { return IsAllow(flow.ConnectDevice(ServiceVersion::kV2, bobs)); }));
  EXPECT_TRUE(IsAllow(flow.Authorize(ServiceVersion::kV2, "dev-1", false,
                                     "users/" + bob + "/devices/dev-1/telemetry")));
}

}  // namespace
}  // namespace iothub::testing
