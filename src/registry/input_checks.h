// Validation of untrusted text for the registry (ids, names, emails, URLs, free text)
// and quoting of such text inside error messages, so that a message is always one line
// of printable ASCII whatever the input held. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace iothub::registry {

// `text` in single quotes for an error message: printable ASCII kept, every other byte
// (newline, NUL, quote, non-ASCII) as \xNN, cut after 64 input bytes with "...".
std::string Quote(std::string_view text);

// OK when `id` is a valid id (common/ids.h) of at most 57 characters, the longest that
// keeps the certificate CN "device-<id>" within X.509's 64 characters. InvalidArgument
// explaining the rule otherwise.
absl::Status CheckDeviceId(std::string_view id);

// OK when `id` is a valid id (1-64 of [A-Za-z0-9_-]); InvalidArgument naming `what`.
absl::Status CheckId(std::string_view what, std::string_view id);

// Number of code points when `text` is valid UTF-8 without control characters (C0, DEL,
// C1); -1 otherwise.
std::ptrdiff_t CountPrintableUtf8(std::string_view text);

// OK when `text` is valid UTF-8 without control characters and holds `min`-`max` code
// points; InvalidArgument naming `field` otherwise.
absl::Status CheckText(std::string_view field, std::string_view text, std::size_t min,
                       std::size_t max);

// A plausible email address: 3-254 ASCII characters, one '@' with a non-empty local part
// and domain, no whitespace, control characters, quotes or angle brackets.
absl::Status CheckEmail(std::string_view email);

// An http:// or https:// URL of at most 2048 printable ASCII characters without spaces.
absl::Status CheckUrl(std::string_view field, std::string_view url);

}  // namespace iothub::registry
