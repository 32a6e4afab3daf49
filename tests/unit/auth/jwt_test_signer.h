// Test-side JWT signer: generates RSA / EC keys, exports them as JWKs, and signs compact
// JWS tokens with OpenSSL EVP, independently of the verifier under test. Test-only;
// functions are thread-safe, TestKeys() is made once per process.
#pragma once

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

#include "crypto/base64.h"

namespace iothub::auth::testing {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct Keys {
  PkeyPtr rsa = PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
  PkeyPtr rsa2 = PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
  PkeyPtr ec256 = PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  PkeyPtr ec384 = PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
};

inline const Keys& TestKeys() {
  static const Keys* const keys = new Keys();
  return *keys;
}

inline std::string B64(std::string_view bytes) { return crypto::Base64UrlEncode(bytes); }

inline std::string BnParam(const EVP_PKEY* key, const char* name, int pad = 0) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) throw std::runtime_error(name);
  std::string out(pad > 0 ? pad : BN_num_bytes(bn), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
  BN_free(bn);
  return out;
}

// The public JWK of an RSA key; `alg` empty leaves it out.
inline nlohmann::json RsaJwk(const EVP_PKEY* key, const std::string& kid,
                             const std::string& alg = "") {
  nlohmann::json jwk = {{"kty", "RSA"},
                        {"kid", kid},
                        {"use", "sig"},
                        {"n", B64(BnParam(key, OSSL_PKEY_PARAM_RSA_N))},
                        {"e", B64(BnParam(key, OSSL_PKEY_PARAM_RSA_E))}};
  if (!alg.empty()) jwk["alg"] = alg;
  return jwk;
}

// The public JWK of an EC key on `crv` ("P-256" or "P-384").
inline nlohmann::json EcJwk(const EVP_PKEY* key, const std::string& kid, const std::string& crv) {
  const int size = crv == "P-256" ? 32 : 48;
  return {{"kty", "EC"},
          {"kid", kid},
          {"crv", crv},
          {"x", B64(BnParam(key, OSSL_PKEY_PARAM_EC_PUB_X, size))},
          {"y", B64(BnParam(key, OSSL_PKEY_PARAM_EC_PUB_Y, size))}};
}

// The SubjectPublicKeyInfo PEM of a key (for the HS/RS confusion attack).
inline std::string PublicPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, size);
  BIO_free(bio);
  return pem;
}

inline const EVP_MD* DigestFor(std::string_view alg) {
  if (alg.ends_with("256")) return EVP_sha256();
  if (alg.ends_with("384")) return EVP_sha384();
  return EVP_sha512();
}

// HMAC of `input` with `secret` for HS256/384/512.
inline std::string HmacSign(std::string_view alg, std::string_view secret, std::string_view input) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(DigestFor(alg), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &size);
  return std::string(reinterpret_cast<char*>(mac), size);
}

// A JWS signature (raw r||s for ES*) of `input` with a private key.
inline std::string PkeySign(std::string_view alg, EVP_PKEY* key, std::string_view input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  EVP_DigestSignInit(ctx, &pctx, DigestFor(alg), nullptr, key);
  if (alg.starts_with("PS")) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  size_t size = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  EVP_DigestSign(ctx, nullptr, &size, in, input.size());
  std::string sig(size, '\0');
  if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &size, in, input.size()) !=
      1) {
    throw std::runtime_error("sign failed");
  }
  sig.resize(size);
  EVP_MD_CTX_free(ctx);
  if (!alg.starts_with("ES")) return sig;
  const int half = alg == "ES256" ? 32 : 48;
  const auto* der = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* ecdsa = d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(sig.size()));
  std::string raw(2 * half, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa), reinterpret_cast<unsigned char*>(raw.data()), half);
  BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa), reinterpret_cast<unsigned char*>(raw.data()) + half, half);
  ECDSA_SIG_free(ecdsa);
  return raw;
}

// What signs a token: an HMAC secret or a private key.
struct Signer {
  std::string secret{};
  EVP_PKEY* key = nullptr;
};

// header.payload.signature with the given raw header and payload texts; `alg` picks the
// signing algorithm (independent of what the header claims, so tests can lie).
inline std::string SignRaw(std::string_view alg, const Signer& signer, std::string_view header,
                           std::string_view payload) {
  const std::string input = B64(header) + "." + B64(payload);
  const std::string sig = signer.key != nullptr ? PkeySign(alg, signer.key, input)
                                                : HmacSign(alg, signer.secret, input);
  return input + "." + B64(sig);
}

// A token whose header is {"alg": alg, "typ": "JWT"} plus "kid" when non-empty.
inline std::string MakeToken(const std::string& alg, const Signer& signer,
                             const nlohmann::json& payload, const std::string& kid = "") {
  nlohmann::json header = {{"alg", alg}, {"typ", "JWT"}};
  if (!kid.empty()) header["kid"] = kid;
  return SignRaw(alg, signer, header.dump(), payload.dump());
}

}  // namespace iothub::auth::testing
