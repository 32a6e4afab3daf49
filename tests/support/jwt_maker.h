// JwtMaker: compact JWS tokens signed with an HMAC secret (HS256/384/512) by the test
// itself, through OpenSSL's one-shot HMAC, independently of the hub's verifier; plus the
// base64 encodings the tests need to hand-craft tokens and pem-mode usernames.
// Stateless functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace iothub::testing {

// Standard base64 (RFC 4648 section 4), padded, on one line.
std::string Base64Std(std::string_view bytes);
// base64url (RFC 4648 section 5) without padding, as JOSE uses it.
std::string Base64Url(std::string_view bytes);

// HMAC-SHA-256/384/512 (by `alg`: "HS256", "HS384" or "HS512") of `input` with `secret`.
std::string HmacSha(std::string_view alg, std::string_view secret, std::string_view input);

// header.payload.signature from raw header and payload texts (any bytes: the tests use it
// to send invalid JSON too). The signature is the HMAC `sign_alg` over the first two parts,
// whatever the header claims, so a test can lie about alg.
std::string SignJwt(std::string_view header_json, std::string_view payload_json,
                    std::string_view secret, std::string_view sign_alg = "HS256");

// A token with header {"alg":"HS256","typ":"JWT"} and `payload_json`, signed with `secret`.
std::string Hs256Jwt(std::string_view payload_json, std::string_view secret);

}  // namespace iothub::testing
