// JwtVerifier: checks a compact JWS token (signature, exp/nbf/iat, iss, aud, sub) and
// returns its claims or the reason it is refused. Time is passed in (`now`), as in
// google/jwt_verify_lib, so callers and tests control it.
//
// Algorithms: HS256/384/512 (secrets from JwtConfig), RS256/384/512, PS256, ES256 (P-256),
// ES384 (P-384) (public keys from a JwtKeyProvider). "alg": "none" is always refused.
// Key choice: with a kid, the provider's keys of that kid (HS tokens whose kid is not a
// provider key use the configured secrets); without a kid, every key of the
// algorithm's type is tried in turn (a handful at most in practice).
// Pinning: a key verifies only its own algorithm: the secrets JwtConfig::hs_alg only; a
// JWK its "alg" when it has one, else any of its type (RSA: RS256/384/512 and PS256;
// EC: the curve's ES256 or ES384). A token whose alg no key of its type allows is
// refused as kAlgNotAllowed, before any signature check.
// Policy: exp is required unless JwtConfig::require_exp is false; max_lifetime_s > 0
// also requires iat and bounds exp - iat.
//
// Thread-safe; Verify never locks or blocks: the key set is an immutable snapshot and an
// unknown kid is only reported to the provider (which may refresh in the background).
#pragma once

#include <memory>
#include <string_view>

#include "auth/jwks_key_set.h"
#include "auth/jwt_config.h"
#include "auth/jwt_key_provider.h"
#include "auth/jwt_result.h"
#include "common/clock.h"

namespace iothub::auth {

class JwtVerifier {
 public:
  // Tokens larger than this are refused as kMalformed before any parsing.
  static constexpr std::size_t kMaxTokenSize = 16 * 1024;

  // `provider` may be null (HMAC secrets only). Error when a secret is empty.
  static absl::StatusOr<std::unique_ptr<JwtVerifier>> Create(
      JwtConfig config, std::shared_ptr<const JwtKeyProvider> provider);

  // Verifies `token` at wall-clock time `now`. Allocates only for decoding and the
  // returned claims.
  JwtResult Verify(std::string_view token, UnixMillis now) const;

  const JwtConfig& config() const { return config_; }

 private:
  JwtVerifier(JwtConfig config, KeySet secrets, std::shared_ptr<const JwtKeyProvider> provider);

  const JwtConfig config_;
  const KeySet secrets_;  // HMAC keys from config_.hs_secrets
  const std::shared_ptr<const JwtKeyProvider> provider_;
};

}  // namespace iothub::auth
