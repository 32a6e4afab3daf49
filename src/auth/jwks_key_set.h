// KeySet: an immutable set of verification keys, built from HMAC secrets or parsed from
// a JWKS document (RFC 7517). Immutable after construction; thread-safe to share (the
// verifier holds it as shared_ptr<const KeySet> and swaps whole sets).
#pragma once

#include <absl/status/statusor.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwt_key.h"

namespace iothub::auth {

class KeySet {
 public:
  KeySet() = default;

  // Keys from HMAC secrets (no kid), each verifying `alg` only. Error when a secret is
  // empty or `alg` is not an HMAC algorithm.
  static absl::StatusOr<KeySet> FromHmacSecrets(const std::vector<std::string>& secrets,
                                                JwtAlgorithm alg);

  // Parses a JWKS {"keys": [...]}. Takes RSA (n, e) and EC (crv P-256/P-384, x, y) keys.
  // Skips, noting why in skipped(): keys whose "use" is not "sig", whose "alg" is not a
  // supported algorithm of that key type, of other types ("oct" included: shared secrets
  // come only from configuration), and malformed keys. Error only when the document is
  // not a JSON object with a "keys" array.
  static absl::StatusOr<KeySet> FromJwks(std::string_view jwks_json);

  const std::vector<std::shared_ptr<const JwtKey>>& keys() const { return keys_; }
  // Why keys of the JWKS were left out, one line per key; for start-up logs.
  const std::vector<std::string>& skipped() const { return skipped_; }
  bool empty() const { return keys_.empty(); }
  // Whether any key has the kid (an empty kid matches only kid-less keys).
  bool HasKid(std::string_view kid) const;

 private:
  std::vector<std::shared_ptr<const JwtKey>> keys_;
  std::vector<std::string> skipped_;
};

}  // namespace iothub::auth
