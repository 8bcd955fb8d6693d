#include "ledger/policy.h"

#include <charconv>

namespace patron::ledger {

Result<ExpiryRule> parse_expiry_rule(std::string_view text, std::string_view field) {
  auto bad = [&] {
    return fail(ErrorCode::kInvalidArgument, std::string(field),
                "expected never, <N>d, end_of_month, end_of_quarter or end_of_year[+N], got '" +
                    std::string(text) + "'");
  };
  if (text == "never") return ExpiryRule::never();
  auto number = [](std::string_view s) -> std::optional<int64_t> {
    int64_t n = 0;
    if (s.empty()) return std::nullopt;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc{} || p != s.data() + s.size() || n < 0 || n > 100 * 366) {
      return std::nullopt;
    }
    return n;
  };
  if (text.size() > 1 && text.back() == 'd') {
    auto n = number(text.substr(0, text.size() - 1));
    if (!n || *n == 0) return bad();
    return ExpiryRule::days(*n);
  }
  std::string_view base = text;
  int64_t extra = 0;
  if (auto plus = text.find('+'); plus != std::string_view::npos) {
    base = text.substr(0, plus);
    auto n = number(text.substr(plus + 1));
    if (!n || *n > 100) return bad();
    extra = *n;
  }
  if (base == "end_of_month") return ExpiryRule::end_of(CalendarUnit::kMonth, extra);
  if (base == "end_of_quarter") return ExpiryRule::end_of(CalendarUnit::kQuarter, extra);
  if (base == "end_of_year") return ExpiryRule::end_of(CalendarUnit::kYear, extra);
  return bad();
}

std::string to_string(const ExpiryRule& rule) {
  switch (rule.kind) {
    case ExpiryRule::Kind::kNever:
      return "never";
    case ExpiryRule::Kind::kDays:
      return std::to_string(rule.count) + "d";
    case ExpiryRule::Kind::kEndOfPeriod: {
      std::string base = rule.unit == CalendarUnit::kMonth     ? "end_of_month"
                         : rule.unit == CalendarUnit::kQuarter ? "end_of_quarter"
                                                               : "end_of_year";
      return rule.count == 0 ? base : base + "+" + std::to_string(rule.count);
    }
  }
  return "never";
}

std::optional<Instant> expires_at(const ExpiryRule& rule, Instant granted_at,
                                  const date::time_zone* zone) {
  switch (rule.kind) {
    case ExpiryRule::Kind::kNever:
      return std::nullopt;
    case ExpiryRule::Kind::kDays:
      return local_midnight_after(granted_at, rule.count + 1, zone);
    case ExpiryRule::Kind::kEndOfPeriod: {
      Instant end = start_of_next_period(granted_at, rule.unit, zone);
      for (int64_t i = 0; i < rule.count; ++i) end = start_of_next_period(end, rule.unit, zone);
      return end;
    }
  }
  return std::nullopt;
}

std::string_view to_string(DebtPolicy p) {
  return p == DebtPolicy::kNegativeBalance ? "negative_balance" : "write_off";
}

std::string_view to_string(RestorePolicy p) {
  return p == RestorePolicy::kNewLotIfExpired ? "new_lot_if_expired" : "original_lot";
}

WalletPolicy default_credit_policy(const date::time_zone* zone) {
  WalletPolicy p;
  p.name = "credit";
  p.unit = "TWD";
  p.minor_digits = 0;
  // Taiwan practice (seeds, peers.md §3): birthday credit 30 days, signup 60 days,
  // purchase rebates do not expire unless the program says so.
  p.expiry_by_source = {{"birthday", ExpiryRule::days(30)}, {"signup", ExpiryRule::days(60)}};
  p.zone = zone;
  return p;
}

WalletPolicy default_points_policy(const date::time_zone* zone) {
  WalletPolicy p;
  p.name = "points";
  p.unit = "points";
  p.minor_digits = 0;
  // Points commonly expire at the end of the year after they were earned.
  p.default_expiry = ExpiryRule::end_of(CalendarUnit::kYear, 1);
  p.zone = zone;
  return p;
}

}  // namespace patron::ledger
