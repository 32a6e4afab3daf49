// JwtResult: the outcome of verifying a token, either the claims or a JwtError
// (an expected-like value; C++20 has no std::expected). Plain value.
#pragma once

#include <utility>
#include <variant>

#include "auth/jwt_claims.h"
#include "auth/jwt_failure.h"

namespace iothub::auth {

class JwtResult {
 public:
  JwtResult(JwtClaims claims) : value_(std::move(claims)) {}  // NOLINT: implicit by design
  JwtResult(JwtError error) : value_(std::move(error)) {}     // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<JwtClaims>(value_); }
  explicit operator bool() const { return ok(); }

  // Valid only when ok().
  const JwtClaims& claims() const& { return std::get<JwtClaims>(value_); }
  JwtClaims&& claims() && { return std::get<JwtClaims>(std::move(value_)); }
  // Valid only when !ok().
  const JwtError& error() const { return std::get<JwtError>(value_); }
  JwtFailure failure() const { return error().failure; }

 private:
  std::variant<JwtClaims, JwtError> value_;
};

}  // namespace iothub::auth
