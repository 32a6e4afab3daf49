#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "auth/jwt_verifier.h"
#include "unit/auth/jwt_test_signer.h"

namespace iothub::auth {
namespace {

using testing::TestKeys;

// Prints verifications per second for each algorithm (for reports; asserts only that
// every verification passed).
TEST(JwtThroughputTest, VerificationsPerSecond) {
  const nlohmann::json jwks = {{"keys",
                                {testing::RsaJwk(TestKeys().rsa.get(), "r"),
                                 testing::EcJwk(TestKeys().ec256.get(), "e256", "P-256"),
                                 testing::EcJwk(TestKeys().ec384.get(), "e384", "P-384")}}};
  auto provider = std::make_shared<StaticKeyProvider>(*KeySet::FromJwks(jwks.dump()));
  // The secret verifies one HMAC alg only: one verifier per HMAC alg measured.
  auto make_verifier = [&](JwtAlgorithm hs_alg) {
    return *JwtVerifier::Create({.hs_secrets = {"bench-secret-0123456789abcdef"},
                                 .hs_alg = hs_alg,
                                 .issuer = "iss",
                                 .audience = "aud",
                                 .client_id = "iot-hub"},
                                provider);
  };
  const auto verifier = make_verifier(JwtAlgorithm::kHS256);
  const auto hs512_verifier = make_verifier(JwtAlgorithm::kHS512);
  const nlohmann::json payload = {
      {"sub", "user-1"},
      {"iss", "iss"},
      {"aud", "aud"},
      {"exp", 2'000'000'000},
      {"iat", 1'700'000'000},
      {"email", "u@example.com"},
      {"realm_access", {{"roles", {"offline_access", "uma_authorization", "user"}}}}};
  const std::pair<std::string, testing::Signer> cases[] = {
      {"HS256", {.secret = "bench-secret-0123456789abcdef"}},
      {"HS512", {.secret = "bench-secret-0123456789abcdef"}},
      {"RS256", {.key = TestKeys().rsa.get()}},
      {"PS256", {.key = TestKeys().rsa.get()}},
      {"ES256", {.key = TestKeys().ec256.get()}},
      {"ES384", {.key = TestKeys().ec384.get()}}};
  for (const auto& [alg, signer] : cases) {
    const std::string kid = alg.starts_with("HS") ? ""
                            : alg == "ES256"      ? "e256"
                            : alg == "ES384"      ? "e384"
                                                  : "r";
    const std::string token = testing::MakeToken(alg, signer, payload, kid);
    int count = 0;
    int passed = 0;
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = std::chrono::steady_clock::duration::zero();
    while (elapsed < std::chrono::milliseconds(300)) {
      for (int i = 0; i < 20; ++i, ++count) {
        passed +=
            (alg == "HS512" ? hs512_verifier : verifier)->Verify(token, 1'700'000'000'000).ok() ? 1
                                                                                                : 0;
      }
      elapsed = std::chrono::steady_clock::now() - start;
    }
    EXPECT_EQ(passed, count);
    const double seconds = std::chrono::duration<double>(elapsed).count();
    std::printf("[ jwt      ] %s: %.0f verifications/s (%d in %.2fs, 1 thread)\n", alg.c_str(),
                count / seconds, count, seconds);
  }
}

}  // namespace
}  // namespace iothub::auth
