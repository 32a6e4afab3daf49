// Base64url (RFC 4648 section 5) without padding, as JOSE (RFC 7515) uses it.
// Decoding is strict: no padding, no whitespace, only the url-safe alphabet, and the
// unused trailing bits must be zero, so each byte string has exactly one encoding.
// Stateless functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace iothub::auth {

// Encodes `data` as unpadded base64url.
std::string Base64UrlEncode(std::string_view data);

// Decodes unpadded base64url `text` into `*out` (replacing its contents, reusing its
// buffer). Returns false, leaving `*out` unspecified, when `text` is not canonical
// unpadded base64url.
bool Base64UrlDecode(std::string_view text, std::string* out);

}  // namespace iothub::auth
