#include "auth/jwt_algorithm.h"

namespace iothub::auth {
namespace {

struct AlgInfo {
  JwtAlgorithm alg;
  std::string_view name;
  KeyType key_type;
  const char* digest;
};

constexpr AlgInfo kAlgs[] = {
    {JwtAlgorithm::kHS256, "HS256", KeyType::kHmac, "SHA256"},
    {JwtAlgorithm::kHS384, "HS384", KeyType::kHmac, "SHA384"},
    {JwtAlgorithm::kHS512, "HS512", KeyType::kHmac, "SHA512"},
    {JwtAlgorithm::kRS256, "RS256", KeyType::kRsa, "SHA256"},
    {JwtAlgorithm::kRS384, "RS384", KeyType::kRsa, "SHA384"},
    {JwtAlgorithm::kRS512, "RS512", KeyType::kRsa, "SHA512"},
    {JwtAlgorithm::kPS256, "PS256", KeyType::kRsa, "SHA256"},
    {JwtAlgorithm::kES256, "ES256", KeyType::kEc, "SHA256"},
    {JwtAlgorithm::kES384, "ES384", KeyType::kEc, "SHA384"},
};

const AlgInfo& Info(JwtAlgorithm alg) { return kAlgs[static_cast<int>(alg)]; }

// Explicit fetches once: implicit EVP_sha256() lookups cost a locked search per call.
struct Digests {
  EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD* sha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  EVP_MD* sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
};

}  // namespace

std::optional<JwtAlgorithm> ParseJwtAlgorithm(std::string_view name) {
  for (const auto& info : kAlgs) {
    if (info.name == name) return info.alg;
  }
  return std::nullopt;
}

std::string_view ToString(JwtAlgorithm alg) { return Info(alg).name; }

KeyType KeyTypeOf(JwtAlgorithm alg) { return Info(alg).key_type; }

const EVP_MD* DigestOf(JwtAlgorithm alg) {
  static const Digests* const digests = new Digests();  // never freed: used until exit
  switch (alg) {
    case JwtAlgorithm::kHS384:
    case JwtAlgorithm::kRS384:
    case JwtAlgorithm::kES384:
      return digests->sha384;
    case JwtAlgorithm::kHS512:
    case JwtAlgorithm::kRS512:
      return digests->sha512;
    default:
      return digests->sha256;
  }
}

}  // namespace iothub::auth
