#include <gtest/gtest.h>

#include <string>

#include "crypto/base64.h"

namespace iothub::crypto {
namespace {

// RFC 4648 test vectors, in the url-safe alphabet and without padding, round-trip.
TEST(Base64UrlTest, RfcVectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64UrlEncode(plain), encoded);
    std::string decoded;
    ASSERT_TRUE(Base64UrlDecode(encoded, &decoded)) << encoded;
    EXPECT_EQ(decoded, plain);
  }
}

// Padding, the standard alphabet, whitespace, impossible lengths and non-zero trailing
// bits are all refused.
TEST(Base64UrlTest, StrictDecoding) {
  std::string out;
  for (const char* bad : {"Zg==", "Zm9v+A", "Zm9v/A", "Zm 9v", "Z", "Zm9vY", "Zh", "Zm9", "\n"}) {
    EXPECT_FALSE(Base64UrlDecode(bad, &out)) << bad;
  }
  EXPECT_TRUE(Base64UrlDecode("Zm8", &out));
}

// Every byte value survives a round trip.
TEST(Base64UrlTest, AllBytesRoundTrip) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  std::string decoded;
  ASSERT_TRUE(Base64UrlDecode(Base64UrlEncode(bytes), &decoded));
  EXPECT_EQ(decoded, bytes);
}

}  // namespace
}  // namespace iothub::crypto
