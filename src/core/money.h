// Amounts of value: int64 minor units (TWD: dollars, GBP: pence, points:
// points). No floating point anywhere near the ledger. Arithmetic that could
// overflow goes through the checked helpers, which report instead of wrapping.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace patron {

// Adds or subtracts without wrapping; nullopt on overflow.
inline std::optional<int64_t> checked_add(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
  return out;
}
inline std::optional<int64_t> checked_mul(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
  return out;
}

enum class Rounding { kFloor, kCeil, kHalfUp };

// value * numerator / denominator, rounded as asked, computed in 128 bits so the
// intermediate product cannot overflow. denominator > 0. nullopt if the result
// does not fit int64.
std::optional<int64_t> scale(int64_t value, int64_t numerator, int64_t denominator,
                             Rounding rounding);

// Validates a command amount: strictly positive and at most limits::kAmountMax.
Result<int64_t> positive_amount(int64_t amount, std::string_view field);

// Parses a decimal in major units ("12.50") into minor units given the number of
// minor digits; rejects more fractional digits than the currency has.
Result<int64_t> parse_major_units(std::string_view text, int minor_digits, std::string_view field);

// Formats minor units as a decimal in major units ("12.50", "-3", "1234").
std::string format_major_units(int64_t minor, int minor_digits);

// An amount as a shopper reads it, for messages: the currency's symbol and
// thousands separators ("NT$1,234", "£12.50", "US$5.00", "JP¥300"; other
// ISO codes as "CHF 12.50"); unit "points" as "1,234 點" (locale "zh-TW")
// or "1,234 points" (other locales).
std::string format_money(int64_t minor, std::string_view unit, int minor_digits,
                         std::string_view locale);

// The shortest decimal of value / 10^decimals: (300, 2) -> "3", (50, 2) -> "0.5".
std::string format_shortest(int64_t value, int decimals);

}  // namespace patron
