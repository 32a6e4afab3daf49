#include "registry/money.h"

#include <gtest/gtest.h>

namespace iothub::registry {
namespace {

// Accepted amounts and their exact cents.
TEST(MoneyTest, ParsesStrictDecimals) {
  const std::pair<const char*, std::int64_t> cases[] = {
      {"0", 0},        {"0.0", 0},     {"0.00", 0},
      {"12", 1200},    {"12.5", 1250}, {"12.50", 1250},
      {"12.05", 1205}, {"0.01", 1},    {"999999999999.99", kMaxBalanceCents},
      {"100", 10000},
  };
  for (const auto& [text, cents] : cases) {
    SCOPED_TRACE(text);
    auto parsed = ParseAmountCents(text);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, cents);
  }
}

// Signs, exponents, extra decimals, stray characters and overflow are refused.
TEST(MoneyTest, RefusesEverythingElse) {
  for (const char* text : {"",
                           "-1",
                           "+1",
                           "1.234",
                           "1e3",
                           "abc",
                           ".5",
                           "5.",
                           "01",
                           "00.5",
                           " 1",
                           "1 ",
                           "1,5",
                           "0x10",
                           "1.2.3",
                           "1..2",
                           "NaN",
                           "inf",
                           "1000000000000",
                           "99999999999999999999",
                           "1.-1",
                           "١"}) {
    SCOPED_TRACE(text);
    auto parsed = ParseAmountCents(text);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

// Cents format with exactly two decimals.
TEST(MoneyTest, FormatsTwoDecimals) {
  EXPECT_EQ(FormatCents(0), "0.00");
  EXPECT_EQ(FormatCents(5), "0.05");
  EXPECT_EQ(FormatCents(1250), "12.50");
  EXPECT_EQ(FormatCents(kMaxBalanceCents), "999999999999.99");
  EXPECT_EQ(FormatCents(-105), "-1.05");
}

}  // namespace
}  // namespace iothub::registry
