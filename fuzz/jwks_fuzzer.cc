// Fuzzes the JWKS document parser (the key set a JwksSource downloads): JSON, JWK
// fields, base64url key material, RSA and EC key construction.
#include <cstdint>
#include <string_view>

#include "auth/jwks_key_set.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)iothub::auth::KeySet::FromJwks(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
