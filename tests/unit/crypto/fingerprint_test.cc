#include "crypto/fingerprint.h"

#include <gtest/gtest.h>

#include <string>

namespace iothub::crypto {
namespace {

constexpr char kAbcFingerprint[] =
    "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:"
    "15:AD";

// SHA-256 of "abc" (FIPS 180-2 example) formats as uppercase colon hex.
TEST(FingerprintTest, Sha256OfKnownInputFormatsAsUppercaseColonHex) {
  EXPECT_EQ(FormatFingerprint(Sha256Fingerprint("abc")), kAbcFingerprint);
  EXPECT_EQ(FormatFingerprint(Sha256Fingerprint("")).substr(0, 11), "E3:B0:C4:42");
}

// Parsing accepts any case, with or without colons, and returns the same bytes.
TEST(FingerprintTest, ParsesAnyCaseWithOrWithoutColons) {
  const Fingerprint expected = Sha256Fingerprint("abc");
  std::string plain;
  for (char c : std::string(kAbcFingerprint)) {
    if (c != ':') plain.push_back(c);
  }
  std::string lower = kAbcFingerprint;
  for (char& c : lower) c = static_cast<char>(std::tolower(c));
  std::string mixed = plain;
  for (std::size_t i = 0; i < mixed.size(); i += 3)
    mixed[i] = static_cast<char>(std::tolower(mixed[i]));

  for (const std::string& text : {std::string(kAbcFingerprint), plain, lower, mixed}) {
    absl::StatusOr<Fingerprint> parsed = ParseFingerprint(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status();
    EXPECT_EQ(*parsed, expected) << text;
  }
}

// Anything but 64 hex digits, bare or colon-separated in every pair, is refused.
TEST(FingerprintTest, RefusesMalformedText) {
  const std::string good = kAbcFingerprint;
  std::string plain;
  for (char c : good) {
    if (c != ':') plain.push_back(c);
  }
  const std::string bad[] = {
      "",
      plain.substr(1),                           // 63 digits
      plain + "0",                               // 65 digits
      plain.substr(0, 62) + "G0",                // not hex
      good + ":",                                // trailing colon
      ":" + good.substr(0, good.size() - 1),     // colon moved to the front
      "BA7:8" + good.substr(5),                  // colon in the wrong place
      good.substr(0, 2) + "-" + good.substr(3),  // other separator
      good.substr(0, 2) + " " + good.substr(3),
      plain.substr(0, 2) + ":" + plain.substr(2, 61),  // colons only in some places
      " " + plain.substr(1),
      "SHA256:" + plain.substr(7),
  };
  for (const std::string& text : bad) {
    absl::StatusOr<Fingerprint> parsed = ParseFingerprint(text);
    EXPECT_FALSE(parsed.ok()) << "accepted: '" << text << "'";
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace iothub::crypto
