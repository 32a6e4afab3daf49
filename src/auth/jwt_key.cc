#include "auth/jwt_key.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <string>

namespace iothub::auth {
namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, Deleter<EVP_MAC_CTX, EVP_MAC_CTX_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

absl::Status OpenSslError(std::string_view what) {
  ERR_clear_error();
  return absl::InvalidArgumentError(std::string(what));
}

// The HMAC algorithm, fetched once per process.
EVP_MAC* HmacMac() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

int HmacSlot(JwtAlgorithm alg) {
  return alg == JwtAlgorithm::kHS256 ? 0 : alg == JwtAlgorithm::kHS384 ? 1 : 2;
}

// Builds a public EVP_PKEY of `type` ("RSA" or "EC") from `params`.
EVP_PKEY* PkeyFromParams(const char* type, OSSL_PARAM* params) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    return nullptr;
  }
  return pkey;
}

}  // namespace

JwtKey::JwtKey(std::string kid, KeyType type, std::optional<JwtAlgorithm> alg)
    : kid_(std::move(kid)), type_(type), alg_(alg) {}

JwtKey::~JwtKey() {
  EVP_PKEY_free(pkey_);
  for (EVP_MAC_CTX* ctx : hmac_) EVP_MAC_CTX_free(ctx);
}

absl::StatusOr<std::shared_ptr<const JwtKey>> JwtKey::Hmac(std::string_view secret,
                                                           JwtAlgorithm alg) {
  if (secret.empty()) return absl::InvalidArgumentError("empty HMAC secret");
  if (KeyTypeOf(alg) != KeyType::kHmac) {
    return absl::InvalidArgumentError("alg is not an HMAC algorithm");
  }
  if (HmacMac() == nullptr) return OpenSslError("HMAC unavailable");
  std::shared_ptr<JwtKey> key(new JwtKey("", KeyType::kHmac, alg));
  const char* digests[3] = {"SHA256", "SHA384", "SHA512"};
  const int slot = HmacSlot(alg);
  MacCtxPtr ctx(EVP_MAC_CTX_new(HmacMac()));
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digests[slot]), 0),
      OSSL_PARAM_construct_end()};
  if (ctx == nullptr || EVP_MAC_init(ctx.get(), Bytes(secret), secret.size(), params) != 1) {
    return OpenSslError("cannot key HMAC");
  }
  key->hmac_[slot] = ctx.release();
  return key;
}

absl::StatusOr<std::shared_ptr<const JwtKey>> JwtKey::Rsa(std::string kid, std::string_view n,
                                                          std::string_view e,
                                                          std::optional<JwtAlgorithm> alg) {
  if (alg && KeyTypeOf(*alg) != KeyType::kRsa) {
    return absl::InvalidArgumentError("alg is not an RSA algorithm");
  }
  BnPtr bn_n(BN_bin2bn(Bytes(n), static_cast<int>(n.size()), nullptr));
  BnPtr bn_e(BN_bin2bn(Bytes(e), static_cast<int>(e.size()), nullptr));
  if (bn_n == nullptr || bn_e == nullptr) return OpenSslError("bad RSA numbers");
  if (BN_num_bits(bn_n.get()) < 2048) return absl::InvalidArgumentError("RSA key under 2048 bits");
  if (BN_is_zero(bn_e.get()) || !BN_is_odd(bn_e.get())) {
    return absl::InvalidArgumentError("bad RSA exponent");
  }
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return OpenSslError("cannot build RSA params");
  }
  ParamsPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  EVP_PKEY* pkey = params ? PkeyFromParams("RSA", params.get()) : nullptr;
  if (pkey == nullptr) return OpenSslError("cannot make RSA key");
  std::shared_ptr<JwtKey> key(new JwtKey(std::move(kid), KeyType::kRsa, alg));
  key->pkey_ = pkey;
  return key;
}

absl::StatusOr<std::shared_ptr<const JwtKey>> JwtKey::Ec(std::string kid, std::string_view curve,
                                                         std::string_view x, std::string_view y,
                                                         std::optional<JwtAlgorithm> alg) {
  const char* group = nullptr;
  std::size_t size = 0;
  JwtAlgorithm ec_alg;
  if (curve == "P-256") {
    group = "prime256v1", size = 32, ec_alg = JwtAlgorithm::kES256;
  } else if (curve == "P-384") {
    group = "secp384r1", size = 48, ec_alg = JwtAlgorithm::kES384;
  } else {
    return absl::InvalidArgumentError("unsupported EC curve");
  }
  if (alg && *alg != ec_alg) return absl::InvalidArgumentError("alg does not match the curve");
  if (x.size() != size || y.size() != size) {
    return absl::InvalidArgumentError("EC coordinates of the wrong size");
  }
  std::string point;
  point.reserve(1 + 2 * size);
  point.push_back('\x04');  // uncompressed point: 04 || x || y
  point.append(x).append(y);
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return OpenSslError("cannot build EC params");
  }
  ParamsPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  EVP_PKEY* pkey = params ? PkeyFromParams("EC", params.get()) : nullptr;
  if (pkey == nullptr) return OpenSslError("cannot make EC key");
  std::shared_ptr<JwtKey> key(new JwtKey(std::move(kid), KeyType::kEc, alg));
  key->pkey_ = pkey;
  key->ec_alg_ = ec_alg;
  // fromdata does not prove the point lies on the curve; check it once here.
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (check == nullptr || EVP_PKEY_public_check(check.get()) != 1) {
    return OpenSslError("EC point not on the curve");
  }
  return key;
}

bool JwtKey::Allows(JwtAlgorithm alg) const {
  if (KeyTypeOf(alg) != type_) return false;
  if (alg_ && *alg_ != alg) return false;
  if (ec_alg_ && *ec_alg_ != alg) return false;
  return true;
}

bool JwtKey::Verify(JwtAlgorithm alg, std::string_view signing_input,
                    std::string_view signature) const {
  if (!Allows(alg)) return false;
  const bool ok = type_ == KeyType::kHmac ? VerifyHmac(alg, signing_input, signature)
                                          : VerifyAsymmetric(alg, signing_input, signature);
  if (!ok) ERR_clear_error();
  return ok;
}

bool JwtKey::VerifyHmac(JwtAlgorithm alg, std::string_view input,
                        std::string_view signature) const {
  EVP_MAC_CTX* keyed = hmac_[HmacSlot(alg)];
  const std::size_t expected_size = EVP_MD_get_size(DigestOf(alg));
  if (keyed == nullptr || signature.size() != expected_size) return false;
  // Each call works on a copy, so the prepared context is only ever read.
  MacCtxPtr ctx(EVP_MAC_CTX_dup(keyed));
  unsigned char mac[EVP_MAX_MD_SIZE];
  std::size_t mac_size = 0;
  if (ctx == nullptr || EVP_MAC_update(ctx.get(), Bytes(input), input.size()) != 1 ||
      EVP_MAC_final(ctx.get(), mac, &mac_size, sizeof(mac)) != 1 || mac_size != expected_size) {
    return false;
  }
  return CRYPTO_memcmp(mac, signature.data(), mac_size) == 0;
}

bool JwtKey::VerifyAsymmetric(JwtAlgorithm alg, std::string_view input,
                              std::string_view signature) const {
  std::string der;  // ECDSA wants DER; JWS carries raw r || s
  std::string_view sig = signature;
  if (type_ == KeyType::kEc) {
    const std::size_t half = alg == JwtAlgorithm::kES256 ? 32 : 48;
    if (signature.size() != 2 * half) return false;
    EcdsaSigPtr ecdsa(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(Bytes(signature), static_cast<int>(half), nullptr);
    BIGNUM* s = BN_bin2bn(Bytes(signature.substr(half)), static_cast<int>(half), nullptr);
    if (ecdsa == nullptr || r == nullptr || s == nullptr ||
        ECDSA_SIG_set0(ecdsa.get(), r, s) != 1) {
      BN_free(r);
      BN_free(s);
      return false;
    }
    const int der_size = i2d_ECDSA_SIG(ecdsa.get(), nullptr);
    if (der_size <= 0) return false;
    der.resize(der_size);
    unsigned char* out = reinterpret_cast<unsigned char*>(der.data());
    if (i2d_ECDSA_SIG(ecdsa.get(), &out) != der_size) return false;
    sig = der;
  } else if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(pkey_))) {
    return false;  // RSA signatures are exactly the modulus size
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (ctx == nullptr ||
      EVP_DigestVerifyInit(ctx.get(), &pctx, DigestOf(alg), nullptr, pkey_) != 1) {
    return false;
  }
  if (alg == JwtAlgorithm::kPS256 &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
       EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, DigestOf(alg)) != 1)) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), Bytes(sig), sig.size(), Bytes(input), input.size()) == 1;
}

}  // namespace iothub::auth
