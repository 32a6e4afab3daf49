// Printable: a client-supplied string made safe for one log line: at most `max` bytes,
// control and non-ASCII bytes shown as \xNN, a marker when cut. Never log secrets
// through it either: it is for ids, topics and reasons.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace iothub {

inline std::string Printable(std::string_view text, std::size_t max = 128) {
  std::string out;
  out.reserve(std::min(text.size(), max) + 8);
  for (std::size_t i = 0; i < text.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", c);
      out += escaped;
    }
  }
  if (text.size() > max) out += "...(" + std::to_string(text.size()) + " bytes)";
  return out;
}

}  // namespace iothub
