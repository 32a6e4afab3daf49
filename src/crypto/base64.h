// Standard base64 (RFC 4648 section 4, alphabet A-Z a-z 0-9 + /, with '=' padding).
// Decoding is strict: no whitespace or line breaks, no characters outside the alphabet,
// exact padding, and zero unused trailing bits, so each byte string has exactly one
// accepted encoding. Stateless functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace iothub::crypto {

// Encodes `data` as padded standard base64 on one line.
std::string Base64Encode(std::string_view data);

// Decodes padded standard base64. Returns InvalidArgument, naming the first offending
// position, when `text` is not the canonical encoding of some byte string. The empty
// text decodes to the empty string.
absl::StatusOr<std::string> Base64Decode(std::string_view text);

}  // namespace iothub::crypto
