// Who the caller is: the admin token, JWTs (user, admin, service, expired, forged,
// unregistered), OAuth2 Proxy headers from trusted and untrusted addresses, and the
// /api/auth/* answers.
#include <atomic>

#include "unit/http/api_fixture.h"

namespace iothub::http::testing {
namespace {

using AuthenticationTest = ApiTest;

// No credentials: 401 with WWW-Authenticate: Bearer and a clear message.
TEST_F(AuthenticationTest, MissingCredentialsIs401) {
  Answer answer = Get("/api/auth/me", {});
  EXPECT_EQ(answer.status, 401);
  EXPECT_EQ(Code(answer), "unauthenticated");
  ASSERT_TRUE(answer.headers.count("WWW-Authenticate"));
  EXPECT_EQ(answer.headers.find("WWW-Authenticate")->second.rfind("Bearer", 0), 0u);
}

// Only /api/health and /api/openapi.json answer without credentials.
TEST_F(AuthenticationTest, PublicEndpoints) {
  Answer health = Get("/api/health", {});
  ASSERT_EQ(health.status, 200) << health.text;
  EXPECT_EQ(health.body["status"], "ok");
  EXPECT_EQ(Get("/api/openapi.json", {}).status, 200);
  for (const Route& route : ApiRoutes()) {
    if (route.access == Access::kPublic || route.method != Method::kGet) continue;
    std::string path = route.path;
    for (const std::string& name : PathParams(route.path)) {
      path.replace(path.find("{" + name + "}"), name.size() + 2, "x");
    }
    EXPECT_EQ(Get(path, {}).status, 401) << path;
  }
}

// /api/health reports the hub's MQTT link: "degraded" (still 200, the hub serves)
// while the link is down or lacks its subscriptions, "ok" once it holds them; without a
// link there is no `mqtt` field.
TEST_F(AuthenticationTest, HealthReportsTheMqttLink) {
  EXPECT_FALSE(Get("/api/health", {}).body.contains("mqtt"));
  std::atomic<bool> up{false};
  Start({"127.0.0.1"}, [&](ApiContext& c) { c.broker_link_up = [&] { return up.load(); }; });
  Answer down = Get("/api/health", {});
  ASSERT_EQ(down.status, 200) << down.text;
  EXPECT_EQ(down.body["status"], "degraded");
  EXPECT_EQ(down.body["mqtt"], "unavailable");
  EXPECT_EQ(down.body["store"], "ok");
  up = true;
  Answer healthy = Get("/api/health", {});
  EXPECT_EQ(healthy.body["status"], "ok");
  EXPECT_EQ(healthy.body["mqtt"], "ok");
}

// With shared state configured, /api/health is 503 with the reason while it is down
// (no RPC request can be decided), 200 once it answers; without it there is no `redis`.
TEST_F(AuthenticationTest, HealthIs503WhileSharedStateIsDown) {
  EXPECT_FALSE(Get("/api/health", {}).body.contains("redis"));
  std::atomic<bool> up{false};
  Start({"127.0.0.1"}, [&](ApiContext& c) {
    c.shared_state_health = [&] {
      return up ? absl::OkStatus() : absl::UnavailableError("redis: connection refused");
    };
  });
  Answer down = Get("/api/health", {});
  ASSERT_EQ(down.status, 503) << down.text;
  EXPECT_EQ(down.body["status"], "unavailable");
  EXPECT_EQ(down.body["redis"], "unavailable");
  EXPECT_EQ(down.body["reason"], "redis: connection refused");
  EXPECT_EQ(down.body["store"], "ok");
  up = true;
  Answer healthy = Get("/api/health", {});
  EXPECT_EQ(healthy.status, 200);
  EXPECT_EQ(healthy.body["redis"], "ok");
  EXPECT_FALSE(healthy.body.contains("reason"));
}

// The admin token is an admin; a wrong or malformed Authorization is 401.
TEST_F(AuthenticationTest, AdminToken) {
  Answer me = Get("/api/auth/admin", AdminToken());
  ASSERT_EQ(me.status, 200) << me.text;
  EXPECT_EQ(me.body["authMethod"], "admin-token");
  EXPECT_EQ(me.body["role"], "admin");
  EXPECT_EQ(Get("/api/auth/me", Bearer(std::string(kAdminToken) + "x")).status, 401);
  EXPECT_EQ(Get("/api/auth/me", {{"Authorization", "Basic YWRtaW46YWRtaW4="}}).status, 401);
  EXPECT_EQ(Get("/api/auth/me", {{"Authorization", "Bearer "}}).status, 401);
  EXPECT_EQ(Get("/api/auth/me", {{"Authorization", kAdminToken}}).status, 401);
}

// An empty configured admin token disables it (an empty bearer never matches).
TEST_F(AuthenticationTest, EmptyAdminTokenDisabled) {
  Start({"127.0.0.1"}, [](ApiContext& c) { c.options.admin_token.clear(); });
  EXPECT_EQ(Get("/api/auth/me", AdminToken()).status, 401);
  EXPECT_EQ(Get("/api/auth/me", {{"Authorization", "Bearer"}}).status, 401);
}

// A user JWT maps to the registered user; /auth/admin is 403 for them.
TEST_F(AuthenticationTest, UserJwt) {
  for (const char* path : {"/api/auth/me", "/api/auth/profile", "/api/auth/user"}) {
    Answer me = Get(path, Alice());
    ASSERT_EQ(me.status, 200) << me.text;
    EXPECT_EQ(me.body["id"], alice_.id);
    EXPECT_EQ(me.body["authMethod"], "jwt");
    EXPECT_EQ(me.body["role"], "user");
  }
  EXPECT_EQ(Get("/api/auth/admin", Alice()).status, 403);
}

// Admin from the user record, or from the token's realm role.
TEST_F(AuthenticationTest, AdminRoleFromRecordOrToken) {
  EXPECT_EQ(Get("/api/auth/admin", AdminJwt()).status, 200);
  const std::string token = Token("sub-bob", {{"realm_access", {{"roles", {"admin"}}}}});
  Answer bob = Get("/api/auth/admin", Bearer(token));
  ASSERT_EQ(bob.status, 200) << bob.text;
  EXPECT_EQ(bob.body["id"], bob_.id);
  EXPECT_EQ(bob.body["role"], "admin");
}

// A service token is an admin-like caller without a user record.
TEST_F(AuthenticationTest, ServiceToken) {
  const std::string token = Token("svc-backend", {{"realm_access", {{"roles", {"service"}}}}});
  Answer me = Get("/api/auth/admin", Bearer(token));
  ASSERT_EQ(me.status, 200) << me.text;
  EXPECT_EQ(me.body["authMethod"], "service");
  EXPECT_TRUE(me.body["id"].is_null());
  EXPECT_EQ(me.body["userId"], "svc-backend");
  EXPECT_EQ(Get("/api/users", Bearer(token)).status, 200);
}

// Expired, forged and unregistered tokens are refused; nothing echoes the token.
TEST_F(AuthenticationTest, BadTokens) {
  Answer expired = Get("/api/auth/me", Bearer(Token("sub-alice", json::object(), -3600)));
  EXPECT_EQ(expired.status, 401);
  EXPECT_NE(expired.body["error"]["message"].get<std::string>().find("expired"), std::string::npos);
  const std::string forged =
      auth::testing::MakeToken("HS256", {.secret = "another-secret"},
                               {{"sub", "sub-admin"}, {"exp", std::time(nullptr) + 60}});
  Answer bad = Get("/api/auth/me", Bearer(forged));
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.text.find(forged), std::string::npos);
  EXPECT_EQ(Get("/api/auth/me", Bearer("not.a.jwt")).status, 401);
  Answer stranger = Get("/api/auth/me", Bearer(Token("sub-stranger")));
  EXPECT_EQ(stranger.status, 403);
}

// Without a verifier only the admin token authenticates bearer requests.
TEST_F(AuthenticationTest, NoVerifier) {
  Start({"127.0.0.1"}, [](ApiContext& c) { c.jwt_verifier = nullptr; });
  EXPECT_EQ(Get("/api/auth/me", Alice()).status, 401);
  EXPECT_EQ(Get("/api/auth/me", AdminToken()).status, 200);
}

// Proxy headers from a trusted address (127.0.0.1 listed) map the user by subject.
TEST_F(AuthenticationTest, TrustedProxyHeaders) {
  Answer by_subject = Get("/api/auth/me", {{"X-Auth-Request-User", "sub-alice"},
                                           {"X-Auth-Request-Email", "bob@example.com"},
                                           {"X-Auth-Request-Access-Token", "opaque"}});
  ASSERT_EQ(by_subject.status, 200) << by_subject.text;
  EXPECT_EQ(by_subject.body["id"], alice_.id);
  EXPECT_EQ(by_subject.body["authMethod"], "proxy");
  EXPECT_EQ(Get("/api/auth/admin", {{"X-Auth-Request-User", "sub-admin"}}).status, 200);
  EXPECT_EQ(Get("/api/auth/me", {{"X-Auth-Request-User", "nobody"}}).status, 403);
  EXPECT_EQ(Get("/api/auth/me", {{"X-Auth-Request-Preferred-Username", "alice"}}).status, 401);
}

// An unknown proxy subject carrying the admin's e-mail is not the admin (an identity
// provider's e-mail is no proof of the hub account): 403, and an e-mail alone is 401.
TEST_F(AuthenticationTest, ProxyEmailDoesNotSignInByDefault) {
  const httplib::Headers impostor = {{"X-Auth-Request-User", "attacker-sub"},
                                     {"X-Auth-Request-Email", "admin@example.com"}};
  EXPECT_EQ(Get("/api/auth/me", impostor).status, 403);
  EXPECT_EQ(Get("/api/auth/admin", impostor).status, 403);
  EXPECT_EQ(Get("/api/users", impostor).status, 403);
  EXPECT_EQ(Get("/api/auth/me", {{"X-Auth-Request-Email", "admin@example.com"}}).status, 401);
  EXPECT_EQ(Get("/api/auth/me",
                {{"X-Auth-Request-User", ""}, {"X-Auth-Request-Email", "admin@example.com"}})
                .status,
            401);
}

// With [http] trusted_proxy_email_fallback on, an unknown subject falls back to the
// e-mail; a known subject still wins over the e-mail.
TEST_F(AuthenticationTest, ProxyEmailFallbackWhenConfigured) {
  Start({"127.0.0.1"}, [](ApiContext& c) { c.options.trusted_proxy_email_fallback = true; });
  Answer by_email = Get("/api/auth/me", {{"X-Auth-Request-User", "unknown-sub"},
                                         {"X-Auth-Request-Email", "bob@example.com"}});
  ASSERT_EQ(by_email.status, 200) << by_email.text;
  EXPECT_EQ(by_email.body["id"], bob_.id);
  Answer subject_wins = Get("/api/auth/me", {{"X-Auth-Request-User", "sub-alice"},
                                             {"X-Auth-Request-Email", "bob@example.com"}});
  EXPECT_EQ(subject_wins.body["id"], alice_.id);
  EXPECT_EQ(Get("/api/auth/me", {{"X-Auth-Request-Email", "nobody@example.com"}}).status, 403);
}

// The audit actor of a proxy caller is "proxy:<user>".
TEST_F(AuthenticationTest, ProxyActorInAudit) {
  MakeDevice("dev-p");
  Answer bound =
      Post("/api/devices/bind-device", {{"X-Auth-Request-User", "sub-alice"}},
           {{"id", "dev-p"}, {"ownerId", alice_.id}, {"claimCode", claim_codes_["dev-p"]}});
  ASSERT_EQ(bound.status, 200) << bound.text;
  auto audit = store_->ListAudit(1);
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ((*audit)[0].actor, "proxy:sub-alice");
  Answer unbound = Post("/api/devices/unbind-device", AdminToken(), {{"id", "dev-p"}});
  EXPECT_EQ((*store_->ListAudit(1))[0].actor, "admin-token");
  Post("/api/devices/bind-device", Alice(),
       {{"id", "dev-p"}, {"ownerId", alice_.id}, {"claimCode", unbound.body["claimCode"]}});
  EXPECT_EQ((*store_->ListAudit(1))[0].actor, "user:" + alice_.id);
}

// Proxy headers from an address not in the list are refused, and change nothing.
TEST_F(AuthenticationTest, ForgedProxyHeadersFromUntrustedAddress) {
  Start({"10.0.0.1"});
  MakeDevice("dev-f");
  const StoreCounts before = Counts();
  Answer answer = Get("/api/auth/me", {{"X-Auth-Request-User", "sub-admin"},
                                       {"X-Auth-Request-Email", "admin@example.com"}});
  EXPECT_EQ(answer.status, 401);
  EXPECT_NE(answer.body["error"]["message"].get<std::string>().find("trusted proxy"),
            std::string::npos);
  EXPECT_EQ(Post("/api/devices/bind-device", {{"X-Auth-Request-User", "sub-admin"}},
                 {{"id", "dev-f"}, {"ownerId", alice_.id}})
                .status,
            401);
  EXPECT_EQ(Counts(), before);
}

// With an Authorization header, proxy headers are ignored (the bearer decides).
TEST_F(AuthenticationTest, AuthorizationWinsOverProxyHeaders) {
  httplib::Headers headers = Alice();
  headers.emplace("X-Auth-Request-User", "sub-admin");
  EXPECT_EQ(Get("/api/auth/admin", headers).status, 403);
}

// Secrets compare equal only when identical.
TEST(SecretEqualsTest, ComparesWholeSecrets) {
  EXPECT_TRUE(SecretEquals("abc", "abc"));
  EXPECT_FALSE(SecretEquals("abc", "abd"));
  EXPECT_FALSE(SecretEquals("abc", "abcd"));
  EXPECT_FALSE(SecretEquals("", "a"));
  EXPECT_EQ(NormalizeAddress("::ffff:127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(NormalizeAddress("::1"), "::1");
}

}  // namespace
}  // namespace iothub::http::testing
