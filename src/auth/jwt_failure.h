// JwtFailure: the closed set of reasons a JWT is refused, and JwtError, a reason with a
// human-readable detail (for logs only; never echo it to the client). Plain values.
// Modelled on google/jwt_verify_lib status.h: callers branch on the reason.
#pragma once

#include <string>
#include <string_view>

namespace iothub::auth {

enum class JwtFailure {
  kMalformed,        // not three dot-separated parts, too large, or a field of a wrong type
  kBadBase64,        // a part is not canonical unpadded base64url
  kBadJson,          // header or payload is not a JSON object, or a time claim is no number
  kAlgNone,          // "alg": "none" (always refused, signed or not)
  kUnsupportedAlg,   // an alg this verifier does not implement, or a "crit" header
  kAlgKeyMismatch,   // the key named (or every key available) is of another type than alg
  kAlgNotAllowed,    // keys of alg's type exist, but each is pinned to another alg (an HMAC
                     // secret's configured alg, a JWK's alg, an EC key's curve)
  kUnknownKey,       // no key with the token's kid
  kBadSignature,     // signature does not verify (or has the wrong size)
  kExpired,          // now >= exp + leeway
  kNotYetValid,      // now < nbf - leeway
  kIssuedInFuture,   // iat > now + leeway
  kBadIssuer,        // iss differs from the configured issuer
  kBadAudience,      // aud (string or array) lacks the configured audience
  kMissingSubject,   // no non-empty string sub
  kMissingExp,       // no exp while exp is required (require_exp, or max_lifetime_s set)
  kMissingIat,       // no iat while max_lifetime_s is set
  kLifetimeTooLong,  // exp - iat > max_lifetime_s
};

// A stable snake_case name, e.g. "bad_signature"; for logs and metrics labels.
std::string_view ToString(JwtFailure failure);

struct JwtError {
  JwtFailure failure;
  std::string detail;
};

}  // namespace iothub::auth
