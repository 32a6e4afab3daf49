#include "auth/jwt_failure.h"

namespace iothub::auth {

std::string_view ToString(JwtFailure failure) {
  switch (failure) {
    case JwtFailure::kMalformed:
      return "malformed";
    case JwtFailure::kBadBase64:
      return "bad_base64";
    case JwtFailure::kBadJson:
      return "bad_json";
    case JwtFailure::kAlgNone:
      return "alg_none";
    case JwtFailure::kUnsupportedAlg:
      return "unsupported_alg";
    case JwtFailure::kAlgKeyMismatch:
      return "alg_key_mismatch";
    case JwtFailure::kAlgNotAllowed:
      return "alg_not_allowed";
    case JwtFailure::kUnknownKey:
      return "unknown_key";
    case JwtFailure::kBadSignature:
      return "bad_signature";
    case JwtFailure::kExpired:
      return "expired";
    case JwtFailure::kNotYetValid:
      return "not_yet_valid";
    case JwtFailure::kIssuedInFuture:
      return "issued_in_future";
    case JwtFailure::kBadIssuer:
      return "bad_issuer";
    case JwtFailure::kBadAudience:
      return "bad_audience";
    case JwtFailure::kMissingSubject:
      return "missing_subject";
    case JwtFailure::kMissingExp:
      return "missing_exp";
    case JwtFailure::kMissingIat:
      return "missing_iat";
    case JwtFailure::kLifetimeTooLong:
      return "lifetime_too_long";
  }
  return "unknown";
}

}  // namespace iothub::auth
