// The program file's campaigns ([[campaigns]], docs/config.md
// "[[campaigns]]"): when an order is in a campaign (an absolute window and a
// recurring one in the program time zone), whom it targets, what it adds (a
// multiplier on purchase earning, a bonus), its holdout, stacking and budget.
#include <date/tz.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "app/programs.h"
#include "app/rewards.h"
#include "config/reader.h"
#include "core/limits.h"
#include "core/time.h"

namespace patron::config::detail {

// ---- Times ----

// `key`, an ISO 8601 time as a string: local to the program time zone without
// an offset ("2026-11-11T00:00:00", "2026-11-11"), else at that offset.
Result<std::optional<Instant>> parse_time(const Reader& r, const toml::table& t,
                                          const std::string& at, std::string_view key,
                                          const date::time_zone* zone) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return std::nullopt;
  const std::string k = Reader::join(at, key);
  const std::string expected =
      "an ISO 8601 time in quotes: \"2026-11-11T00:00:00\" (local to program.time_zone), "
      "\"2026-11-11\" (00:00 local) or \"2026-11-11T00:00:00+08:00\"";
  if (!n->is_string()) return r.error(n, k, "must be " + expected);
  auto instant = parse_instant(n->as_string()->get(), zone, k);
  if (!instant) {
    return r.error(n, k,
                   "must be " + expected + ", not '" + std::string(n->as_string()->get()) + "'");
  }
  return *instant;
}

// "2026-11-11T00:00:00+08:00": the local time in `zone` with its offset, so
// the printed file reads in the program's time and parses back to the same
// instant whatever the zone. UTC ("...Z") when the zone is unknown or its
// offset then was not whole minutes (local mean time, before 1900s).
std::string time_text(Instant t, const date::time_zone* zone) {
  if (zone == nullptr) return format_instant(t);
  const int64_t offset =
      std::chrono::duration_cast<std::chrono::seconds>(zone->get_info(t).offset).count();
  if (offset % 60 != 0) return format_instant(t);
  std::string local = format_instant(t + std::chrono::seconds{offset});
  local.pop_back();  // the 'Z'
  const int64_t minutes = offset < 0 ? -offset / 60 : offset / 60;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", offset < 0 ? '-' : '+',
                static_cast<int>(minutes / 60), static_cast<int>(minutes % 60));
  return local + buf;
}

namespace {

constexpr int64_t kOneX = 10000;         // a multiplier of x1: no effect
constexpr int64_t kHoldoutBpMax = 5000;  // 50%: a control group, not most members
constexpr int kDayMinutes = 24 * 60;

const std::string kNoEffect =
    "a campaign needs an effect: a multiplier other than 1x (multiplier = \"2x\") or a bonus "
    "(wallet = \"credit\", bonus = 100)";

// ---- Recurring window ----

// days_of_month = [1, 15]: distinct days 1 to 31, ascending; empty when absent.
Result<std::vector<int>> parse_days(const Reader& r, const toml::table& t, const std::string& at) {
  std::vector<int> out;
  const toml::node* n = t.get("days_of_month");
  if (n == nullptr) return out;
  const std::string k = at + ".days_of_month";
  if (!n->is_array()) return r.error(n, k, "must be an array of days of the month ([1, 15])");
  const toml::array& list = *n->as_array();
  if (list.size() > 31) return r.error(n, k, "has more than 31 entries");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const toml::node& e = list[i];
    const std::string ek = k + "[" + std::to_string(i) + "]";
    if (!e.is_integer()) return r.error(&e, ek, "must be a whole number");
    const int64_t day = e.as_integer()->get();
    if (day < 1 || day > 31) return r.error(&e, ek, "must be between 1 and 31");
    if (std::find(out.begin(), out.end(), day) != out.end()) {
      return r.error(&e, ek, "lists " + std::to_string(day) + " twice");
    }
    out.push_back(static_cast<int>(day));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// weekdays = ["sat", "sun"]: distinct weekday names, stored as 0 (Sunday) to
// 6 ascending; empty when absent.
Result<std::vector<int>> parse_weekdays(const Reader& r, const toml::table& t,
                                        const std::string& at) {
  std::vector<int> out;
  auto names = r.strings(t, at, "weekdays", kWeekdays.size(), limits::kTierBytesMax);
  if (!names) return std::unexpected(names.error());
  for (std::size_t i = 0; i < names->size(); ++i) {
    auto it = std::find(kWeekdays.begin(), kWeekdays.end(), (*names)[i]);
    if (it == kWeekdays.end()) {
      return r.error(t.get("weekdays")->as_array()->get(i),
                     at + ".weekdays[" + std::to_string(i) + "]",
                     "must be one of sun, mon, tue, wed, thu, fri, sat");
    }
    out.push_back(static_cast<int>(it - kWeekdays.begin()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// "HH:MM" -> minutes of the day, "24:00" included; -1 when malformed.
int minute_of_day(std::string_view s) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (s.size() != 5 || s[2] != ':' || !digit(s[0]) || !digit(s[1]) || !digit(s[3]) ||
      !digit(s[4])) {
    return -1;
  }
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return -1;
  return h * 60 + m;
}

// hours = "20:00-23:00": a local time window [start, end) of every day of the
// campaign; "00:00-24:00" is the whole day (the default).
Result<void> parse_hours(const Reader& r, const toml::table& t, const std::string& at,
                         rules::Campaign& c) {
  const toml::node* n = t.get("hours");
  if (n == nullptr) return {};
  const std::string k = at + ".hours";
  const std::string syntax = "must be a local time window \"HH:MM-HH:MM\" (\"20:00-23:00\")";
  if (!n->is_string()) return r.error(n, k, syntax);
  std::string_view text = n->as_string()->get();
  const int start = text.size() == 11 && text[5] == '-' ? minute_of_day(text.substr(0, 5)) : -1;
  const int end = text.size() == 11 && text[5] == '-' ? minute_of_day(text.substr(6, 5)) : -1;
  if (start < 0 || end < 0 || start == kDayMinutes) return r.error(n, k, syntax);
  if (start >= end) {
    return r.error(n, k,
                   "must end after it starts (a window over midnight is two campaigns: "
                   "\"22:00-24:00\" and \"00:00-02:00\")");
  }
  c.start_minute = start;
  c.end_minute = end;
  return {};
}

std::string hours_text(const rules::Campaign& c) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d-%02d:%02d", c.start_minute / 60, c.start_minute % 60,
                c.end_minute / 60, c.end_minute % 60);
  return buf;
}

// ---- Target and effect ----

Result<void> parse_target(const Reader& r, const toml::table& t, const std::string& at,
                          const app::Program& p, rules::Campaign& c) {
  auto tiers = r.strings(t, at, "tiers", limits::kTiersMax, limits::kTierBytesMax);
  if (!tiers) return std::unexpected(tiers.error());
  for (std::size_t i = 0; i < tiers->size(); ++i) {
    if (!is_tier(p.rules.tiers, (*tiers)[i])) {
      return r.error(t.get("tiers")->as_array()->get(i), at + ".tiers[" + std::to_string(i) + "]",
                     not_a_tier(p.rules.tiers));
    }
  }
  c.tiers = std::move(*tiers);
  auto tags = r.strings(t, at, "tags", limits::kMemberTagsMax, limits::kTagBytesMax);
  if (!tags) return std::unexpected(tags.error());
  for (std::size_t i = 0; i < tags->size(); ++i) {
    const toml::node* n = t.get("tags")->as_array()->get(i);
    const std::string key = at + ".tags[" + std::to_string(i) + "]";
    // As members' tags are checked (PUT /v1/members/{id}); strings() refused
    // duplicates.
    if (auto ok = app::check_tags({(*tags)[i]}); !ok) {
      std::string message = ok.error().message;
      return r.error(n, key, message);
    }
  }
  c.tags = std::move(*tags);
  auto min = r.integer(t, at, "min_purchases", 0, limits::kTierOrdersMax);
  if (!min) return std::unexpected(min.error());
  if (*min) c.min_purchases = **min;
  auto max = r.integer(t, at, "max_purchases", 0, limits::kTierOrdersMax);
  if (!max) return std::unexpected(max.error());
  if (*max) {
    if (**max < c.min_purchases) {
      return r.error(
          t.get("max_purchases"), at + ".max_purchases",
          "must not be less than min_purchases (" + std::to_string(c.min_purchases) + ")");
    }
    c.max_purchases = **max;
  }
  auto value = r.amount(t, at, "min_order_value", p.minor_digits, p.currency);
  if (!value) return std::unexpected(value.error());
  if (*value) c.min_order_value = **value;
  if (const toml::node* n = t.get("holdout")) {
    auto bp = parse_percent(*n);
    if (!bp) return r.error(n, at + ".holdout", bp.error());
    if (*bp > kHoldoutBpMax) {
      return r.error(n, at + ".holdout",
                     "must be at most 50% (the members held out are the control group)");
    }
    c.holdout_bp = *bp;
  }
  return {};
}

// multiplier, rules and exclusive: how the campaign multiplies purchase earning.
Result<void> parse_multiplier_keys(const Reader& r, const toml::table& t, const std::string& at,
                                   const app::Program& p, rules::Campaign& c) {
  if (const toml::node* n = t.get("multiplier")) {
    auto bp = parse_multiplier(*n, kOneX);
    if (!bp) return r.error(n, at + ".multiplier", bp.error());
    c.multiplier_bp = *bp;
  }
  auto ids = r.strings(t, at, "rules", limits::kEarnRulesMax, limits::kTierBytesMax);
  if (!ids) return std::unexpected(ids.error());
  for (std::size_t i = 0; i < ids->size(); ++i) {
    const std::string& id = (*ids)[i];
    if (std::none_of(p.rules.earn.begin(), p.rules.earn.end(),
                     [&](const rules::EarnRule& e) { return e.id == id; })) {
      std::string known;
      for (const rules::EarnRule& e : p.rules.earn) known += (known.empty() ? "" : ", ") + e.id;
      return r.error(t.get("rules")->as_array()->get(i), at + ".rules[" + std::to_string(i) + "]",
                     known.empty()
                         ? "is not an earn rule of this file (it has no [[earning.rules]])"
                         : "is not an earn rule of this file (earning.rules: " + known + ")");
    }
  }
  c.rules = std::move(*ids);
  auto exclusive = r.boolean(t, at, "exclusive");
  if (!exclusive) return std::unexpected(exclusive.error());
  if (*exclusive) c.exclusive = **exclusive;
  // Both only say what the multiplier does: without one they would do nothing.
  if (c.multiplier_bp == kOneX) {
    if (!c.rules.empty()) {
      return r.error(t.get("rules"), at + ".rules",
                     "only applies with a multiplier other than 1x (the earn rules it multiplies)");
    }
    if (c.exclusive) {
      return r.error(t.get("exclusive"), at + ".exclusive",
                     "only applies with a multiplier other than 1x (whether the multiplier "
                     "combines with member days and other campaigns)");
    }
  }
  return {};
}

// wallet, bonus, source, expires and budget.
Result<void> parse_bonus_keys(const Reader& r, const toml::table& t, const std::string& at,
                              const app::Program& p, rules::Campaign& c) {
  const toml::node* bonus = t.get("bonus");
  const toml::node* budget = t.get("budget");
  const toml::node* budget_value =
      budget != nullptr && budget->is_table() ? budget->as_table()->get("value") : nullptr;
  if (t.get("wallet") != nullptr) {
    auto wallet = wallet_of(r, t, at, p, "");
    if (!wallet) return std::unexpected(wallet.error());
    c.wallet = std::move(*wallet);
    if (bonus == nullptr && budget_value == nullptr) {
      return r.error(t.get("wallet"), at + ".wallet",
                     "only applies with a bonus (the wallet it is granted into) or a budget value "
                     "(the unit it counts in)");
    }
  } else if (bonus != nullptr) {
    return r.error(&t, at + ".wallet", "is required with a bonus: the wallet it is granted into");
  } else if (budget_value != nullptr) {
    return r.error(budget_value, at + ".budget.value",
                   "needs a wallet: the value counts in its unit (wallet = \"credit\")");
  }
  const Units u = units_of(p, c.wallet);
  auto amount = r.amount(t, at, "bonus", u.wallet_digits, u.wallet_unit);
  if (!amount) return std::unexpected(amount.error());
  if (*amount) {
    if (**amount == 0) return r.error(bonus, at + ".bonus", "must be more than 0");
    c.bonus = **amount;
  }
  for (std::string_view key : {"source", "expires"}) {
    if (c.bonus == 0 && t.get(key) != nullptr) {
      return r.error(t.get(key), Reader::join(at, key),
                     "only applies with a bonus (the lot the campaign grants)");
    }
  }
  auto source = r.text(t, at, "source");
  if (!source) return std::unexpected(source.error());
  if (*source) {
    if (!is_name(**source)) {
      return r.error(t.get("source"), at + ".source", "a source is 1 to 32 of a-z, 0-9 and _");
    }
    c.source = **source;
  }
  auto expires = r.expiry(t, at, "expires");
  if (!expires) return std::unexpected(expires.error());
  c.expires = *expires;
  auto parsed = parse_budget(r, t, at, u);
  if (!parsed) return std::unexpected(parsed.error());
  c.budget = *parsed;
  return {};
}

Result<rules::Campaign> parse_campaign(const Reader& r, const toml::table& t, std::size_t index,
                                       const app::Program& p, const date::time_zone* zone) {
  std::string at = "campaigns[" + std::to_string(index) + "]";
  auto id = r.text(t, at, "id");
  if (!id) return std::unexpected(id.error());
  if (!*id) return r.error(&t, at + ".id", "is required: 1 to 32 of a-z, 0-9 and _");
  if (!is_name(**id)) {
    return r.error(t.get("id"), at + ".id", "a campaign id is 1 to 32 of a-z, 0-9 and _");
  }
  at = "campaigns." + **id;
  if (auto ok = r.only(
          t, at,
          {"id",      "name",       "starts", "ends",          "days_of_month", "weekdays",
           "hours",   "tiers",      "tags",   "min_purchases", "max_purchases", "min_order_value",
           "holdout", "multiplier", "rules",  "exclusive",     "wallet",        "bonus",
           "source",  "expires",    "budget", "pacing"});
      !ok) {
    return std::unexpected(ok.error());
  }
  rules::Campaign c;
  c.id = **id;
  auto name = r.text(t, at, "name");
  if (!name) return std::unexpected(name.error());
  if (*name) {
    if ((*name)->empty() || (*name)->size() > limits::kCampaignNameBytesMax) {
      return r.error(t.get("name"), at + ".name",
                     "must be 1 to " + std::to_string(limits::kCampaignNameBytesMax) + " bytes");
    }
    c.name = **name;
  }

  auto starts = parse_time(r, t, at, "starts", zone);
  if (!starts) return std::unexpected(starts.error());
  c.starts = *starts;
  auto ends = parse_time(r, t, at, "ends", zone);
  if (!ends) return std::unexpected(ends.error());
  c.ends = *ends;
  if (c.starts && c.ends && *c.ends <= *c.starts) {
    return r.error(t.get("ends"), at + ".ends",
                   "must be after starts (" + time_text(*c.starts, zone) +
                       "): ends is the first instant outside the campaign");
  }
  auto days = parse_days(r, t, at);
  if (!days) return std::unexpected(days.error());
  c.days_of_month = std::move(*days);
  auto weekdays = parse_weekdays(r, t, at);
  if (!weekdays) return std::unexpected(weekdays.error());
  c.weekdays = std::move(*weekdays);
  if (auto ok = parse_hours(r, t, at, c); !ok) return std::unexpected(ok.error());

  if (auto ok = parse_target(r, t, at, p, c); !ok) return std::unexpected(ok.error());
  if (auto ok = parse_multiplier_keys(r, t, at, p, c); !ok) return std::unexpected(ok.error());
  if (auto ok = parse_bonus_keys(r, t, at, p, c); !ok) return std::unexpected(ok.error());
  constexpr std::array<std::string_view, 2> kPacing{"none", "even"};
  auto pacing = one_of(r, t, at, "pacing", kPacing);
  if (!pacing) return std::unexpected(pacing.error());
  if (*pacing && **pacing == 1) {
    if (!c.budget.any()) {
      return r.error(t.get("pacing"), at + ".pacing",
                     "only applies with a budget: it releases the budget day by day");
    }
    if (!c.starts || !c.ends) {
      return r.error(t.get("pacing"), at + ".pacing",
                     "needs starts and ends: the budget is spread over the window's days");
    }
    c.even_pacing = true;
  }
  if (c.multiplier_bp == kOneX && c.bonus == 0) {
    // Point at the 1x written, else at the campaign.
    const toml::node* one = t.get("multiplier");
    return r.error(one != nullptr ? one : &t, one != nullptr ? at + ".multiplier" : at, kNoEffect);
  }
  return c;
}

toml::table campaign_table(const rules::Campaign& c, const app::Program& p,
                           const date::time_zone* zone) {
  toml::table t{{"id", c.id}};
  if (!c.name.empty()) t.insert("name", c.name);
  if (c.starts) t.insert("starts", time_text(*c.starts, zone));
  if (c.ends) t.insert("ends", time_text(*c.ends, zone));
  toml::array days;
  for (int d : c.days_of_month) days.push_back(static_cast<int64_t>(d));
  t.insert("days_of_month", std::move(days));
  toml::array weekdays;
  for (int d : c.weekdays) {
    if (d >= 0 && d < 7) weekdays.push_back(std::string(kWeekdays[static_cast<std::size_t>(d)]));
  }
  t.insert("weekdays", std::move(weekdays));
  t.insert("hours", hours_text(c));
  t.insert("tiers", string_array(c.tiers));
  if (!c.tags.empty()) t.insert("tags", string_array(c.tags));
  t.insert("min_purchases", c.min_purchases);
  // Left out: no bound (there is no number for it).
  if (c.max_purchases >= 0) t.insert("max_purchases", c.max_purchases);
  insert_amount(t, "min_order_value", c.min_order_value, p.minor_digits);
  t.insert("holdout", format_percent(c.holdout_bp));
  t.insert("multiplier", format_multiplier(c.multiplier_bp));
  t.insert("rules", string_array(c.rules));
  t.insert("exclusive", c.exclusive);
  const Units u = units_of(p, c.wallet);
  if (!c.wallet.empty()) t.insert("wallet", c.wallet);
  if (c.bonus > 0) {
    insert_amount(t, "bonus", c.bonus, u.wallet_digits);
    t.insert("source", c.source);
    if (c.expires) t.insert("expires", ledger::to_string(*c.expires));
  }
  insert_budget(t, c.budget, u);
  if (c.even_pacing) t.insert("pacing", "even");
  return t;
}

}  // namespace

Result<void> parse_campaigns(const Reader& r, const toml::table& root, app::Program& p) {
  auto list = r.tables(root.get("campaigns"), "campaigns", limits::kCampaignsMax);
  if (!list) return std::unexpected(list.error());
  if (list->empty()) return {};
  // Checked by [program] when the file names it; the default zone otherwise.
  auto zone = app::resolve_zone(p.time_zone);
  if (!zone) {
    return r.error(root.get("program"), "program.time_zone",
                   "is not a time zone of the tz database (campaign times are local to it)");
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const toml::table& t = *(*list)[i];
    auto campaign = parse_campaign(r, t, i, p, *zone);
    if (!campaign) return std::unexpected(campaign.error());
    const std::string key = "campaigns[" + std::to_string(i) + "].id";
    for (std::size_t j = 0; j < p.rules.campaigns.size(); ++j) {
      if (p.rules.campaigns[j].id == campaign->id) {
        return r.error(
            t.get("id"), key,
            "'" + campaign->id + "' is already the id of campaigns[" + std::to_string(j) + "]");
      }
    }
    // Lots and rule uses record the id of what granted them ("<id>#control"
    // for a campaign's control group): one id must mean one thing.
    const std::string apart = ": campaigns, rewards and earn rules need different ids";
    for (std::size_t j = 0; j < p.rules.rewards.size(); ++j) {
      if (p.rules.rewards[j].id == campaign->id) {
        return r.error(t.get("id"), key,
                       "'" + campaign->id + "' is already the id of rewards[" + std::to_string(j) +
                           "]" + apart);
      }
    }
    for (std::size_t j = 0; j < p.rules.earn.size(); ++j) {
      if (p.rules.earn[j].id == campaign->id) {
        return r.error(t.get("id"), key,
                       "'" + campaign->id + "' is already the id of earning.rules[" +
                           std::to_string(j) + "]" + apart);
      }
    }
    p.rules.campaigns.push_back(std::move(*campaign));
  }
  return {};
}

toml::array campaigns_array(const app::Program& p) {
  auto zone = app::resolve_zone(p.time_zone);
  const date::time_zone* z = zone ? *zone : nullptr;
  toml::array out;
  for (const rules::Campaign& c : p.rules.campaigns) out.push_back(campaign_table(c, p, z));
  return out;
}

}  // namespace patron::config::detail
