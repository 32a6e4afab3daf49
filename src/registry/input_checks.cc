#include "registry/input_checks.h"

#include <cstdint>
#include <cstdio>

#include "common/ids.h"
#include "crypto/certificate_authority.h"

namespace iothub::registry {
namespace {

constexpr std::size_t kMaxQuoted = 64;

bool IsPrintableAscii(unsigned char c) { return c >= 0x20 && c < 0x7f; }

}  // namespace

std::string Quote(std::string_view text) {
  std::string out = "'";
  const std::size_t shown = text.size() > kMaxQuoted ? kMaxQuoted : text.size();
  for (std::size_t i = 0; i < shown; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (IsPrintableAscii(c) && c != '\'' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof(escaped), "\\x%02X", c);
      out += escaped;
    }
  }
  if (shown < text.size()) out += "...";
  return out + "'";
}

absl::Status CheckDeviceId(std::string_view id) {
  constexpr std::size_t kMax = crypto::CertificateAuthority::kMaxDeviceIdLength;
  if (!IsValidId(id)) {
    return absl::InvalidArgumentError("invalid device id " + Quote(id) + ": use 1-" +
                                      std::to_string(kMax) +
                                      " characters of A-Z, a-z, 0-9, '_' and '-'");
  }
  if (id.size() > kMax) {
    return absl::InvalidArgumentError(
        "device id " + Quote(id) + " is " + std::to_string(id.size()) +
        " characters long; at most " + std::to_string(kMax) +
        " are allowed so that the certificate name 'device-<id>' fits X.509's 64-character "
        "limit");
  }
  return absl::OkStatus();
}

absl::Status CheckId(std::string_view what, std::string_view id) {
  if (IsValidId(id)) return absl::OkStatus();
  return absl::InvalidArgumentError("invalid " + std::string(what) + " " + Quote(id) +
                                    ": use 1-64 characters of A-Z, a-z, 0-9, '_' and '-'");
}

std::ptrdiff_t CountPrintableUtf8(std::string_view text) {
  std::ptrdiff_t count = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    std::uint32_t code = 0;
    std::size_t length = 0;
    if (c < 0x80) {
      code = c;
      length = 1;
    } else if ((c & 0xE0) == 0xC0) {
      code = c & 0x1F;
      length = 2;
    } else if ((c & 0xF0) == 0xE0) {
      code = c & 0x0F;
      length = 3;
    } else if ((c & 0xF8) == 0xF0) {
      code = c & 0x07;
      length = 4;
    } else {
      return -1;
    }
    if (i + length > text.size()) return -1;
    for (std::size_t k = 1; k < length; ++k) {
      const unsigned char next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return -1;
      code = (code << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr std::uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kMinForLength[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return -1;
    }
    if (code < 0x20 || code == 0x7F || (code >= 0x80 && code <= 0x9F)) return -1;
    ++count;
    i += length;
  }
  return count;
}

absl::Status CheckText(std::string_view field, std::string_view text, std::size_t min,
                       std::size_t max) {
  const std::ptrdiff_t count = CountPrintableUtf8(text);
  if (count < 0) {
    return absl::InvalidArgumentError(std::string(field) +
                                      " must be UTF-8 text without control characters");
  }
  if (static_cast<std::size_t>(count) < min || static_cast<std::size_t>(count) > max) {
    return absl::InvalidArgumentError(std::string(field) + " must be " + std::to_string(min) + "-" +
                                      std::to_string(max) + " characters long (got " +
                                      std::to_string(count) + ")");
  }
  return absl::OkStatus();
}

absl::Status CheckEmail(std::string_view email) {
  const auto bad = [&] { return absl::InvalidArgumentError("invalid email " + Quote(email)); };
  if (email.size() < 3 || email.size() > 254) return bad();
  for (char c : email) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (!IsPrintableAscii(u) || c == ' ' || c == '"' || c == '\'' || c == '<' || c == '>' ||
        c == '\\' || c == ',' || c == ';') {
      return bad();
    }
  }
  const std::size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == email.size() ||
      email.find('@', at + 1) != std::string_view::npos) {
    return bad();
  }
  return absl::OkStatus();
}

absl::Status CheckUrl(std::string_view field, std::string_view url) {
  const bool scheme_ok = url.starts_with("https://") || url.starts_with("http://");
  bool chars_ok = url.size() <= 2048;
  for (char c : url) {
    if (!IsPrintableAscii(static_cast<unsigned char>(c)) || c == ' ') chars_ok = false;
  }
  if (!scheme_ok || !chars_ok || url.size() <= 8) {
    return absl::InvalidArgumentError(std::string(field) +
                                      " must be an http(s) URL of at most "
                                      "2048 characters, got " +
                                      Quote(url));
  }
  return absl::OkStatus();
}

}  // namespace iothub::registry
