#include "model/fingerprint_text.h"

#include <gtest/gtest.h>

namespace iothub {
namespace {

constexpr char kCanonical[] =
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";

// Canonical text parses to the bytes and formats back to the same text.
TEST(FingerprintHexTest, RoundTripsCanonicalText) {
  auto parsed = ParseFingerprint(kCanonical);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ((*parsed)[0], 0x00);
  EXPECT_EQ((*parsed)[10], 0xAA);
  EXPECT_EQ((*parsed)[31], 0xFF);
  EXPECT_EQ(FormatFingerprint(*parsed), kCanonical);
}

// Lowercase and colon-less input are accepted, as the contract says.
TEST(FingerprintHexTest, AcceptsAnyCaseWithOrWithoutColons) {
  EXPECT_EQ(ParseFingerprint("00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:"
                             "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff"),
            ParseFingerprint(kCanonical));
  EXPECT_EQ(ParseFingerprint("00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF"),
            ParseFingerprint(kCanonical));
}

// Wrong length, bad digits, misplaced colons and mixed forms are rejected.
TEST(FingerprintHexTest, RejectsMalformedText) {
  EXPECT_FALSE(ParseFingerprint(""));
  EXPECT_FALSE(ParseFingerprint("00:11"));
  EXPECT_FALSE(ParseFingerprint(std::string(kCanonical) + ":00"));
  std::string bad_digit = kCanonical;
  bad_digit[0] = 'G';
  EXPECT_FALSE(ParseFingerprint(bad_digit));
  std::string bad_separator = kCanonical;
  bad_separator[2] = '-';
  EXPECT_FALSE(ParseFingerprint(bad_separator));
  // 64 hex digits with one colon spliced in is neither form.
  EXPECT_FALSE(
      ParseFingerprint("00:112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEF"));
}

}  // namespace
}  // namespace iothub
