// JwtAlgorithm: the JWS algorithms this hub verifies (RFC 7518) and their properties.
// "none" is not one of them. Stateless functions; thread-safe.
#pragma once

#include <openssl/evp.h>

#include <optional>
#include <string_view>

namespace iothub::auth {

enum class JwtAlgorithm { kHS256, kHS384, kHS512, kRS256, kRS384, kRS512, kPS256, kES256, kES384 };

// The key type an algorithm needs.
enum class KeyType { kHmac, kRsa, kEc };

// Parses the JOSE name ("RS256"); nullopt for anything else, "none" included.
std::optional<JwtAlgorithm> ParseJwtAlgorithm(std::string_view name);
std::string_view ToString(JwtAlgorithm alg);
KeyType KeyTypeOf(JwtAlgorithm alg);

// The digest of `alg`, fetched once per process (never null). Thread-safe.
const EVP_MD* DigestOf(JwtAlgorithm alg);

}  // namespace iothub::auth
