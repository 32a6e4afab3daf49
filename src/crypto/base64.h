// Base64 for certificates and JOSE, on OpenSSL's codec (EVP_EncodeBlock /
// EVP_DecodeBlock) with strict checks in front of it, since OpenSSL's decoder skips
// whitespace and does not insist on canonical input:
//  - standard base64 (RFC 4648 section 4: A-Z a-z 0-9 + /, '=' padding), as EMQX sends
//    a client certificate in `peer_cert_as_username = pem` mode;
//  - base64url without padding (RFC 4648 section 5), as JWTs and JWKs use it.
// Decoding accepts only the canonical encoding: no whitespace, no characters outside
// the alphabet, exact padding, zero unused trailing bits. Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace iothub::crypto {

// Encodes `data` as padded standard base64 on one line.
std::string Base64Encode(std::string_view data);

// Decodes padded standard base64. InvalidArgument, naming the problem, when `text` is
// not the canonical encoding of some byte string. The empty text decodes to "".
absl::StatusOr<std::string> Base64Decode(std::string_view text);

// Encodes `data` as unpadded base64url.
std::string Base64UrlEncode(std::string_view data);

// Decodes unpadded base64url into `*out` (its buffer is reused). False, leaving `*out`
// unspecified, when `text` is not canonical unpadded base64url. Allocation-light: for
// the JWT hot path.
bool Base64UrlDecode(std::string_view text, std::string* out);

}  // namespace iothub::crypto
