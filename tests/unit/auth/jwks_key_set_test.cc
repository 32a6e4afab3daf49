#include "auth/jwks_key_set.h"

#include <gtest/gtest.h>

#include "unit/auth/jwt_test_signer.h"

namespace iothub::auth {
namespace {

using nlohmann::json;
using testing::TestKeys;

// RSA and EC (P-256, P-384) keys are read with their kids, types and allowed algorithms.
TEST(KeySetTest, ParsesRsaAndEcKeys) {
  const json jwks = {{"keys",
                      {testing::RsaJwk(TestKeys().rsa.get(), "r", "RS256"),
                       testing::EcJwk(TestKeys().ec256.get(), "e1", "P-256"),
                       testing::EcJwk(TestKeys().ec384.get(), "e2", "P-384")}}};
  auto set = KeySet::FromJwks(jwks.dump());
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->keys().size(), 3u);
  EXPECT_TRUE(set->skipped().empty());
  EXPECT_TRUE(set->HasKid("e2"));
  EXPECT_FALSE(set->HasKid("x"));
  const JwtKey& rsa = *set->keys()[0];
  EXPECT_EQ(rsa.type(), KeyType::kRsa);
  EXPECT_TRUE(rsa.Allows(JwtAlgorithm::kRS256));
  EXPECT_FALSE(rsa.Allows(JwtAlgorithm::kRS512));  // JWK alg restricts
  EXPECT_FALSE(rsa.Allows(JwtAlgorithm::kHS256));
  EXPECT_TRUE(set->keys()[1]->Allows(JwtAlgorithm::kES256));
  EXPECT_FALSE(set->keys()[1]->Allows(JwtAlgorithm::kES384));
  EXPECT_TRUE(set->keys()[2]->Allows(JwtAlgorithm::kES384));
}

// Encryption keys, unknown types, unsupported algs and malformed keys are skipped.
TEST(KeySetTest, SkipsUnusableKeys) {
  json enc = testing::RsaJwk(TestKeys().rsa.get(), "enc");
  enc["use"] = "enc";
  json oaep = testing::RsaJwk(TestKeys().rsa.get(), "oaep", "RSA-OAEP");
  json bad_n = testing::RsaJwk(TestKeys().rsa.get(), "bad-n");
  bad_n["n"] = "!!";
  json wrong_curve = testing::EcJwk(TestKeys().ec256.get(), "curve", "P-384");
  json off_curve = testing::EcJwk(TestKeys().ec256.get(), "off", "P-256");
  off_curve["y"] = off_curve["x"];
  json small = testing::RsaJwk(
      testing::PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024))).get(),
      "small");
  json ec_as_rs = testing::EcJwk(TestKeys().ec256.get(), "ec-rs", "P-256");
  ec_as_rs["alg"] = "RS256";
  const json jwks = {
      {"keys",
       {enc, oaep, bad_n, wrong_curve, off_curve, small, ec_as_rs,
        json{{"kty", "oct"}, {"k", "c2VjcmV0"}}, json{{"kty", "OKP"}, {"crv", "Ed25519"}}, 7,
        testing::RsaJwk(TestKeys().rsa.get(), "good")}}};
  auto set = KeySet::FromJwks(jwks.dump());
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->keys().size(), 1u);
  EXPECT_EQ(set->keys()[0]->kid(), "good");
  EXPECT_EQ(set->skipped().size(), 10u);
}

// Documents that are not {"keys": [...]} are errors.
TEST(KeySetTest, RejectsBadDocuments) {
  for (const char* doc : {"", "[]", "{\"keys\": {}}", "{}", "{\"keys\": [", "null"}) {
    EXPECT_FALSE(KeySet::FromJwks(doc).ok()) << doc;
  }
  EXPECT_TRUE(KeySet::FromJwks("{\"keys\": []}").ok());
}

// An EC signature of the wrong size is refused before any maths.
TEST(KeySetTest, EcSignatureSizeChecked) {
  auto set = KeySet::FromJwks(
      json{{"keys", {testing::EcJwk(TestKeys().ec256.get(), "e", "P-256")}}}.dump());
  ASSERT_TRUE(set.ok());
  const std::string input = "a.b";
  const std::string sig = testing::PkeySign("ES256", TestKeys().ec256.get(), input);
  const JwtKey& key = *set->keys()[0];
  EXPECT_TRUE(key.Verify(JwtAlgorithm::kES256, input, sig));
  EXPECT_FALSE(key.Verify(JwtAlgorithm::kES256, input, sig + "x"));
  EXPECT_FALSE(key.Verify(JwtAlgorithm::kES256, input, sig.substr(1)));
  EXPECT_FALSE(key.Verify(JwtAlgorithm::kES256, input, std::string(64, '\0')));
}

}  // namespace
}  // namespace iothub::auth
