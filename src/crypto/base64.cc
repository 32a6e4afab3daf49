#include "crypto/base64.h"

#include <openssl/evp.h>

#include <array>
#include <cstdint>

namespace iothub::crypto {
namespace {

// Value of each character in the standard alphabet, or kInvalid.
constexpr std::uint8_t kInvalid = 0xFF;
constexpr std::array<std::uint8_t, 256> MakeDecodeTable() {
  constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::array<std::uint8_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
  return table;
}
constexpr std::array<std::uint8_t, 256> kValue = MakeDecodeTable();

// Checks that padded standard base64 `text` is canonical; empty string when it is,
// otherwise what is wrong.
std::string_view CanonicalProblem(std::string_view text, std::size_t* padding) {
  if (text.size() % 4 != 0) return "length is not a multiple of 4";
  *padding = 0;
  while (*padding < 2 && *padding < text.size() && text[text.size() - 1 - *padding] == '=') {
    ++*padding;
  }
  const std::string_view body = text.substr(0, text.size() - *padding);
  for (const char c : body) {
    if (kValue[static_cast<unsigned char>(c)] == kInvalid) return "invalid character";
  }
  // The last character before the padding carries 4 (==) or 2 (=) unused bits: zero.
  if (*padding > 0) {
    const std::uint8_t last = kValue[static_cast<unsigned char>(body.back())];
    const std::uint8_t unused = *padding == 2 ? 0x0F : 0x03;
    if ((last & unused) != 0) return "non-zero trailing bits (not canonical)";
  }
  return {};
}

// Decodes canonical padded base64 with OpenSSL into `*out`.
void DecodeCanonical(std::string_view text, std::size_t padding, std::string* out) {
  out->resize(text.size() / 4 * 3);
  const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out->data()),
                                      reinterpret_cast<const unsigned char*>(text.data()),
                                      static_cast<int>(text.size()));
  // EVP_DecodeBlock counts the padding as zero bytes; drop them.
  out->resize(static_cast<std::size_t>(written) - padding);
}

}  // namespace

std::string Base64Encode(std::string_view data) {
  std::string out((data.size() + 2) / 3 * 4 + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(data.data()),
                                      static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

absl::StatusOr<std::string> Base64Decode(std::string_view text) {
  std::size_t padding = 0;
  if (const std::string_view problem = CanonicalProblem(text, &padding); !problem.empty()) {
    return absl::InvalidArgumentError("base64: " + std::string(problem));
  }
  std::string out;
  DecodeCanonical(text, padding, &out);
  return out;
}

std::string Base64UrlEncode(std::string_view data) {
  std::string out = Base64Encode(data);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

bool Base64UrlDecode(std::string_view text, std::string* out) {
  if (text.size() % 4 == 1) return false;  // no byte count encodes to this length
  std::string standard(text);
  for (char& c : standard) {
    if (c == '+' || c == '/' || c == '=') return false;  // not in the url alphabet
    c = c == '-' ? '+' : c == '_' ? '/' : c;
  }
  const std::size_t padding = (4 - standard.size() % 4) % 4;
  standard.append(padding, '=');
  std::size_t counted = 0;
  if (!CanonicalProblem(standard, &counted).empty()) return false;
  DecodeCanonical(standard, padding, out);
  return true;
}

}  // namespace iothub::crypto
