#include "rules/rewards.h"

#include <algorithm>
#include <array>
#include <utility>

#include "core/assert.h"

namespace patron::rules {

namespace {

constexpr std::array<std::pair<RewardOn, std::string_view>, 11> kOnNames = {{
    {RewardOn::kSignup, "signup"},
    {RewardOn::kBirthday, "birthday"},
    {RewardOn::kMonthly, "monthly"},
    {RewardOn::kFirstPurchase, "first_purchase"},
    {RewardOn::kAppInstall, "app_install"},
    {RewardOn::kLineBind, "line_bind"},
    {RewardOn::kReview, "review"},
    {RewardOn::kShare, "share"},
    {RewardOn::kSurvey, "survey"},
    {RewardOn::kCustom, "custom"},
    {RewardOn::kWinback, "winback"},
}};

}  // namespace

std::string_view to_string(RewardOn on) {
  for (const auto& [value, name] : kOnNames) {
    if (value == on) return name;
  }
  return "custom";
}

std::optional<RewardOn> parse_reward_on(std::string_view text) {
  for (const auto& [value, name] : kOnNames) {
    if (name == text) return value;
  }
  return std::nullopt;
}

bool is_member_event(RewardOn on) {
  return on != RewardOn::kSignup && on != RewardOn::kBirthday && on != RewardOn::kMonthly &&
         on != RewardOn::kFirstPurchase && on != RewardOn::kWinback;
}

std::string reward_source(const Reward& r) {
  if (!r.source.empty()) return r.source;
  return std::string(to_string(r.on));
}

std::optional<int64_t> reward_amount(const Reward& r, std::string_view tier) {
  if (!r.tiers.empty() && std::find(r.tiers.begin(), r.tiers.end(), tier) == r.tiers.end()) {
    return std::nullopt;
  }
  for (const TierAmount& t : r.tier_amounts) {
    if (t.tier == tier) return t.amount;
  }
  return r.amount;
}

std::chrono::year_month_day birthday_reward_date(const Reward& r, std::chrono::year year,
                                                 std::chrono::year_month_day birthday) {
  using namespace std::chrono;
  if (r.birthday_on == BirthdayOn::kMonthStart) return year / birthday.month() / day{1};
  year_month_day date = year / birthday.month() / birthday.day();
  if (date.ok()) return date;
  // Only 29 February is missing in some years.
  return r.feb29 == Feb29::kFeb28 ? year / February / day{28} : year / March / day{1};
}

PeriodStarts period_starts(Instant at, const date::time_zone* zone) {
  using namespace std::chrono;
  year_month_day d = local_date(at, zone);
  return PeriodStarts{local_midnight(d, zone), local_midnight(d.year() / d.month() / day{1}, zone),
                      local_midnight(d.year() / January / day{1}, zone)};
}

PeriodStarts period_ends(Instant at, const date::time_zone* zone) {
  return PeriodStarts{start_of_next_period(at, CalendarUnit::kDay, zone),
                      start_of_next_period(at, CalendarUnit::kMonth, zone),
                      start_of_next_period(at, CalendarUnit::kYear, zone)};
}

std::vector<int64_t> split_by_weight(int64_t amount, const std::vector<int64_t>& weights) {
  __extension__ using Wide = __int128;
  Wide total = 0;
  for (int64_t w : weights) {
    PATRON_ASSERT(w >= 0);
    total += w;
  }
  PATRON_ASSERT(total > 0 && amount >= 0);
  std::vector<int64_t> out(weights.size(), 0);
  std::vector<Wide> remainders(weights.size(), -1);
  Wide given = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] == 0) continue;
    Wide exact = Wide{amount} * weights[i];
    out[i] = static_cast<int64_t>(exact / total);
    given += out[i];
    remainders[i] = exact % total;
  }
  for (Wide left = Wide{amount} - given; left > 0; --left) {
    std::size_t best = 0;
    for (std::size_t k = 1; k < remainders.size(); ++k) {
      if (remainders[k] > remainders[best]) best = k;
    }
    PATRON_ASSERT(remainders[best] >= 0);
    out[best] += 1;
    remainders[best] = -1;
  }
  return out;
}

}  // namespace patron::rules
