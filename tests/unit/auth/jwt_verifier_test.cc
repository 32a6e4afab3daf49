#include "auth/jwt_verifier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "unit/auth/jwt_test_signer.h"

namespace iothub::auth {
namespace {

using nlohmann::json;
using testing::MakeToken;
using testing::Signer;
using testing::SignRaw;
using testing::TestKeys;

constexpr std::int64_t kT = 1'700'000'000;  // "now" in seconds
constexpr UnixMillis kNow = kT * 1000;
constexpr char kSecret[] = "hs-secret-0123456789abcdef0123456789";
constexpr char kIssuer[] = "https://idp.example/realms/iot";

JwtConfig TestConfig() {
  return {.hs_secrets = {kSecret},
          .issuer = kIssuer,
          .audience = "iot-hub",
          .leeway_s = 30,
          .client_id = "iot-hub"};
}

json TestJwks() {
  return {{"keys",
           {testing::RsaJwk(TestKeys().rsa.get(), "rsa1"),
            testing::EcJwk(TestKeys().ec256.get(), "ec256", "P-256"),
            testing::EcJwk(TestKeys().ec384.get(), "ec384", "P-384"),
            testing::RsaJwk(TestKeys().rsa2.get(), "rsa-rs256-only", "RS256")}}};
}

std::shared_ptr<const JwtKeyProvider> TestProvider() {
  static const auto provider = [] {
    auto keys = KeySet::FromJwks(TestJwks().dump());
    return std::make_shared<const StaticKeyProvider>(*std::move(keys));
  }();
  return provider;
}

std::unique_ptr<JwtVerifier> MakeVerifier(
    JwtConfig config = TestConfig(),
    std::shared_ptr<const JwtKeyProvider> provider = TestProvider()) {
  auto verifier = JwtVerifier::Create(std::move(config), std::move(provider));
  EXPECT_TRUE(verifier.ok()) << verifier.status();
  return *std::move(verifier);
}

json Payload() {
  return {{"sub", "user-1"},   {"iss", kIssuer},     {"aud", "iot-hub"},
          {"exp", kT + 300},   {"iat", kT},          {"nbf", kT},
          {"email", "u@x.io"}, {"name", "User One"}, {"preferred_username", "u1"}};
}

// Signer and kid for each algorithm.
struct AlgCase {
  std::string alg;
  Signer signer;
  std::string kid;
};

AlgCase CaseFor(const std::string& alg) {
  const auto& k = TestKeys();
  if (alg.starts_with("HS")) return {alg, {.secret = kSecret}, ""};
  if (alg == "ES256") return {alg, {.key = k.ec256.get()}, "ec256"};
  if (alg == "ES384") return {alg, {.key = k.ec384.get()}, "ec384"};
  return {alg, {.key = k.rsa.get()}, "rsa1"};
}

// The test config with its secret pinned to `alg` when that is an HMAC alg.
JwtConfig ConfigFor(const std::string& alg) {
  JwtConfig config = TestConfig();
  if (alg.starts_with("HS")) config.hs_alg = *ParseJwtAlgorithm(alg);
  return config;
}

std::string Token(const std::string& alg, const json& payload = Payload()) {
  const AlgCase c = CaseFor(alg);
  return MakeToken(c.alg, c.signer, payload, c.kid);
}

JwtFailure FailureOf(const JwtResult& result) {
  EXPECT_FALSE(result.ok());
  return result.ok() ? JwtFailure::kMalformed : result.failure();
}

class JwtAlgTest : public ::testing::TestWithParam<std::string> {};

// A correctly signed token verifies and yields its claims, for every algorithm.
TEST_P(JwtAlgTest, ValidTokenPasses) {
  const auto verifier = MakeVerifier(ConfigFor(GetParam()));
  const JwtResult result = verifier->Verify(Token(GetParam()), kNow);
  ASSERT_TRUE(result.ok()) << ToString(result.failure()) << ": " << result.error().detail;
  const JwtClaims& claims = result.claims();
  EXPECT_EQ(claims.subject, "user-1");
  EXPECT_EQ(claims.issuer, kIssuer);
  EXPECT_EQ(claims.audiences, std::vector<std::string>{"iot-hub"});
  EXPECT_EQ(claims.exp, kT + 300);
  EXPECT_EQ(claims.iat, kT);
  EXPECT_EQ(claims.nbf, kT);
  EXPECT_EQ(claims.email, "u@x.io");
  EXPECT_EQ(claims.name, "User One");
  EXPECT_EQ(claims.preferred_username, "u1");
  EXPECT_EQ(claims.role, Role::kUser);
  EXPECT_FALSE(claims.is_service);
  EXPECT_EQ(claims.raw["sub"], "user-1");
}

// Changing one character of the signature or of the payload breaks the signature.
TEST_P(JwtAlgTest, TamperedTokenFails) {
  const auto verifier = MakeVerifier(ConfigFor(GetParam()));
  const std::string token = Token(GetParam());
  std::string bad_sig = token;
  const std::size_t sig_at = token.rfind('.') + 1;
  bad_sig[sig_at] = bad_sig[sig_at] == 'A' ? 'B' : 'A';
  EXPECT_EQ(FailureOf(verifier->Verify(bad_sig, kNow)), JwtFailure::kBadSignature);
  std::string bad_payload = token;
  const std::size_t payload_at = token.find('.') + 5;
  bad_payload[payload_at] = bad_payload[payload_at] == 'A' ? 'B' : 'A';
  EXPECT_EQ(FailureOf(verifier->Verify(bad_payload, kNow)), JwtFailure::kBadSignature);
  // A signature cut short is refused, not read past its end.
  const std::string short_sig = token.substr(0, token.size() - 8);
  EXPECT_FALSE(verifier->Verify(short_sig, kNow).ok());
}

// Tokens verify at the same time from many threads.
TEST_P(JwtAlgTest, ConcurrentVerification) {
  const auto verifier = MakeVerifier(ConfigFor(GetParam()));
  const std::string token = Token(GetParam());
  std::atomic<int> passed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) passed += verifier->Verify(token, kNow).ok() ? 1 : 0;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(passed.load(), 100);
}

INSTANTIATE_TEST_SUITE_P(AllAlgorithms, JwtAlgTest,
                         ::testing::Values("HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
                                           "PS256", "ES256", "ES384"));

// exp: refused from exp + leeway on (boundary exact to the millisecond).
TEST(JwtVerifierTest, ExpiryHonoursLeeway) {
  const auto verifier = MakeVerifier();
  json payload = Payload();
  payload["exp"] = kT - 30;
  const std::string at_boundary = Token("RS256", payload);
  EXPECT_EQ(FailureOf(verifier->Verify(at_boundary, kNow)), JwtFailure::kExpired);
  EXPECT_TRUE(verifier->Verify(at_boundary, kNow - 1).ok());
  payload["exp"] = kT - 29;
  EXPECT_TRUE(verifier->Verify(Token("RS256", payload), kNow).ok());
  payload["exp"] = kT - 3600;
  EXPECT_EQ(FailureOf(verifier->Verify(Token("HS256", payload), kNow)), JwtFailure::kExpired);
}

// nbf: refused before nbf - leeway.
TEST(JwtVerifierTest, NotBeforeHonoursLeeway) {
  const auto verifier = MakeVerifier();
  json payload = Payload();
  payload["nbf"] = kT + 30;
  EXPECT_TRUE(verifier->Verify(Token("ES256", payload), kNow).ok());
  EXPECT_EQ(FailureOf(verifier->Verify(Token("ES256", payload), kNow - 1)),
            JwtFailure::kNotYetValid);
  payload["nbf"] = kT + 31;
  EXPECT_EQ(FailureOf(verifier->Verify(Token("ES256", payload), kNow)), JwtFailure::kNotYetValid);
}

// iat: refused when beyond now + leeway.
TEST(JwtVerifierTest, IssuedInFutureHonoursLeeway) {
  const auto verifier = MakeVerifier();
  json payload = Payload();
  payload.erase("nbf");
  payload["iat"] = kT + 30;
  EXPECT_TRUE(verifier->Verify(Token("HS256", payload), kNow).ok());
  payload["iat"] = kT + 31;
  EXPECT_EQ(FailureOf(verifier->Verify(Token("HS256", payload), kNow)),
            JwtFailure::kIssuedInFuture);
}

// With zero leeway the boundaries are exact; with require_exp off, absent time claims
// are not required.
TEST(JwtVerifierTest, ZeroLeewayAndAbsentTimes) {
  JwtConfig config = TestConfig();
  config.leeway_s = 0;
  config.require_exp = false;
  const auto verifier = MakeVerifier(config);
  json payload = Payload();
  payload["nbf"] = kT - 10;
  payload["iat"] = kT - 10;
  payload["exp"] = kT;
  EXPECT_EQ(FailureOf(verifier->Verify(Token("HS256", payload), kNow)), JwtFailure::kExpired);
  EXPECT_TRUE(verifier->Verify(Token("HS256", payload), kNow - 1).ok());
  payload.erase("exp");
  payload.erase("iat");
  payload.erase("nbf");
  const JwtResult result = verifier->Verify(Token("HS256", payload), kNow);
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result.claims().exp.has_value());
}

// Time claims that are not numbers are refused; fractional seconds are accepted.
TEST(JwtVerifierTest, TimeClaimTypes) {
  const auto verifier = MakeVerifier();
  json payload = Payload();
  payload["exp"] = "soon";
  EXPECT_EQ(FailureOf(verifier->Verify(Token("HS256", payload), kNow)), JwtFailure::kBadJson);
  payload["exp"] = static_cast<double>(kT) + 100.5;
  EXPECT_TRUE(verifier->Verify(Token("HS256", payload), kNow).ok());
  payload["exp"] = 1e300;  // far future, saturates instead of overflowing
  EXPECT_TRUE(verifier->Verify(Token("HS256", payload), kNow).ok());
}

// alg none is refused with or without a signature, in any letter case.
TEST(JwtVerifierTest, AlgNoneRefused) {
  const auto verifier = MakeVerifier();
  const std::string body = testing::B64(R"({"alg":"none"})") + "." + testing::B64(Payload().dump());
  EXPECT_EQ(FailureOf(verifier->Verify(body + ".", kNow)), JwtFailure::kAlgNone);
  EXPECT_EQ(FailureOf(verifier->Verify(body + "." + testing::B64("sig"), kNow)),
            JwtFailure::kAlgNone);
  const std::string upper = testing::B64(R"({"alg":"NoNe"})") + "." + testing::B64("{}") + ".";
  EXPECT_EQ(FailureOf(verifier->Verify(upper, kNow)), JwtFailure::kAlgNone);
  // Signed with the HMAC secret while claiming none: still refused.
  const std::string signed_none =
      SignRaw("HS256", {.secret = kSecret}, R"({"alg":"none"})", Payload().dump());
  EXPECT_EQ(FailureOf(verifier->Verify(signed_none, kNow)), JwtFailure::kAlgNone);
}

// Algorithms outside the supported set, and "crit" headers, are refused.
TEST(JwtVerifierTest, UnsupportedAlgRefused) {
  const auto verifier = MakeVerifier();
  for (const char* header : {R"({"alg":"EdDSA"})", R"({"alg":"HS1"})", R"({"alg":"hs256"})",
                             R"({"alg":"HS256","crit":["exp"]})"}) {
    const std::string token = SignRaw("HS256", {.secret = kSecret}, header, Payload().dump());
    EXPECT_EQ(FailureOf(verifier->Verify(token, kNow)), JwtFailure::kUnsupportedAlg) << header;
  }
  const std::string no_alg = SignRaw("HS256", {.secret = kSecret}, R"({"typ":"JWT"})", "{}");
  EXPECT_EQ(FailureOf(verifier->Verify(no_alg, kNow)), JwtFailure::kMalformed);
}

// HS256 signed with the RSA public key PEM as the HMAC secret is never accepted.
TEST(JwtVerifierTest, HmacRsaConfusionRefused) {
  const std::string pem = testing::PublicPem(TestKeys().rsa.get());
  const auto verifier = MakeVerifier();
  // Naming the RSA key: the key type does not fit the alg.
  const std::string with_kid = MakeToken("HS256", {.secret = pem}, Payload(), "rsa1");
  EXPECT_EQ(FailureOf(verifier->Verify(with_kid, kNow)), JwtFailure::kAlgKeyMismatch);
  // Without kid: only the configured secrets are tried, and they do not match.
  const std::string without_kid = MakeToken("HS256", {.secret = pem}, Payload());
  EXPECT_EQ(FailureOf(verifier->Verify(without_kid, kNow)), JwtFailure::kBadSignature);
  // A verifier with RSA keys only has no HMAC key at all.
  JwtConfig no_secrets = TestConfig();
  no_secrets.hs_secrets.clear();
  const auto rsa_only = MakeVerifier(no_secrets);
  EXPECT_EQ(FailureOf(rsa_only->Verify(without_kid, kNow)), JwtFailure::kAlgKeyMismatch);
  EXPECT_EQ(FailureOf(rsa_only->Verify(Token("HS256"), kNow)), JwtFailure::kAlgKeyMismatch);
}

// RS256 with only HMAC secrets configured is a key mismatch; no keys at all is unknown.
TEST(JwtVerifierTest, AsymmetricWithoutPublicKeys) {
  const auto hmac_only = MakeVerifier(TestConfig(), nullptr);
  const std::string rs256 = MakeToken("RS256", {.key = TestKeys().rsa.get()}, Payload());
  EXPECT_EQ(FailureOf(hmac_only->Verify(rs256, kNow)), JwtFailure::kAlgKeyMismatch);
  EXPECT_TRUE(hmac_only->Verify(Token("HS256"), kNow).ok());
  JwtConfig none = TestConfig();
  none.hs_secrets.clear();
  EXPECT_EQ(FailureOf(MakeVerifier(none, nullptr)->Verify(rs256, kNow)), JwtFailure::kUnknownKey);
}

// A kid naming a key of the right type but pinned to another alg (by its curve or its
// JWK alg) is refused as alg_not_allowed, before any signature check.
TEST(JwtVerifierTest, KeyRestrictionsEnforced) {
  const auto verifier = MakeVerifier();
  // ES384 token naming the P-256 key.
  const std::string es = MakeToken("ES384", {.key = TestKeys().ec384.get()}, Payload(), "ec256");
  EXPECT_EQ(FailureOf(verifier->Verify(es, kNow)), JwtFailure::kAlgNotAllowed);
  // PS256 token naming a key whose JWK says alg RS256.
  const auto* rsa2 = TestKeys().rsa2.get();
  const std::string ps =
      MakeToken("PS256", {.key = const_cast<EVP_PKEY*>(rsa2)}, Payload(), "rsa-rs256-only");
  EXPECT_EQ(FailureOf(verifier->Verify(ps, kNow)), JwtFailure::kAlgNotAllowed);
  // RS512 naming it: pinned to RS256, so not RS512 either.
  const std::string rs512 =
      MakeToken("RS512", {.key = const_cast<EVP_PKEY*>(rsa2)}, Payload(), "rsa-rs256-only");
  EXPECT_EQ(FailureOf(verifier->Verify(rs512, kNow)), JwtFailure::kAlgNotAllowed);
  const std::string rs =
      MakeToken("RS256", {.key = const_cast<EVP_PKEY*>(rsa2)}, Payload(), "rsa-rs256-only");
  EXPECT_TRUE(verifier->Verify(rs, kNow).ok());
  // RS256 signed by another key than the one the kid names.
  const std::string wrong =
      MakeToken("RS256", {.key = const_cast<EVP_PKEY*>(rsa2)}, Payload(), "rsa1");
  EXPECT_EQ(FailureOf(verifier->Verify(wrong, kNow)), JwtFailure::kBadSignature);
}

// An unknown kid is kUnknownKey; without kid every key of the alg's type is tried.
TEST(JwtVerifierTest, KidSelection) {
  const auto verifier = MakeVerifier();
  const Signer rsa{.key = TestKeys().rsa.get()};
  EXPECT_EQ(FailureOf(verifier->Verify(MakeToken("RS256", rsa, Payload(), "nope"), kNow)),
            JwtFailure::kUnknownKey);
  EXPECT_TRUE(verifier->Verify(MakeToken("RS256", rsa, Payload()), kNow).ok());
  EXPECT_TRUE(
      verifier->Verify(MakeToken("RS256", {.key = TestKeys().rsa2.get()}, Payload()), kNow).ok());
  EXPECT_TRUE(
      verifier->Verify(MakeToken("ES384", {.key = TestKeys().ec384.get()}, Payload()), kNow).ok());
}

// A secret configured for HS256 verifies HS256 only: an HS384 or HS512 token signed with
// that very secret is refused as alg_not_allowed (with or without an unknown kid), and a
// secret pinned to HS512 refuses HS256 the same way.
TEST(JwtVerifierTest, HmacSecretPinnedToItsAlgorithm) {
  const auto verifier = MakeVerifier();
  ASSERT_TRUE(verifier->Verify(Token("HS256"), kNow).ok());
  for (const char* alg : {"HS384", "HS512"}) {
    SCOPED_TRACE(alg);
    EXPECT_EQ(FailureOf(verifier->Verify(Token(alg), kNow)), JwtFailure::kAlgNotAllowed);
    const std::string with_kid = MakeToken(alg, {.secret = kSecret}, Payload(), "no-such-kid");
    EXPECT_EQ(FailureOf(verifier->Verify(with_kid, kNow)), JwtFailure::kAlgNotAllowed);
  }
  const auto hs512 = MakeVerifier(ConfigFor("HS512"));
  EXPECT_TRUE(hs512->Verify(Token("HS512"), kNow).ok());
  EXPECT_EQ(FailureOf(hs512->Verify(Token("HS256"), kNow)), JwtFailure::kAlgNotAllowed);
  // Without a provider either.
  const auto secrets_only = MakeVerifier(TestConfig(), nullptr);
  EXPECT_EQ(FailureOf(secrets_only->Verify(Token("HS384"), kNow)), JwtFailure::kAlgNotAllowed);
  // A secret cannot be pinned to a non-HMAC alg.
  JwtConfig bad = TestConfig();
  bad.hs_alg = JwtAlgorithm::kRS256;
  EXPECT_FALSE(JwtVerifier::Create(bad, nullptr).ok());
}

// exp is required by default (missing_exp), whatever the signature alg; require_exp
// false admits a token without exp.
TEST(JwtVerifierTest, ExpRequiredByDefault) {
  json payload = Payload();
  payload.erase("exp");
  const auto verifier = MakeVerifier();
  EXPECT_EQ(FailureOf(verifier->Verify(Token("HS256", payload), kNow)), JwtFailure::kMissingExp);
  EXPECT_EQ(FailureOf(verifier->Verify(Token("ES256", payload), kNow)), JwtFailure::kMissingExp);
  payload["exp"] = nullptr;  // present but not a number
  EXPECT_EQ(FailureOf(verifier->Verify(Token("HS256", payload), kNow)), JwtFailure::kBadJson);
  payload.erase("exp");
  JwtConfig lax = TestConfig();
  lax.require_exp = false;
  EXPECT_TRUE(MakeVerifier(lax)->Verify(Token("HS256", payload), kNow).ok());
}

// max_lifetime_s bounds exp - iat (inclusive), needs iat (missing_iat) and exp
// (missing_exp, even with require_exp off); negative values are refused at creation.
TEST(JwtVerifierTest, MaxLifetime) {
  JwtConfig config = TestConfig();
  config.max_lifetime_s = 600;
  const auto verifier = MakeVerifier(config);
  json payload = Payload();
  payload["iat"] = kT;
  payload["exp"] = kT + 600;
  EXPECT_TRUE(verifier->Verify(Token("HS256", payload), kNow).ok());
  payload["exp"] = kT + 601;
  EXPECT_EQ(FailureOf(verifier->Verify(Token("HS256", payload), kNow)),
            JwtFailure::kLifetimeTooLong);
  payload["exp"] = std::numeric_limits<std::int64_t>::max();
  payload["iat"] = -1'000'000'000'000;  // no overflow in exp - iat
  EXPECT_EQ(FailureOf(verifier->Verify(Token("RS256", payload), kNow)),
            JwtFailure::kLifetimeTooLong);
  payload["exp"] = kT + 60;
  payload.erase("iat");
  EXPECT_EQ(FailureOf(verifier->Verify(Token("HS256", payload), kNow)), JwtFailure::kMissingIat);
  payload["iat"] = kT;
  payload.erase("exp");
  config.require_exp = false;
  EXPECT_EQ(FailureOf(MakeVerifier(config)->Verify(Token("HS256", payload), kNow)),
            JwtFailure::kMissingExp);
  config.max_lifetime_s = -1;
  EXPECT_FALSE(JwtVerifier::Create(config, nullptr).ok());
}

// Several HMAC secrets allow rotation: a token signed with any of them passes.
TEST(JwtVerifierTest, SecondHmacSecretAccepted) {
  JwtConfig config = TestConfig();
  config.hs_secrets = {"old-secret-xxxxxxxxxxxxxxxxxxxxxxxx", kSecret};
  const auto verifier = MakeVerifier(config);
  EXPECT_TRUE(verifier->Verify(Token("HS256"), kNow).ok());
  const std::string other = MakeToken("HS256", {.secret = "not-configured"}, Payload());
  EXPECT_EQ(FailureOf(verifier->Verify(other, kNow)), JwtFailure::kBadSignature);
  config.hs_secrets = {""};
  EXPECT_FALSE(JwtVerifier::Create(config, nullptr).ok());
}

// Shapes that are not three base64url parts are malformed or bad base64.
TEST(JwtVerifierTest, MalformedShapes) {
  const auto verifier = MakeVerifier();
  for (const char* token : {"", "abc", "a.b", "a.b.c.d", "..."}) {
    EXPECT_EQ(FailureOf(verifier->Verify(token, kNow)), JwtFailure::kMalformed) << token;
  }
  const std::string huge(1 << 20, 'a');
  EXPECT_EQ(FailureOf(verifier->Verify(huge + "." + huge + "." + huge, kNow)),
            JwtFailure::kMalformed);
  const std::string just_over(JwtVerifier::kMaxTokenSize + 1, 'a');
  EXPECT_EQ(FailureOf(verifier->Verify(just_over, kNow)), JwtFailure::kMalformed);
  EXPECT_EQ(FailureOf(verifier->Verify("###.###.###", kNow)), JwtFailure::kBadBase64);
}

// Each part must be canonical unpadded base64url.
TEST(JwtVerifierTest, BadBase64) {
  const auto verifier = MakeVerifier();
  const std::string token = Token("HS256");
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = token.rfind('.');
  std::string header = token;
  header[1] = '*';
  EXPECT_EQ(FailureOf(verifier->Verify(header, kNow)), JwtFailure::kBadBase64);
  std::string payload = token;
  payload[dot1 + 2] = '+';  // standard, not url-safe, alphabet
  EXPECT_EQ(FailureOf(verifier->Verify(payload, kNow)), JwtFailure::kBadBase64);
  EXPECT_EQ(FailureOf(verifier->Verify(token + "=", kNow)), JwtFailure::kBadBase64);
  EXPECT_EQ(FailureOf(verifier->Verify(token.substr(0, dot2) + ".a", kNow)),
            JwtFailure::kBadBase64);
}

// Header or payload that is not a JSON object is kBadJson (the payload only once signed).
TEST(JwtVerifierTest, BadJson) {
  const auto verifier = MakeVerifier();
  const Signer hs{.secret = kSecret};
  EXPECT_EQ(FailureOf(verifier->Verify(SignRaw("HS256", hs, "{not json", "{}"), kNow)),
            JwtFailure::kBadJson);
  EXPECT_EQ(FailureOf(verifier->Verify(SignRaw("HS256", hs, R"(["alg"])", "{}"), kNow)),
            JwtFailure::kBadJson);
  EXPECT_EQ(FailureOf(verifier->Verify(SignRaw("HS256", hs, R"({"alg":"HS256"})", "[1]"), kNow)),
            JwtFailure::kBadJson);
  EXPECT_EQ(
      FailureOf(verifier->Verify(SignRaw("HS256", hs, R"({"alg":"HS256"})", "{\"sub\":"), kNow)),
      JwtFailure::kBadJson);
  // Unsigned garbage payload: the signature is checked first.
  EXPECT_EQ(FailureOf(verifier->Verify(
                SignRaw("HS256", {.secret = "other"}, R"({"alg":"HS256"})", "{\"sub\":"), kNow)),
            JwtFailure::kBadSignature);
  EXPECT_EQ(FailureOf(verifier->Verify(
                SignRaw("HS256", hs, R"({"alg":"HS256","kid":7})", Payload().dump()), kNow)),
            JwtFailure::kMalformed);
}

// iss must equal the configured issuer, present and exact.
TEST(JwtVerifierTest, WrongIssuer) {
  const auto verifier = MakeVerifier();
  json payload = Payload();
  payload["iss"] = "https://evil.example/realms/iot";
  EXPECT_EQ(FailureOf(verifier->Verify(Token("RS256", payload), kNow)), JwtFailure::kBadIssuer);
  payload.erase("iss");
  EXPECT_EQ(FailureOf(verifier->Verify(Token("RS256", payload), kNow)), JwtFailure::kBadIssuer);
  JwtConfig any_issuer = TestConfig();
  any_issuer.issuer.clear();
  EXPECT_TRUE(MakeVerifier(any_issuer)->Verify(Token("RS256", payload), kNow).ok());
}

// aud must contain the configured audience, whether a string or an array.
TEST(JwtVerifierTest, Audience) {
  const auto verifier = MakeVerifier();
  json payload = Payload();
  payload["aud"] = "account";
  EXPECT_EQ(FailureOf(verifier->Verify(Token("RS256", payload), kNow)), JwtFailure::kBadAudience);
  payload["aud"] = {"account", "broker"};
  EXPECT_EQ(FailureOf(verifier->Verify(Token("RS256", payload), kNow)), JwtFailure::kBadAudience);
  payload.erase("aud");
  EXPECT_EQ(FailureOf(verifier->Verify(Token("RS256", payload), kNow)), JwtFailure::kBadAudience);
  payload["aud"] = {"account", "iot-hub"};
  const JwtResult result = verifier->Verify(Token("RS256", payload), kNow);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.claims().audiences, (std::vector<std::string>{"account", "iot-hub"}));
}

// sub must be a non-empty string.
TEST(JwtVerifierTest, MissingSubject) {
  const auto verifier = MakeVerifier();
  json payload = Payload();
  payload.erase("sub");
  EXPECT_EQ(FailureOf(verifier->Verify(Token("ES256", payload), kNow)),
            JwtFailure::kMissingSubject);
  payload["sub"] = "";
  EXPECT_EQ(FailureOf(verifier->Verify(Token("ES256", payload), kNow)),
            JwtFailure::kMissingSubject);
  payload["sub"] = 42;
  EXPECT_EQ(FailureOf(verifier->Verify(Token("ES256", payload), kNow)),
            JwtFailure::kMissingSubject);
}

// Roles: realm_access, then resource_access[client_id]; admin wins; service marks services.
TEST(JwtVerifierTest, Roles) {
  const auto verifier = MakeVerifier();
  const auto role_of = [&](const json& extra) {
    json payload = Payload();
    payload.update(extra);
    const JwtResult result = verifier->Verify(Token("RS256", payload), kNow);
    EXPECT_TRUE(result.ok());
    return result.ok() ? std::make_pair(result.claims().role, result.claims().is_service)
                       : std::make_pair(Role::kUser, false);
  };
  using P = std::pair<Role, bool>;
  EXPECT_EQ(role_of(json::object()), P(Role::kUser, false));
  EXPECT_EQ(role_of({{"realm_access", {{"roles", {"offline_access", "admin"}}}}}),
            P(Role::kAdmin, false));
  EXPECT_EQ(role_of({{"resource_access", {{"iot-hub", {{"roles", {"admin"}}}}}}}),
            P(Role::kAdmin, false));
  // Another client's roles do not count.
  EXPECT_EQ(role_of({{"resource_access", {{"grafana", {{"roles", {"admin"}}}}}}}),
            P(Role::kUser, false));
  // admin wins over user wherever it appears.
  EXPECT_EQ(role_of({{"realm_access", {{"roles", {"user"}}}},
                     {"resource_access", {{"iot-hub", {{"roles", {"user", "admin"}}}}}}}),
            P(Role::kAdmin, false));
  EXPECT_EQ(role_of({{"realm_access", {{"roles", {"service"}}}}}), P(Role::kUser, true));
  EXPECT_EQ(role_of({{"resource_access", {{"iot-hub", {{"roles", {"service"}}}}}}}),
            P(Role::kUser, true));
  // "broker-bridge" marks a broker's bridge (the token authenticator wants "service" too).
  const JwtResult bridge =
      verifier->Verify(Token("RS256",
                             [&] {
                               json payload = Payload();
                               payload["realm_access"] = {{"roles", {"service", "broker-bridge"}}};
                               return payload;
                             }()),
                       kNow);
  ASSERT_TRUE(bridge.ok());
  EXPECT_TRUE(bridge.claims().is_service);
  EXPECT_TRUE(bridge.claims().is_bridge);
  // Wrongly typed role claims are ignored, not fatal.
  EXPECT_EQ(role_of({{"realm_access", {{"roles", "admin"}}}, {"resource_access", 3}}),
            P(Role::kUser, false));
}

// Failure reasons have stable, distinct names.
TEST(JwtVerifierTest, FailureNames) {
  EXPECT_EQ(ToString(JwtFailure::kBadSignature), "bad_signature");
  EXPECT_EQ(ToString(JwtFailure::kAlgKeyMismatch), "alg_key_mismatch");
  EXPECT_EQ(ToString(JwtFailure::kAlgNotAllowed), "alg_not_allowed");
  EXPECT_EQ(ToString(JwtFailure::kMissingExp), "missing_exp");
  EXPECT_EQ(ToString(JwtFailure::kMissingIat), "missing_iat");
  EXPECT_EQ(ToString(JwtFailure::kLifetimeTooLong), "lifetime_too_long");
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(JwtFailure::kLifetimeTooLong); ++i) {
    names.insert(ToString(static_cast<JwtFailure>(i)));
  }
  EXPECT_EQ(names.size(), 18u);
  EXPECT_EQ(names.count("unknown"), 0u);
}

}  // namespace
}  // namespace iothub::auth
