#include "emqx/percent_encode.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace iothub::emqx {
namespace {

// Table of clientids and their path segments: unreserved bytes stay, everything else
// (path, query and fragment delimiters, MQTT wildcards, '%', spaces, UTF-8, control
// bytes) becomes %XX, and the dot-segments "." and ".." are encoded whole.
TEST(PercentEncodeTest, EncodesEverythingOutsideUnreserved) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"device-001", "device-001"},
      {"A-Za-z0-9-._~", "A-Za-z0-9-._~"},
      {"a/b", "a%2Fb"},
      {"../x", "..%2Fx"},
      {"..", "%2E%2E"},
      {".", "%2E"},
      {"...", "..."},
      {"#", "%23"},
      {"+", "%2B"},
      {"a b", "a%20b"},
      {"?", "%3F"},
      {"%", "%25"},
      {"%2F", "%252F"},
      {"\\", "%5C"},
      {"a;b,c=d&e", "a%3Bb%2Cc%3Dd%26e"},
      {"ü", "%C3%BC"},
      {std::string("a\0b", 3), "a%00b"},
      {"\r\n", "%0D%0A"},
      {"\xff", "%FF"},
      {"", ""},
  };
  for (const auto& [text, encoded] : cases) {
    EXPECT_EQ(PercentEncodePathSegment(text), encoded) << text;
  }
}

// No output ever contains a byte that could end or split the segment.
TEST(PercentEncodeTest, NoByteValueEscapesTheSegment) {
  for (int c = 0; c < 256; ++c) {
    const std::string out = PercentEncodePathSegment(std::string(1, static_cast<char>(c)));
    for (char o : out) {
      const bool allowed = (o >= 'A' && o <= 'Z') || (o >= 'a' && o <= 'z') ||
                           (o >= '0' && o <= '9') || o == '-' || o == '.' || o == '_' || o == '~' ||
                           o == '%';
      EXPECT_TRUE(allowed) << "byte " << c << " gave " << out;
    }
  }
}

}  // namespace
}  // namespace iothub::emqx
