#include "core/money.h"

#include <charconv>

#include "core/limits.h"

namespace patron {

__extension__ using Int128 = __int128;  // GCC builtin; pedantic wants the marker

std::optional<int64_t> scale(int64_t value, int64_t numerator, int64_t denominator,
                             Rounding rounding) {
  if (denominator <= 0) return std::nullopt;
  Int128 product = static_cast<Int128>(value) * numerator;
  Int128 quotient = product / denominator;
  Int128 remainder = product % denominator;
  if (remainder != 0) {
    bool negative = (product < 0);
    switch (rounding) {
      case Rounding::kFloor:
        if (negative) quotient -= 1;
        break;
      case Rounding::kCeil:
        if (!negative) quotient += 1;
        break;
      case Rounding::kHalfUp: {
        Int128 twice = (remainder < 0 ? -remainder : remainder) * 2;
        if (twice >= denominator) quotient += negative ? -1 : 1;
        break;
      }
    }
  }
  if (quotient > INT64_MAX || quotient < INT64_MIN) return std::nullopt;
  return static_cast<int64_t>(quotient);
}

Result<int64_t> positive_amount(int64_t amount, std::string_view field) {
  if (amount <= 0) {
    return fail(ErrorCode::kInvalidArgument, std::string(field), "amount must be positive");
  }
  if (amount > limits::kAmountMax) {
    return fail(ErrorCode::kInvalidArgument, std::string(field), "amount is too large");
  }
  return amount;
}

Result<int64_t> parse_major_units(std::string_view text, int minor_digits, std::string_view field) {
  auto bad = [&](const char* why) {
    return fail(ErrorCode::kInvalidArgument, std::string(field),
                std::string(why) + ": '" + std::string(text) + "'");
  };
  if (text.empty()) return bad("empty amount");
  bool negative = false;
  if (text.front() == '-' || text.front() == '+') {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  auto dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() && frac.empty()) return bad("not a number");
  if (static_cast<int>(frac.size()) > minor_digits) {
    // Allow trailing zeros beyond the currency's digits ("100.00" for TWD).
    for (std::size_t i = static_cast<std::size_t>(minor_digits); i < frac.size(); ++i) {
      if (frac[i] != '0') return bad("more decimals than the currency has");
    }
    frac = frac.substr(0, static_cast<std::size_t>(minor_digits));
  }
  int64_t value = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return bad("not a number");
    auto next = checked_mul(value, 10).and_then([&](int64_t v) { return checked_add(v, c - '0'); });
    if (!next) return bad("amount is too large");
    value = *next;
  }
  for (int i = 0; i < minor_digits; ++i) {
    int digit = 0;
    if (static_cast<std::size_t>(i) < frac.size()) {
      char c = frac[static_cast<std::size_t>(i)];
      if (c < '0' || c > '9') return bad("not a number");
      digit = c - '0';
    }
    auto next = checked_mul(value, 10).and_then([&](int64_t v) { return checked_add(v, digit); });
    if (!next) return bad("amount is too large");
    value = *next;
  }
  if (value > limits::kAmountMax) return bad("amount is too large");
  return negative ? -value : value;
}

std::string format_major_units(int64_t minor, int minor_digits) {
  bool negative = minor < 0;
  unsigned long long magnitude = negative ? 0ULL - static_cast<unsigned long long>(minor)
                                          : static_cast<unsigned long long>(minor);
  std::string digits = std::to_string(magnitude);
  auto width = static_cast<std::size_t>(minor_digits);
  if (width > 0 && digits.size() <= width) {
    digits = std::string(width + 1 - digits.size(), '0') + digits;
  }
  // Built by appending: GCC 12 at -O3 misreads std::string::insert as an
  // overlapping copy (-Werror=restrict).
  std::string out = negative ? "-" : "";
  out.append(digits, 0, digits.size() - width);
  if (width > 0) {
    out.push_back('.');
    out.append(digits, digits.size() - width, width);
  }
  return out;
}

std::string format_shortest(int64_t value, int decimals) {
  std::string s = format_major_units(value, decimals);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

namespace {

// "1234567.50" -> "1,234,567.50" (the sign kept in front).
std::string group_thousands(const std::string& plain) {
  std::size_t start = plain.starts_with('-') ? 1 : 0;
  std::size_t end = plain.find('.');
  if (end == std::string::npos) end = plain.size();
  std::string out = plain.substr(0, start);
  for (std::size_t i = start; i < end; ++i) {
    if (i > start && (end - i) % 3 == 0) out.push_back(',');
    out.push_back(plain[i]);
  }
  out.append(plain, end, std::string::npos);
  return out;
}

}  // namespace

std::string format_money(int64_t minor, std::string_view unit, int minor_digits,
                         std::string_view locale) {
  std::string number = group_thousands(format_major_units(minor, minor_digits));
  if (unit == "points") return number + (locale == "zh-TW" ? " 點" : " points");
  static constexpr std::pair<std::string_view, std::string_view> kSymbols[] = {
      {"TWD", "NT$"}, {"GBP", "£"},   {"USD", "US$"}, {"EUR", "€"},   {"JPY", "JP¥"},
      {"HKD", "HK$"}, {"CNY", "CN¥"}, {"SGD", "S$"},  {"AUD", "A$"},  {"CAD", "CA$"},
      {"KRW", "₩"},   {"MYR", "RM"},  {"THB", "฿"},   {"NZD", "NZ$"}, {"INR", "₹"}};
  std::string sign;
  if (number.starts_with('-')) {
    sign = "-";
    number.erase(0, 1);
  }
  for (const auto& [code, symbol] : kSymbols) {
    if (unit == code) return sign + std::string(symbol) + number;
  }
  return sign + std::string(unit) + " " + number;
}

}  // namespace patron
