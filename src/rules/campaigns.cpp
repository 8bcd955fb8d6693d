#include "rules/campaigns.h"

#include <date/tz.h>

#include <algorithm>

namespace patron::rules {

bool campaign_open(const Campaign& c, Instant at, const date::time_zone* zone) {
  if (c.starts && at < *c.starts) return false;
  if (c.ends && at >= *c.ends) return false;
  if (c.days_of_month.empty() && c.weekdays.empty() && c.start_minute == 0 &&
      c.end_minute == 24 * 60) {
    return true;
  }
  auto local = zone->to_local(at);
  auto day = date::floor<date::days>(local);
  std::chrono::sys_days days{day.time_since_epoch()};
  std::chrono::year_month_day ymd{days};
  int dom = static_cast<int>(static_cast<unsigned>(ymd.day()));
  int weekday = static_cast<int>(std::chrono::weekday{days}.c_encoding());
  int minute =
      static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(local - day).count());
  auto has = [](const std::vector<int>& list, int v) {
    return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
  };
  return has(c.days_of_month, dom) && has(c.weekdays, weekday) && minute >= c.start_minute &&
         minute < c.end_minute;
}

Budget budget_by(const Campaign& c, Instant at, const date::time_zone* zone) {
  if (!c.even_pacing || !c.starts || !c.ends || at >= *c.ends) return c.budget;
  const auto first = local_date(*c.starts, zone);
  const auto last = local_date(*c.ends - std::chrono::seconds{1}, zone);
  const int64_t days = (std::chrono::sys_days{last} - std::chrono::sys_days{first}).count() + 1;
  const int64_t day = std::clamp<int64_t>(
      (std::chrono::sys_days{local_date(at, zone)} - std::chrono::sys_days{first}).count() + 1, 1,
      days);
  // Rounded up, in 128 bits: budgets go up to the largest amount.
  __extension__ using Wide = __int128;
  auto share = [&](int64_t total) {
    return static_cast<int64_t>((Wide{total} * day + days - 1) / days);
  };
  return Budget{share(c.budget.value), share(c.budget.count)};
}

bool campaign_targets(const Campaign& c, std::string_view tier,
                      const std::vector<std::string>& tags, int64_t purchases, int64_t paid_value) {
  if (!c.tiers.empty() && std::find(c.tiers.begin(), c.tiers.end(), tier) == c.tiers.end()) {
    return false;
  }
  if (!c.tags.empty() && std::none_of(c.tags.begin(), c.tags.end(), [&](const std::string& t) {
        return std::find(tags.begin(), tags.end(), t) != tags.end();
      })) {
    return false;
  }
  if (purchases < c.min_purchases) return false;
  if (c.max_purchases >= 0 && purchases > c.max_purchases) return false;
  return paid_value >= c.min_order_value;
}

int64_t holdout_bucket(std::string_view program, std::string_view campaign,
                       std::string_view member) {
  uint64_t h = 14695981039346656037ULL;
  auto mix = [&h](std::string_view s) {
    for (unsigned char ch : s) {
      h ^= ch;
      h *= 1099511628211ULL;
    }
  };
  mix(program);
  mix("/");
  mix(campaign);
  mix("/");
  mix(member);
  return static_cast<int64_t>(h % 10000);
}

bool multiplies(const Campaign& c, std::string_view rule_id) {
  if (c.multiplier_bp == 10000) return false;
  return c.rules.empty() || std::find(c.rules.begin(), c.rules.end(), rule_id) != c.rules.end();
}

}  // namespace patron::rules
