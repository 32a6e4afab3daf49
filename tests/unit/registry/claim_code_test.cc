// Claim codes: generation, parsing, hashing and verification (registry/claim_code.h).
#include "registry/claim_code.h"

#include <gtest/gtest.h>

#include <set>

namespace iothub::registry {
namespace {

// A generated code is XXXX-XXXX-XXXX-XXXX over the Crockford alphabet.
TEST(ClaimCodeTest, GeneratedCodeShape) {
  absl::StatusOr<std::string> code = GenerateClaimCode();
  ASSERT_TRUE(code.ok()) << code.status();
  ASSERT_EQ(code->size(), 19u);
  for (std::size_t i = 0; i < code->size(); ++i) {
    if (i % 5 == 4) {
      EXPECT_EQ((*code)[i], '-') << *code;
    } else {
      EXPECT_NE(kCrockfordAlphabet.find((*code)[i]), std::string_view::npos) << *code;
    }
  }
  EXPECT_EQ(kCrockfordAlphabet.size(), 32u);  // 5 bits a character: 16 characters, 80 bits
  EXPECT_EQ(kClaimCodeLength * 5, kClaimCodeBits);
}

// Codes are random: 1000 draws are distinct, and every alphabet character shows up (the
// encoding uses all 5 bits of each character).
TEST(ClaimCodeTest, CodesAreRandomOverTheWholeAlphabet) {
  std::set<std::string> seen;
  std::set<char> characters;
  for (int i = 0; i < 1000; ++i) {
    absl::StatusOr<std::string> code = GenerateClaimCode();
    ASSERT_TRUE(code.ok());
    seen.insert(*code);
    for (char c : *code) {
      if (c != '-') characters.insert(c);
    }
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(characters.size(), 32u);
}

// Input is read case-insensitively, with or without dashes or spaces, and the
// look-alikes O, I, L as 0, 1, 1.
TEST(ClaimCodeTest, NormalizeAcceptsWhatPeopleType) {
  const std::string canonical = "ABCD0123EFGH4567";
  for (std::string_view input : {"ABCD-0123-EFGH-4567", "abcd-0123-efgh-4567", "ABCD0123EFGH4567",
                                 "abcd 0123 efgh 4567", "ABCDO123EFGH4567"}) {
    absl::StatusOr<std::string> got = NormalizeClaimCode(input);
    ASSERT_TRUE(got.ok()) << input << ": " << got.status();
    EXPECT_EQ(*got, canonical) << input;
  }
  EXPECT_EQ(*NormalizeClaimCode("IIII-LLLL-iiii-llll"), "1111111111111111");
  EXPECT_EQ(FormatClaimCode(canonical), "ABCD-0123-EFGH-4567");
}

// Wrong length, other characters (U, punctuation, SQL, wildcards, NUL, non-ASCII) and
// oversized input are refused.
TEST(ClaimCodeTest, NormalizeRefusesBadInput) {
  for (std::string_view input :
       {"", "ABCD-0123-EFGH-456", "ABCD-0123-EFGH-45678", "ABCD-0123-EFGH-456U",
        "ABCD-0123-EFGH-45%7", "' OR '1'='1' --", "ABCD/0123/EFGH/4567", "ABCD_0123_EFGH_4567",
        "ABCD-0123-EFGH-4\xC3\xA9", "ABCD-0123-EFGH-4567\n"}) {
    EXPECT_EQ(NormalizeClaimCode(input).status().code(), absl::StatusCode::kInvalidArgument)
        << input;
  }
  EXPECT_FALSE(NormalizeClaimCode(std::string_view("ABCD0123EFGH456\0", 16)).ok());
  EXPECT_FALSE(NormalizeClaimCode(std::string(10'000, 'A')).ok());
  // Dashes alone may not pad a code past the input limit.
  EXPECT_FALSE(NormalizeClaimCode(std::string(60, '-') + "ABCD0123EFGH4567").ok());
}

// The hash verifies only its own code; two hashes of one code differ (salted), and the
// stored form holds neither the code nor its display form.
TEST(ClaimCodeTest, HashAndVerify) {
  const std::string code = "ABCD0123EFGH4567";
  absl::StatusOr<store::StoredClaimCode> a = HashClaimCode(code, 42);
  absl::StatusOr<store::StoredClaimCode> b = HashClaimCode(code, 42);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->issued_at, 42);
  EXPECT_EQ(a->salt.size(), 32u);
  EXPECT_EQ(a->hash.size(), 64u);
  EXPECT_NE(a->salt, b->salt);
  EXPECT_NE(a->hash, b->hash);
  EXPECT_EQ(a->hash.find(code), std::string::npos);
  EXPECT_TRUE(VerifyClaimCode(*a, code));
  EXPECT_TRUE(VerifyClaimCode(*b, code));
  EXPECT_FALSE(VerifyClaimCode(*a, "ABCD0123EFGH4568"));
  EXPECT_FALSE(VerifyClaimCode(*a, ""));
}

// A malformed stored row never verifies (fail closed).
TEST(ClaimCodeTest, MalformedStoredRowNeverVerifies) {
  const std::string code = "ABCD0123EFGH4567";
  absl::StatusOr<store::StoredClaimCode> good = HashClaimCode(code, 1);
  ASSERT_TRUE(good.ok());
  for (auto broken : {store::StoredClaimCode{.salt = good->salt, .hash = ""},
                      store::StoredClaimCode{.salt = good->salt, .hash = good->hash.substr(2)},
                      store::StoredClaimCode{.salt = "zz", .hash = good->hash},
                      store::StoredClaimCode{.salt = good->salt + "0", .hash = good->hash}}) {
    EXPECT_FALSE(VerifyClaimCode(broken, code));
  }
}

// The claim URI carries the id and the display form of the code.
TEST(ClaimCodeTest, ClaimUri) {
  EXPECT_EQ(ClaimUri("dev-1", "ABCD0123EFGH4567"),
            "iothub://claim?id=dev-1&code=ABCD-0123-EFGH-4567");
}

// A lockout status carries its retry-after seconds; other statuses carry none.
TEST(ClaimCodeTest, RetryAfterPayload) {
  absl::Status locked = ClaimLockedOut("locked", 90);
  EXPECT_EQ(locked.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RetryAfterSeconds(locked), 90);
  EXPECT_EQ(RetryAfterSeconds(absl::ResourceExhaustedError("plan limit")), std::nullopt);
  EXPECT_EQ(RetryAfterSeconds(absl::OkStatus()), std::nullopt);
}

}  // namespace
}  // namespace iothub::registry
