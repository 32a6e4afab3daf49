#include "auth/jwks_key_set.h"

#include <nlohmann/json.hpp>

#include "common/json_parse.h"
#include "crypto/base64.h"

namespace iothub::auth {
namespace {

// The string member `name` of `object`, or empty when absent or not a string.
std::string StringMember(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The base64url member `name` decoded into `*out`; false when absent or invalid.
bool BytesMember(const nlohmann::json& object, const char* name, std::string* out) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() &&
         crypto::Base64UrlDecode(it->get_ref<const std::string&>(), out) && !out->empty();
}

// One JWK into a key; an error says why it is skipped.
absl::StatusOr<std::shared_ptr<const JwtKey>> ParseJwk(const nlohmann::json& jwk) {
  if (!jwk.is_object()) return absl::InvalidArgumentError("not an object");
  if (jwk.contains("use") && StringMember(jwk, "use") != "sig") {
    return absl::InvalidArgumentError("use is not sig");
  }
  std::optional<JwtAlgorithm> alg;
  if (jwk.contains("alg")) {
    alg = ParseJwtAlgorithm(StringMember(jwk, "alg"));
    if (!alg) return absl::InvalidArgumentError("unsupported alg");
  }
  std::string kid = StringMember(jwk, "kid");
  const std::string kty = StringMember(jwk, "kty");
  if (kty == "RSA") {
    std::string n, e;
    if (!BytesMember(jwk, "n", &n) || !BytesMember(jwk, "e", &e)) {
      return absl::InvalidArgumentError("bad n or e");
    }
    return JwtKey::Rsa(std::move(kid), n, e, alg);
  }
  if (kty == "EC") {
    std::string x, y;
    if (!BytesMember(jwk, "x", &x) || !BytesMember(jwk, "y", &y)) {
      return absl::InvalidArgumentError("bad x or y");
    }
    return JwtKey::Ec(std::move(kid), StringMember(jwk, "crv"), x, y, alg);
  }
  return absl::InvalidArgumentError("unsupported kty '" + kty + "'");
}

}  // namespace

absl::StatusOr<KeySet> KeySet::FromHmacSecrets(const std::vector<std::string>& secrets,
                                               JwtAlgorithm alg) {
  KeySet set;
  for (const auto& secret : secrets) {
    auto key = JwtKey::Hmac(secret, alg);
    if (!key.ok()) return key.status();
    set.keys_.push_back(*std::move(key));
  }
  return set;
}

absl::StatusOr<KeySet> KeySet::FromJwks(std::string_view jwks_json) {
  absl::StatusOr<nlohmann::json> parsed = ParseJson(jwks_json);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError("JWKS is not valid JSON: " +
                                      std::string(parsed.status().message()));
  }
  const nlohmann::json& doc = *parsed;
  if (!doc.is_object()) return absl::InvalidArgumentError("JWKS is not a JSON object");
  const auto keys = doc.find("keys");
  if (keys == doc.end() || !keys->is_array()) {
    return absl::InvalidArgumentError("JWKS has no \"keys\" array");
  }
  KeySet set;
  for (std::size_t i = 0; i < keys->size(); ++i) {
    const nlohmann::json& jwk = (*keys)[i];
    auto key = ParseJwk(jwk);
    if (key.ok()) {
      set.keys_.push_back(*std::move(key));
    } else {
      const std::string kid = jwk.is_object() ? StringMember(jwk, "kid") : std::string();
      set.skipped_.push_back("key " + std::to_string(i) + " (kid '" + kid +
                             "'): " + std::string(key.status().message()));
    }
  }
  return set;
}

bool KeySet::HasKid(std::string_view kid) const {
  for (const auto& key : keys_) {
    if (key->kid() == kid) return true;
  }
  return false;
}

}  // namespace iothub::auth
