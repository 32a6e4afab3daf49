// Fuzzes JWT parsing and verification. The first byte picks the mode:
//  - even: the rest is a compact token, verified as it stands (header, base64url,
//    signature checks on attacker text);
//  - odd: the rest is "<header JSON>\n<claims JSON>", which the target signs with the
//    verifier's HS256 secret, so the fuzzer reaches the claim checks a forged token
//    never would (exp/nbf/iat, iss, aud, roles).
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "auth/jwt_verifier.h"
#include "crypto/base64.h"

namespace {

constexpr std::string_view kSecret = "fuzz-secret-0123456789abcdef0123";
constexpr iothub::UnixMillis kNow{1'750'000'000'000};

const iothub::auth::JwtVerifier& Verifier() {
  static const auto* const verifier = [] {
    iothub::auth::JwtConfig config;
    config.hs_secrets = {std::string(kSecret)};
    config.issuer = "https://issuer.example";
    config.audience = "iot-hub";
    config.client_id = "iot-hub";
    config.max_lifetime_s = 86400;
    return iothub::auth::JwtVerifier::Create(config, nullptr).value().release();
  }();
  return *verifier;
}

std::string SignHs256(std::string_view header, std::string_view claims) {
  std::string token =
      iothub::crypto::Base64UrlEncode(header) + "." + iothub::crypto::Base64UrlEncode(claims);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(token.data()), token.size(), mac, &mac_size);
  token += "." + iothub::crypto::Base64UrlEncode(
                     std::string_view(reinterpret_cast<const char*>(mac), mac_size));
  return token;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    (void)Verifier().Verify(input, kNow);
    return 0;
  }
  const std::size_t split = input.find('\n');
  if (split == input.npos) return 0;
  (void)Verifier().Verify(SignHs256(input.substr(0, split), input.substr(split + 1)), kNow);
  return 0;
}
