#include "crypto/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace iothub::crypto {
namespace {

// The RFC 4648 section 10 test vectors encode and decode both ways.
TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    absl::StatusOr<std::string> decoded = Base64Decode(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded << ": " << decoded.status();
    EXPECT_EQ(*decoded, plain);
  }
}

// Every byte value and every length modulo 3 survives a round trip; '+' and '/' appear.
TEST(Base64Test, RoundTripsAllBytes) {
  std::string data;
  for (int i = 0; i < 256; ++i) data.push_back(static_cast<char>(i));
  for (std::size_t length = 0; length <= data.size(); ++length) {
    const std::string plain = data.substr(0, length);
    absl::StatusOr<std::string> decoded = Base64Decode(Base64Encode(plain));
    ASSERT_TRUE(decoded.ok()) << length;
    EXPECT_EQ(*decoded, plain);
  }
  EXPECT_EQ(Base64Encode("\xfb\xff"), "+/8=");
}

// Whitespace, foreign characters, bad padding and non-canonical text are all refused.
TEST(Base64Test, StrictDecodingRefusesEverythingElse) {
  const char* bad[] = {
      "Zg=",     // length not a multiple of 4
      "Zg",      // missing padding
      "Zm9v\n",  // trailing newline
      " Zm9v",   // leading space
      "Zm9v\r\nZm9v",
      "Zm 9",  // inner space
      "Zm-v",  // base64url alphabet
      "Zm_v",
      "Zh==",  // non-zero trailing bits ("Zg==" is the canonical form)
      "Zm9=",  // non-zero trailing bits
      "Z===",  // three padding characters
      "====",
      "Zg==Zg==",  // padding in the middle
      "Zm=v",         "\xc3\xa9\xc3\xa9",
  };
  for (const char* text : bad) {
    EXPECT_FALSE(Base64Decode(text).ok()) << "accepted: " << text;
  }
  EXPECT_FALSE(Base64Decode(std::string("Zm9v\0AAA", 8)).ok());
  EXPECT_EQ(Base64Decode("Zh==").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace iothub::crypto
