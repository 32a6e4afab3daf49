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

#include "auth/jwks_key_set.h"
#include "auth/jwt_key_provider.h"
#include "auth/jwt_verifier.h"
#include "crypto/base64.h"

namespace {

// Public keys (RSA kid r1 RS256, EC P-256 kid e1, EC P-384 kid e2 ES384), so that kid
// lookup, algorithm pinning and the RSA and ECDSA signature checks see fuzzed tokens.
constexpr std::string_view kJwks =
    R"({"keys":[{"kty":"RSA","kid":"r1","alg":"RS256","use":"sig","n":"siweZDegiBCc)"
    R"(UcJnF57c3IG_P4vf3SseuYA450LVftOt055AOf83LOSPpm5OoQnKV8-CS8m_V5YWvGNSC8GTaZli)"
    R"(hEUBpBsFUenyVMwbpYcdpqyVFuNZP1uUBEY7CQcok-GmpJlSWCVrVQcbm1nk2KtgiHGrkDeefc_y)"
    R"(Yl0cUninosca5eKn7OZCHxpruikvtlYRI4RBRQdqpWQl2kLi6eLYnXVxz2ZhBc5iu_LoYlKgsaKb)"
    R"(n5z-iYqk57sTh56hoXnpHLTEMsyUNx0mHlEv4Tmb2qTlzhr7u06h7U7J0tkD6DV24CLpOG94XMUJ)"
    R"(L67OSFXWntzr-7U8hdf-kd7HgQ","e":"AQAB"},{"kty":"EC","kid":"e1","crv":"P-256")"
    R"(,"x":"cqbnQC6qiuKML9jcF0FX2m5iiWl8K2gXDAhdCR0JO9c","y":"Z6CX1Ps-NGJvXx5UqyMI)"
    R"(2fivaNOaSloSA5TLZE29bK8"},{"kty":"EC","kid":"e2","crv":"P-384","alg":"ES384")"
    R"(,"x":"HGghUfdUXrFkMNM9hgBGFtnWyxQQ4MDVgdNLEFMcQwGY7gJ5C4mdGol4YaVIgiRZ","y":)"
    R"("kq9piLMy2qnVYnizO4ySm5aA2JU-8PSAdJqT9TVpIOAA9tBsWK5rGaQFGhoG1MLB"}]})";
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
    auto keys = iothub::auth::KeySet::FromJwks(kJwks).value();
    return iothub::auth::JwtVerifier::Create(
               config, std::make_shared<iothub::auth::StaticKeyProvider>(std::move(keys)))
        .value()
        .release();
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
