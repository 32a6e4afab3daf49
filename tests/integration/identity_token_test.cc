// Users and services over gRPC against the real binary: MQTT clients that connect with
// username "jwt" and an HS256 token as password. Who is admitted as what (user, admin,
// service), and every bad token refused with its own logged reason, the token itself never
// logged. Both service names (v2 and v3).
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <set>

#include "support/hub_flow.h"
#include "support/jwt_maker.h"

namespace iothub::testing {
namespace {

std::int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class IdentityTokenTest : public ::testing::TestWithParam<ServiceVersion> {
 protected:
  void SetUp() override {
    alice_ = flow_.CreateUser("alice@example.com", "Alice", "sub-alice");
    root_ = flow_.CreateUser("root@example.com", "Root", "sub-root", "admin");
    ASSERT_FALSE(alice_.empty());
    ASSERT_FALSE(root_.empty());
    ASSERT_TRUE(flow_.Start());
  }

  ServiceVersion v() const { return GetParam(); }

  // Connects `clientid` with `token` and expects a refusal logged with `reason`.
  void ExpectRefused(const std::string& clientid, const std::string& token,
                     const std::string& reason) {
    SCOPED_TRACE("expected reason: " + reason);
    const std::size_t log_before = flow_.Log().size();
    EXPECT_TRUE(IsDeny(flow_.Authenticate(v(), clientid, "jwt", token)));
    const std::string needle = "clientid=" + clientid + " peer=127.0.0.1 reason=" + reason;
    EXPECT_TRUE(Eventually([&] {
      return flow_.Log().find(needle, log_before) != std::string::npos;
    })) << flow_.Log().substr(log_before);
    // Refused: no session, so nothing is authorized for that clientid.
    EXPECT_TRUE(IsDeny(flow_.Authorize(v(), clientid, true, "users/" + alice_ + "/devices/#")));
  }

  HubFlow flow_;
  std::string alice_;
  std::string root_;
};

// A token whose sub names a registered user admits that user: their own tree is theirs,
// nothing above it.
TEST_P(IdentityTokenTest, RegisteredUsersTokenIsAdmittedAsThatUser) {
  const std::string token = HubFlow::Token("sub-alice", {{"email", "alice@example.com"}});
  EXPECT_TRUE(IsAllow(flow_.ConnectWithToken(v(), "app-alice", token)));
  EXPECT_TRUE(IsAllow(flow_.Authorize(v(), "app-alice", true, "users/" + alice_ + "/devices/#")));
  EXPECT_TRUE(IsDeny(flow_.Authorize(v(), "app-alice", true, "users/#")));
  EXPECT_TRUE(IsDeny(flow_.Authorize(v(), "app-alice", true, "$SYS/#")));
  EXPECT_FALSE(flow_.LogContains(token));
}

// A valid token whose subject is no registered user is refused.
TEST_P(IdentityTokenTest, UnknownSubjectIsRefused) {
  const std::string token = HubFlow::Token("sub-nobody");
  ExpectRefused("app-x", token, "token subject is not a registered user");
  EXPECT_FALSE(flow_.LogContains(token));
}

// Every kind of bad token is refused with its own reason in the log, and no token (nor
// its signature) ever appears in the log.
TEST_P(IdentityTokenTest, BadTokensAreRefusedEachWithItsReason) {
  const std::int64_t now = NowSeconds();
  const std::string sub = R"("sub":"sub-alice")";
  const std::string header = R"({"alg":"HS256","typ":"JWT"})";
  const std::string secret(HubFlow::kJwtSecret);
  // A signed-looking token of 1 MB (a huge claim).
  const std::string huge =
      Hs256Jwt(R"({"sub":"sub-alice","pad":")" + std::string(1 << 20, 'p') + "\"}", secret);
  ASSERT_GE(huge.size(), 1u << 20);

  struct Case {
    std::string name;
    std::string token;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"expired", Hs256Jwt("{" + sub + ",\"exp\":" + std::to_string(now - 3600) + "}", secret),
       "expired"},
      {"not yet valid",
       Hs256Jwt("{" + sub + ",\"nbf\":" + std::to_string(now + 3600) +
                    ",\"exp\":" + std::to_string(now + 7200) + "}",
                secret),
       "not_yet_valid"},
      {"wrong secret", Hs256Jwt("{" + sub + "}", "another-secret-another-secret-another"),
       "bad_signature"},
      {"alg none",
       Base64Url(R"({"alg":"none","typ":"JWT"})") + "." + Base64Url("{" + sub + "}") + ".",
       "alg_none"},
      // HS/RS confusion: claims RS256 but carries an HMAC made with the shared secret.
      {"RS256 header, HMAC signature",
       SignJwt(R"({"alg":"RS256","typ":"JWT"})", "{" + sub + "}", secret), "alg_key_mismatch"},
      {"1 MB", huge, "malformed"},
      {"not base64", "!!!.@@@.###", "bad_base64"},
      {"header not JSON", SignJwt("this is not json", "{" + sub + "}", secret), "bad_json"},
      // The HS256 secret verifies HS256 only: an HS384 token made with it is refused.
      {"HS384 with the HS256 secret",
       SignJwt(R"({"alg":"HS384","typ":"JWT"})",
               "{" + sub + ",\"exp\":" + std::to_string(now + 600) + "}", secret, "HS384"),
       "alg_not_allowed"},
      {"no exp", Hs256Jwt("{" + sub + "}", secret), "missing_exp"},
  };
  std::set<std::string> reasons;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    ExpectRefused("app-" + std::to_string(i), cases[i].token, cases[i].reason);
    reasons.insert(cases[i].reason);
  }
  EXPECT_EQ(reasons.size(), cases.size()) << "each failure has a distinct reason";

  // More shapes, whose reasons overlap the ones above.
  ExpectRefused("app-payload", SignJwt(header, "[\"not an object\"]", secret), "bad_json");
  ExpectRefused("app-two-parts", Base64Url(header) + "." + Base64Url("{" + sub + "}"), "malformed");
  ExpectRefused("app-empty", "", "no token in the password");

  const std::string log = flow_.Log();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::size_t last_dot = c.token.rfind('.');
    const std::string signature = c.token.substr(last_dot + 1);
    EXPECT_EQ(log.find(c.token.substr(0, 200)), std::string::npos);
    if (signature.size() >= 16) {
      EXPECT_EQ(log.find(signature), std::string::npos);
    }
  }
  // The hub still admits a good token afterwards.
  EXPECT_TRUE(IsAllow(flow_.Authenticate(v(), "app-ok", "jwt", HubFlow::Token("sub-alice"))));
}

// A token with the "service" realm role admits a service principal (no registered user
// needed): users/# both ways, but not $SYS.
TEST_P(IdentityTokenTest, ServiceTokenIsAdmittedAsService) {
  const std::string token =
      HubFlow::Token("backend-1", {{"realm_access", {{"roles", {"offline_access", "service"}}}}});
  EXPECT_TRUE(IsAllow(flow_.ConnectWithToken(v(), "backend-1", token)));
  EXPECT_TRUE(IsAllow(flow_.Authorize(v(), "backend-1", true, "users/+/devices/+/rpc/response")));
  EXPECT_TRUE(IsAllow(
      flow_.Authorize(v(), "backend-1", false, "users/" + alice_ + "/devices/d1/rpc/request")));
  EXPECT_TRUE(IsDeny(flow_.Authorize(v(), "backend-1", true, "$SYS/#")));
  EXPECT_TRUE(IsDeny(flow_.Authorize(v(), "backend-1", true, "other/#")));
  EXPECT_FALSE(flow_.LogContains(token));
}

// Admins: a user whose registry role is admin, and a user whose token carries the admin
// realm role, are both admitted as admins (users/# and $SYS/#); a plain user is not.
TEST_P(IdentityTokenTest, AdminTokensAreAdmittedAsAdmin) {
  EXPECT_TRUE(IsAllow(flow_.ConnectWithToken(v(), "ops-root", HubFlow::Token("sub-root"))));
  EXPECT_TRUE(IsAllow(flow_.Authorize(v(), "ops-root", true, "users/#")));
  EXPECT_TRUE(IsAllow(flow_.Authorize(v(), "ops-root", true, "$SYS/#")));
  EXPECT_TRUE(IsDeny(flow_.Authorize(v(), "ops-root", false, "$SYS/brokers")));

  const std::string promoted =
      HubFlow::Token("sub-alice", {{"realm_access", {{"roles", {"admin"}}}}});
  EXPECT_TRUE(IsAllow(flow_.ConnectWithToken(v(), "ops-alice", promoted)));
  EXPECT_TRUE(IsAllow(flow_.Authorize(v(), "ops-alice", true, "users/#")));
  EXPECT_TRUE(IsAllow(flow_.Authorize(v(), "ops-alice", true, "$SYS/#")));

  EXPECT_TRUE(IsAllow(flow_.ConnectWithToken(v(), "app-alice", HubFlow::Token("sub-alice"))));
  EXPECT_TRUE(IsDeny(flow_.Authorize(v(), "app-alice", true, "users/#")));
}

// A live clientid belongs to the principal holding it: another principal's valid token
// under it is refused (EMQX would hand the session over), the holder may reconnect, and
// once the holder is gone the clientid is free.
TEST_P(IdentityTokenTest, LiveClientidCannotBeTakenOverByAnotherPrincipal) {
  const std::string tree = "users/" + alice_ + "/devices/#";
  ASSERT_TRUE(IsAllow(flow_.ConnectWithToken(v(), "alice-app", HubFlow::Token("sub-alice"))));
  EXPECT_TRUE(IsDeny(flow_.Authenticate(v(), "alice-app", "jwt", HubFlow::Token("sub-root"))));
  EXPECT_TRUE(IsDeny(
      flow_.Authenticate(v(), "alice-app", "jwt",
                         HubFlow::Token("backend", {{"realm_access", {{"roles", {"service"}}}}}))));
  EXPECT_TRUE(flow_.WaitForLog(
      "clientid=alice-app peer=127.0.0.1 reason=clientid in use by another principal"))
      << flow_.Log();
  // Still alice's session: her tree, not the admin's users/#.
  EXPECT_TRUE(IsAllow(flow_.Authorize(v(), "alice-app", true, tree)));
  EXPECT_TRUE(IsDeny(flow_.Authorize(v(), "alice-app", true, "users/#")));
  // Alice reconnecting (takeover by the same principal) is fine.
  ASSERT_TRUE(IsAllow(flow_.ConnectWithToken(v(), "alice-app", HubFlow::Token("sub-alice"))));
  flow_.Disconnected(v(), "alice-app", "jwt");
  EXPECT_TRUE(IsAllow(flow_.Authorize(v(), "alice-app", true, tree)));
  flow_.Disconnected(v(), "alice-app", "jwt");
  // Free again.
  EXPECT_TRUE(IsAllow(flow_.ConnectWithToken(v(), "alice-app", HubFlow::Token("sub-root"))));
  EXPECT_TRUE(IsAllow(flow_.Authorize(v(), "alice-app", true, "users/#")));
}

// A token presented under a registered device's clientid is refused: admitted, it would
// take the device's session over (EMQX disconnects the device) and leave the hub counting
// the device as online for good. The device's own session is untouched.
TEST_P(IdentityTokenTest, TokenUnderADevicesClientidIsRefused) {
  HubFlow flow;
  const std::string u = flow.CreateUser("u@example.com", "User U", "sub-u");
  const DeviceCert d = flow.CreateDevice("dev-d");
  flow.Bind("dev-d", u);
  ASSERT_TRUE(flow.Start());
  ASSERT_TRUE(IsAllow(flow.ConnectDevice(v(), d)));
  ASSERT_TRUE(IsAllow(flow.ConnectWithToken(v(), "app-u", HubFlow::Token("sub-u"))));

  const std::string token = HubFlow::Token("sub-u");
  EXPECT_TRUE(IsDeny(flow.Authenticate(v(), "dev-d", "jwt", token)));
  EXPECT_TRUE(IsDeny(
      flow.Authenticate(v(), "dev-d", "jwt",
                        HubFlow::Token("backend", {{"realm_access", {{"roles", {"service"}}}}}))));
  EXPECT_TRUE(flow.WaitForLog("clientid=dev-d peer=127.0.0.1 reason=clientid is a device id"))
      << flow.Log();
  // Still the device's session: its topics, not the user's tree.
  EXPECT_TRUE(
      IsAllow(flow.Authorize(v(), "dev-d", false, "users/" + u + "/devices/dev-d/telemetry")));
  EXPECT_TRUE(IsDeny(flow.Authorize(v(), "dev-d", true, "users/" + u + "/devices/#")));
  // The device goes away: it is offline, and a request to it is answered -32001 at once.
  flow.Disconnected(v(), "dev-d", d.username);
  const auto request = HubFlow::PublishRequest("app-u", "users/" + u + "/devices/dev-d/rpc/request",
                                               R"({"id":"r-1","method":"reboot"})");
  nlohmann::json reply;
  ASSERT_TRUE(IsRewrite(request, flow.Publish(v(), request),
                        "users/" + u + "/devices/dev-d/rpc/response", &reply));
  EXPECT_EQ(reply["error"]["code"], -32001);
  // Any other clientid is fine for the same token.
  EXPECT_TRUE(IsAllow(flow.Authenticate(v(), "dev-d-app", "jwt", token)));
}

// With a JWKS holding an RSA key, an RS256 token signed with that key is admitted, and
// the HS/RS confusion attack (an HMAC made with the RSA public key as secret, naming the
// RSA key's kid or not) is refused; so is an RS256 header on an HMAC signature.
TEST_P(IdentityTokenTest, HsRsConfusionWithAJwksKeyIsRefused) {
  const TempDir keys;
  const auto openssl = [&](const std::string& args) {
    const ShellOutput out = RunShell("cd '" + keys.path().string() + "' && openssl " + args);
    EXPECT_EQ(out.exit_code, 0) << args << "\n" << out.output;
    return out.output;
  };
  openssl("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key");
  openssl("pkey -in rsa.key -pubout -out rsa.pub");
  std::string modulus_hex = openssl("rsa -in rsa.key -noout -modulus");
  modulus_hex = modulus_hex.substr(modulus_hex.find('=') + 1);
  modulus_hex.erase(modulus_hex.find_last_not_of("\r\n") + 1);
  std::string modulus;
  for (std::size_t i = 0; i + 1 < modulus_hex.size(); i += 2) {
    modulus.push_back(static_cast<char>(std::stoi(modulus_hex.substr(i, 2), nullptr, 16)));
  }
  ASSERT_EQ(modulus.size(), 256u);
  const nlohmann::json jwks = {{"keys",
                                {{{"kty", "RSA"},
                                  {"kid", "rsa-1"},
                                  {"use", "sig"},
                                  {"alg", "RS256"},
                                  {"n", Base64Url(modulus)},
                                  {"e", "AQAB"}}}}};
  WriteFile(keys.path() / "jwks.json", jwks.dump());
  HubFlow flow({.extra_toml = "", .env = {{"IOTHUB_JWT__JWKS_FILE", keys.File("jwks.json")}}});
  flow.CreateUser("carol@example.com", "Carol", "sub-carol");
  ASSERT_TRUE(flow.Start());

  const std::string claims =
      R"({"sub":"sub-carol","exp":)" + std::to_string(NowSeconds() + 3600) + "}";
  // RS256, signed by the openssl CLI with the private key.
  const std::string input =
      Base64Url(R"({"alg":"RS256","typ":"JWT","kid":"rsa-1"})") + "." + Base64Url(claims);
  WriteFile(keys.path() / "input", input);
  const std::string signature = openssl("dgst -sha256 -sign rsa.key -binary input");
  ASSERT_EQ(signature.size(), 256u);
  EXPECT_TRUE(IsAllow(flow.Authenticate(v(), "app-rs", "jwt", input + "." + Base64Url(signature))));

  const std::string public_pem = ReadFile(keys.path() / "rsa.pub");
  ASSERT_FALSE(public_pem.empty());
  const std::vector<std::pair<std::string, std::string>> attacks = {
      {SignJwt(R"({"alg":"HS256","typ":"JWT","kid":"rsa-1"})", claims, public_pem),
       "alg_key_mismatch"},
      {SignJwt(R"({"alg":"HS256","typ":"JWT"})", claims, public_pem), "bad_signature"},
      {SignJwt(R"({"alg":"RS256","typ":"JWT","kid":"rsa-1"})", claims, public_pem),
       "bad_signature"},
      {SignJwt(R"({"alg":"RS256","typ":"JWT"})", claims, HubFlow::kJwtSecret), "bad_signature"},
      // The JWK says RS256: an RS512 or PS256 token naming it is refused unverified.
      {SignJwt(R"({"alg":"RS512","typ":"JWT","kid":"rsa-1"})", claims, public_pem),
       "alg_not_allowed"},
      {SignJwt(R"({"alg":"PS256","typ":"JWT","kid":"rsa-1"})", claims, public_pem),
       "alg_not_allowed"},
  };
  for (std::size_t i = 0; i < attacks.size(); ++i) {
    SCOPED_TRACE(attacks[i].second + " #" + std::to_string(i));
    const std::string clientid = "attack-" + std::to_string(i);
    EXPECT_TRUE(IsDeny(flow.Authenticate(v(), clientid, "jwt", attacks[i].first)));
    EXPECT_TRUE(
        flow.WaitForLog("clientid=" + clientid + " peer=127.0.0.1 reason=" + attacks[i].second))
        << flow.Log();
  }
}

// Logs in over MQTT (v3) and calls GET /api/auth/me with `token`; true when both admit.
// Each refusal must agree: the MQTT and HTTP paths share one verifier.
::testing::AssertionResult AdmittedOverMqttAndHttp(HubFlow& flow, const std::string& clientid,
                                                   const std::string& token) {
  const bool mqtt = flow.Authenticate(ServiceVersion::kV3, clientid, "jwt", token).bool_result();
  httplib::Client http("127.0.0.1", flow.hub().http_port());
  const auto response = http.Get("/api/auth/me", {{"Authorization", "Bearer " + token}});
  if (!response) return ::testing::AssertionFailure() << "no HTTP answer";
  const bool api = response->status == 200;
  if (mqtt != api || (!api && response->status != 401)) {
    return ::testing::AssertionFailure() << "MQTT " << mqtt << ", HTTP " << response->status;
  }
  if (!mqtt) return ::testing::AssertionFailure() << "refused by both";
  return ::testing::AssertionSuccess();
}

// [jwt] max_lifetime_s (here through IOTHUB_JWT__MAX_LIFETIME_S) bounds exp - iat for
// MQTT logins and the HTTP API alike, and needs iat; IOTHUB_JWT__REQUIRE_EXP=false lets
// a token without exp in, which the default refuses on both paths.
TEST(JwtPolicyTest, LifetimeAndExpPolicyOverMqttAndHttp) {
  const std::int64_t now = NowSeconds();
  const std::string secret(HubFlow::kJwtSecret);
  auto token = [&](const std::string& times) {
    return Hs256Jwt(R"({"sub":"sub-alice")" + times + "}", secret);
  };
  const std::string no_exp = token("");
  {
    HubFlow flow({.extra_toml = "", .env = {{"IOTHUB_JWT__MAX_LIFETIME_S", "600"}}});
    flow.CreateUser("alice@example.com", "Alice", "sub-alice");
    ASSERT_TRUE(flow.Start());
    const std::string short_lived =
        token(",\"iat\":" + std::to_string(now) + ",\"exp\":" + std::to_string(now + 600));
    EXPECT_TRUE(AdmittedOverMqttAndHttp(flow, "app-1", short_lived));
    EXPECT_FALSE(AdmittedOverMqttAndHttp(flow, "app-2", HubFlow::Token("sub-alice")));  // 1 h
    EXPECT_TRUE(flow.WaitForLog("clientid=app-2 peer=127.0.0.1 reason=lifetime_too_long"));
    EXPECT_FALSE(
        AdmittedOverMqttAndHttp(flow, "app-3", token(",\"exp\":" + std::to_string(now + 60))));
    EXPECT_TRUE(flow.WaitForLog("clientid=app-3 peer=127.0.0.1 reason=missing_iat"));
    EXPECT_FALSE(AdmittedOverMqttAndHttp(flow, "app-4", no_exp));
    EXPECT_TRUE(flow.WaitForLog("clientid=app-4 peer=127.0.0.1 reason=missing_exp"));
    // HS384 made with the HS256 secret: refused on both paths too.
    EXPECT_FALSE(
        AdmittedOverMqttAndHttp(flow, "app-5",
                                SignJwt(R"({"alg":"HS384","typ":"JWT"})",
                                        R"({"sub":"sub-alice","iat":)" + std::to_string(now) +
                                            R"(,"exp":)" + std::to_string(now + 60) + "}",
                                        secret, "HS384")));
    EXPECT_TRUE(flow.WaitForLog("clientid=app-5 peer=127.0.0.1 reason=alg_not_allowed"));
  }
  {
    HubFlow flow({.extra_toml = "", .env = {{"IOTHUB_JWT__REQUIRE_EXP", "false"}}});
    flow.CreateUser("alice@example.com", "Alice", "sub-alice");
    ASSERT_TRUE(flow.Start());
    EXPECT_TRUE(AdmittedOverMqttAndHttp(flow, "app-6", no_exp));
  }
}

INSTANTIATE_TEST_SUITE_P(BothServiceNames, IdentityTokenTest, ::testing::ValuesIn(kBothVersions),
                         VersionName);

}  // namespace
}  // namespace iothub::testing
