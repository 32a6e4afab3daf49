#include "registry/money.h"

#include "registry/input_checks.h"

namespace iothub::registry {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

absl::StatusOr<std::int64_t> ParseAmountCents(std::string_view text) {
  const auto bad = [&] {
    return absl::InvalidArgumentError(
        "invalid amount " + Quote(text) +
        ": use a non-negative decimal number with at most two decimals, such as 12.50");
  };
  const std::size_t point = text.find('.');
  const std::string_view whole = text.substr(0, point);
  const std::string_view fraction =
      point == std::string_view::npos ? std::string_view() : text.substr(point + 1);
  if (whole.empty() || whole.size() > 12) {
    if (whole.size() > 12) {
      return absl::InvalidArgumentError("amount " + Quote(text) + " is larger than the maximum " +
                                        FormatCents(kMaxBalanceCents));
    }
    return bad();
  }
  if (whole.size() > 1 && whole[0] == '0') return bad();
  if (point != std::string_view::npos && (fraction.empty() || fraction.size() > 2)) return bad();
  std::int64_t cents = 0;
  for (char c : whole) {
    if (!IsDigit(c)) return bad();
    cents = cents * 10 + (c - '0');
  }
  std::int64_t hundredths = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    hundredths *= 10;
    if (i < fraction.size()) {
      if (!IsDigit(fraction[i])) return bad();
      hundredths += fraction[i] - '0';
    }
  }
  return cents * 100 + hundredths;
}

std::string FormatCents(std::int64_t cents) {
  const bool negative = cents < 0;
  const std::uint64_t magnitude =
      negative ? static_cast<std::uint64_t>(-(cents + 1)) + 1 : static_cast<std::uint64_t>(cents);
  const std::uint64_t fraction = magnitude % 100;
  return std::string(negative ? "-" : "") + std::to_string(magnitude / 100) + "." +
         (fraction < 10 ? "0" : "") + std::to_string(fraction);
}

}  // namespace iothub::registry
