// JwtKey: one verification key made ready once (an HMAC secret with its MAC contexts
// prepared, or an RSA / EC public key as an EVP_PKEY), and the JWS signature check with
// it. Immutable after construction; Verify is thread-safe and never blocks.
#pragma once

#include <absl/status/statusor.h>
#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/jwt_algorithm.h"

namespace iothub::auth {

class JwtKey {
 public:
  // An HMAC secret, without kid, that verifies `alg` (HS256, HS384 or HS512) and no
  // other algorithm. Error when empty or when `alg` is not an HMAC algorithm.
  static absl::StatusOr<std::shared_ptr<const JwtKey>> Hmac(std::string_view secret,
                                                            JwtAlgorithm alg);
  // An RSA public key from big-endian modulus and exponent bytes; refuses moduli under
  // 2048 bits. `alg`, when set, is the only algorithm the key may verify (JWK "alg").
  static absl::StatusOr<std::shared_ptr<const JwtKey>> Rsa(std::string kid, std::string_view n,
                                                           std::string_view e,
                                                           std::optional<JwtAlgorithm> alg);
  // An EC public key on P-256 or P-384 (`curve` is the JWK crv) from its big-endian
  // affine coordinates; refuses points not on the curve.
  static absl::StatusOr<std::shared_ptr<const JwtKey>> Ec(std::string kid, std::string_view curve,
                                                          std::string_view x, std::string_view y,
                                                          std::optional<JwtAlgorithm> alg);

  ~JwtKey();
  JwtKey(const JwtKey&) = delete;
  JwtKey& operator=(const JwtKey&) = delete;

  const std::string& kid() const { return kid_; }
  KeyType type() const { return type_; }
  // Whether this key may verify `alg`: the type matches, the pinned alg (an HMAC
  // secret's, or the JWK's when it has one) is `alg`, and for EC the curve is the one
  // `alg` names (ES256 P-256, ES384 P-384). An RSA JWK without alg allows every RSA alg.
  bool Allows(JwtAlgorithm alg) const;

  // True when `signature` (raw bytes, decoded from the token) is a valid `alg` signature
  // of `signing_input`. False on any mismatch, including a wrong size or an `alg` this
  // key does not allow. Compares MACs in constant time. Leaves no OpenSSL error queued.
  bool Verify(JwtAlgorithm alg, std::string_view signing_input, std::string_view signature) const;

 private:
  JwtKey(std::string kid, KeyType type, std::optional<JwtAlgorithm> alg);
  bool VerifyHmac(JwtAlgorithm alg, std::string_view input, std::string_view signature) const;
  bool VerifyAsymmetric(JwtAlgorithm alg, std::string_view input, std::string_view signature) const;

  std::string kid_;
  KeyType type_;
  std::optional<JwtAlgorithm> alg_;     // the only alg allowed (HMAC always, JWK alg)
  std::optional<JwtAlgorithm> ec_alg_;  // ES256 / ES384 by curve
  EVP_PKEY* pkey_ = nullptr;            // RSA and EC
  EVP_MAC_CTX* hmac_[3] = {};           // HMAC keyed for alg_'s SHA-256/384/512; dup'ed per call
};

}  // namespace iothub::auth
