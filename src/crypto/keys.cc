#include "crypto/keys.h"

#include <openssl/core_names.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <string_view>

#include "absl/strings/str_cat.h"
#include "crypto/openssl_error.h"

namespace iothub::crypto {
namespace {

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;

// The curve's short name ("prime256v1", "secp384r1"), or empty for non-EC keys and EC
// keys with explicit parameters.
std::string CurveName(EVP_PKEY* key) {
  char name[64] = {};
  std::size_t size = 0;
  if (EVP_PKEY_get_group_name(key, name, sizeof(name), &size) != 1) return "";
  return std::string(name, size);
}

// OpenSSL reports curves by their short names; accept the NIST names as well.
bool IsP256(std::string_view curve) { return curve == "prime256v1" || curve == "P-256"; }
bool IsP384(std::string_view curve) { return curve == "secp384r1" || curve == "P-384"; }

// Everything written to a memory BIO, as a string.
std::string BioContents(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

absl::StatusOr<EvpPkeyPtr> GenerateKey(KeyType type) {
  ClearOpenSslErrors();
  EVP_PKEY* key = nullptr;
  switch (type) {
    case KeyType::kEcP256:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case KeyType::kEcP384:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      break;
    case KeyType::kRsa3072:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(3072));
      break;
  }
  if (key == nullptr) return OpenSslError(absl::StatusCode::kInternal, "key generation failed");
  return EvpPkeyPtr(key);
}

absl::StatusOr<std::string> PrivateKeyToPem(EVP_PKEY* key) {
  ClearOpenSslErrors();
  BioPtr bio(BIO_new(BIO_s_mem()));
  // PEM_write_bio_PrivateKey writes PKCS#8 for every key type.
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot encode private key");
  }
  return BioContents(bio.get());
}

absl::StatusOr<std::string> PublicKeyToPem(EVP_PKEY* key) {
  ClearOpenSslErrors();
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), key) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot encode public key");
  }
  return BioContents(bio.get());
}

absl::Status CheckDeviceKey(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: {
      const int bits = EVP_PKEY_get_bits(key);
      if (bits < kMinRsaBits || bits > kMaxRsaBits) {
        return absl::InvalidArgumentError(
            absl::StrCat("RSA key of ", bits, " bits; need ", kMinRsaBits, " to ", kMaxRsaBits));
      }
      return absl::OkStatus();
    }
    case EVP_PKEY_EC: {
      const std::string curve = CurveName(key);
      if (IsP256(curve) || IsP384(curve)) return absl::OkStatus();
      return absl::InvalidArgumentError(absl::StrCat("EC key on curve '",
                                                     curve.empty() ? "explicit parameters" : curve,
                                                     "'; only P-256 and P-384 are accepted"));
    }
    default: {
      const char* name = OBJ_nid2sn(EVP_PKEY_get_base_id(key));
      return absl::InvalidArgumentError(absl::StrCat("unsupported key type '",
                                                     name != nullptr ? name : "unknown",
                                                     "'; need RSA >= 2048 bits or EC P-256/P-384"));
    }
  }
}

const EVP_MD* SignatureDigestFor(EVP_PKEY* signing_key) {
  if (EVP_PKEY_get_base_id(signing_key) == EVP_PKEY_EC && IsP384(CurveName(signing_key))) {
    return EVP_sha384();
  }
  return EVP_sha256();
}

}  // namespace iothub::crypto
