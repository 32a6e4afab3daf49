#include "support/jwt_maker.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace iothub::testing {

std::string Base64Std(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(bytes.data()),
                                      static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::string Base64Url(std::string_view bytes) {
  std::string out = Base64Std(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::string HmacSha(std::string_view alg, std::string_view secret, std::string_view input) {
  const EVP_MD* md = alg == "HS256"   ? EVP_sha256()
                     : alg == "HS384" ? EVP_sha384()
                     : alg == "HS512" ? EVP_sha512()
                                      : nullptr;
  if (md == nullptr) throw std::invalid_argument("unsupported HMAC alg");
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (HMAC(md, secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
           &size) == nullptr) {
    throw std::runtime_error("HMAC failed");
  }
  return std::string(reinterpret_cast<const char*>(mac), size);
}

std::string SignJwt(std::string_view header_json, std::string_view payload_json,
                    std::string_view secret, std::string_view sign_alg) {
  const std::string input = Base64Url(header_json) + "." + Base64Url(payload_json);
  return input + "." + Base64Url(HmacSha(sign_alg, secret, input));
}

std::string Hs256Jwt(std::string_view payload_json, std::string_view secret) {
  return SignJwt(R"({"alg":"HS256","typ":"JWT"})", payload_json, secret);
}

}  // namespace iothub::testing
