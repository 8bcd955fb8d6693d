#include "app/programs.h"

#include <date/tz.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "core/money.h"
#include "core/time.h"

namespace patron::app {

namespace {

// Settings text of rates and multipliers, as the file writes them
// (config/program_file.cpp): the shortest decimal, "3%", "0.5%", "1.5x".
std::string percent_text(int64_t bp) {
  return format_shortest(bp, 2) + "%";
}
std::string multiplier_text(int64_t bp) {
  return format_shortest(bp, 4) + "x";
}

std::string list_text(const std::vector<std::string>& values) {
  std::string out = "[";
  for (const std::string& v : values) out += (out.size() > 1 ? ", \"" : "\"") + v + "\"";
  return out + "]";
}

// Spend amounts are in the program's currency, earned amounts in the wallet's unit.
int wallet_digits(const Program& p, const std::string& wallet) {
  for (const WalletConfig& w : p.wallets) {
    if (w.name == wallet) return w.minor_digits;
  }
  return p.minor_digits;
}

void budget_settings(const std::string& at, const rules::Budget& budget, int digits,
                     std::map<std::string, std::string>& out) {
  if (budget.value > 0) out[at + "budget.value"] = format_major_units(budget.value, digits);
  if (budget.count > 0) out[at + "budget.count"] = std::to_string(budget.count);
}

void rule_settings(const Program& p, const rules::EarnRule& rule,
                   std::map<std::string, std::string>& out) {
  const std::string at = "earning.rules." + rule.id + ".";
  const int digits = wallet_digits(p, rule.wallet);
  out[at + "wallet"] = rule.wallet;
  out[at + "source"] = rule.source;
  if (rule.rate.kind == rules::Rate::Kind::kPercent) {
    out[at + "rate"] = percent_text(rule.rate.bp);
  } else {
    out[at + "every"] = format_major_units(rule.rate.every, p.minor_digits);
    out[at + "get"] = format_major_units(rule.rate.get, digits);
  }
  for (const rules::TierRate& tr : rule.tier_rates) {
    out[at + "tier_rates." + tr.tier] =
        tr.rate.kind == rules::Rate::Kind::kPercent
            ? percent_text(tr.rate.bp)
            : "{ every = " + format_major_units(tr.rate.every, p.minor_digits) +
                  ", get = " + format_major_units(tr.rate.get, digits) + " }";
  }
  out[at + "include_shipping"] = rule.base.include_shipping ? "true" : "false";
  out[at + "exclude_paid_with_value"] = rule.base.exclude_paid_with_value ? "true" : "false";
  out[at + "exclude_categories"] = list_text(rule.base.exclude_categories);
  out[at + "exclude_brands"] = list_text(rule.base.exclude_brands);
  out[at + "exclude_skus"] = list_text(rule.base.exclude_skus);
  for (const rules::Multiplier& m : rule.multipliers) {
    std::string target = !m.category.empty() ? "category." + m.category
                         : !m.brand.empty()  ? "brand." + m.brand
                                             : "sku." + m.sku;
    out[at + "multipliers." + target] = multiplier_text(m.factor_bp);
  }
  out[at + "min_base"] = format_major_units(rule.min_base, p.minor_digits);
  out[at + "per_order_max"] = format_major_units(rule.per_order_max, digits);
  out[at + "member_days"] = rule.member_days ? "true" : "false";
  // Caps and budgets are shown only when set: a rule without them has no key.
  for (auto [key, value] : {std::pair{"per_day", rule.member_caps.per_day},
                            std::pair{"per_month", rule.member_caps.per_month},
                            std::pair{"per_year", rule.member_caps.per_year}}) {
    if (value > 0) out[at + "member_caps." + key] = format_major_units(value, digits);
  }
  budget_settings(at, rule.budget, digits, out);
}

void member_day_settings(const rules::MemberDay& day, std::map<std::string, std::string>& out) {
  static constexpr const char* kWeekdays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  const std::string at = "member_days." + day.id + ".";
  if (day.day_of_month > 0) out[at + "day_of_month"] = std::to_string(day.day_of_month);
  if (day.weekday >= 0 && day.weekday < 7) out[at + "weekday"] = kWeekdays[day.weekday];
  out[at + "multiplier"] = multiplier_text(day.multiplier_bp);
  out[at + "tiers"] = list_text(day.tiers);
}

// A coupon a catalog item or a reward issues, its keys under `at`.
void coupon_offer_settings(const Program& p, const std::string& at, const rules::CouponOffer& offer,
                           std::map<std::string, std::string>& out) {
  const rules::CouponTerms& t = offer.terms;
  static constexpr const char* kTypes[] = {"fixed", "percent", "free_shipping"};
  out[at + "type"] = kTypes[static_cast<int>(t.kind)];
  if (t.amount > 0) out[at + "amount"] = format_major_units(t.amount, p.minor_digits);
  if (t.percent_bp > 0) out[at + "percent"] = percent_text(t.percent_bp);
  if (t.max_discount > 0)
    out[at + "max_discount"] = format_major_units(t.max_discount, p.minor_digits);
  out[at + "min_spend"] = format_major_units(t.min_spend, p.minor_digits);
  out[at + "categories"] = list_text(t.categories);
  out[at + "brands"] = list_text(t.brands);
  out[at + "skus"] = list_text(t.skus);
  out[at + "stackable"] = t.stackable ? "true" : "false";
  out[at + "valid_days"] = std::to_string(offer.valid_days);
}

// Reward settings, as the file writes them (config/rewards_section.cpp):
// optional keys (event, source, expires, limits, budget, tier amounts) only
// when set, the birthday keys only for birthday rewards.
void reward_settings(const Program& p, const rules::Reward& r,
                     std::map<std::string, std::string>& out) {
  const std::string at = "rewards." + r.id + ".";
  const int digits = wallet_digits(p, r.wallet);
  out[at + "on"] = std::string(rules::to_string(r.on));
  if (!r.event.empty()) out[at + "event"] = r.event;
  if (r.coupon) {
    coupon_offer_settings(p, at + "coupon.", *r.coupon, out);
  } else {
    out[at + "wallet"] = r.wallet;
    out[at + "amount"] = format_major_units(r.amount, digits);
  }
  if (!r.source.empty()) out[at + "source"] = r.source;
  if (r.expires) out[at + "expires"] = ledger::to_string(*r.expires);
  for (const rules::TierAmount& ta : r.tier_amounts) {
    out[at + "tier_amounts." + ta.tier] = format_major_units(ta.amount, digits);
  }
  out[at + "tiers"] = list_text(r.tiers);
  for (auto [key, value] :
       {std::pair{"per_day", r.limits.per_day}, std::pair{"per_month", r.limits.per_month},
        std::pair{"per_year", r.limits.per_year}, std::pair{"lifetime", r.limits.lifetime}}) {
    if (value > 0) out[at + "limit." + key] = std::to_string(value);
  }
  budget_settings(at, r.budget, digits, out);
  if (r.on == rules::RewardOn::kMonthly) out[at + "grace_days"] = std::to_string(r.grace_days);
  if (r.on == rules::RewardOn::kWinback) {
    out[at + "inactive_days"] = std::to_string(r.inactive_days);
    out[at + "churn_above"] =
        r.churn_above_bp > 0 ? format_shortest(r.churn_above_bp, 2) + "%" : "off";
  }
  if (r.on == rules::RewardOn::kBirthday) {
    const bool day = r.birthday_on == rules::BirthdayOn::kDay;
    out[at + "birthday"] = day ? "day" : "month_start";
    if (day) out[at + "feb29"] = r.feb29 == rules::Feb29::kMar1 ? "mar1" : "feb28";
    out[at + "grace_days"] = std::to_string(r.grace_days);
  }
}

// Referral settings, as the file writes them (config/referrals_section.cpp):
// expires and review_over only when set.
void referral_settings(const Program& p, std::map<std::string, std::string>& out) {
  const rules::ReferralRules& r = p.rules.referrals;
  const int digits = wallet_digits(p, r.wallet);
  out["referrals.wallet"] = r.wallet;
  out["referrals.referrer_amount"] = format_major_units(r.referrer_amount, digits);
  out["referrals.referee_amount"] = format_major_units(r.referee_amount, digits);
  out["referrals.source"] = r.source;
  if (r.expires) out["referrals.expires"] = ledger::to_string(*r.expires);
  out["referrals.min_order"] = format_major_units(r.min_order, p.minor_digits);
  if (r.review_over_per_month > 0) {
    out["referrals.review_over.per_month"] = std::to_string(r.review_over_per_month);
  }
  if (r.review_over_per_year > 0) {
    out["referrals.review_over.per_year"] = std::to_string(r.review_over_per_year);
  }
  out["referrals.review_same_contact"] = r.review_same_contact ? "true" : "false";
}

// Campaign settings (config/campaigns_section.cpp): the multiplier and
// exclusive always, every other key only when set (not its default). Times in
// UTC (the file may give them local), lists as written by list_text.
void campaign_settings(const Program& p, const rules::Campaign& c,
                       std::map<std::string, std::string>& out) {
  static constexpr const char* kWeekdays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  const std::string at = "campaigns." + c.id + ".";
  if (!c.name.empty()) out[at + "name"] = c.name;
  if (c.starts) out[at + "starts"] = format_instant(*c.starts);
  if (c.ends) out[at + "ends"] = format_instant(*c.ends);
  if (!c.days_of_month.empty()) {
    std::string days;
    for (int d : c.days_of_month) days += (days.empty() ? "" : ", ") + std::to_string(d);
    out[at + "days_of_month"] = "[" + days + "]";
  }
  if (!c.weekdays.empty()) {
    std::vector<std::string> names;
    for (int d : c.weekdays) names.emplace_back(d >= 0 && d < 7 ? kWeekdays[d] : "?");
    out[at + "weekdays"] = list_text(names);
  }
  if (c.start_minute != 0 || c.end_minute != 24 * 60) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02d:%02d-%02d:%02d", c.start_minute / 60, c.start_minute % 60,
                  c.end_minute / 60, c.end_minute % 60);
    out[at + "hours"] = buf;
  }
  if (!c.tiers.empty()) out[at + "tiers"] = list_text(c.tiers);
  if (!c.tags.empty()) out[at + "tags"] = list_text(c.tags);
  if (c.min_purchases > 0) out[at + "min_purchases"] = std::to_string(c.min_purchases);
  if (c.max_purchases >= 0) out[at + "max_purchases"] = std::to_string(c.max_purchases);
  if (c.min_order_value > 0) {
    out[at + "min_order_value"] = format_major_units(c.min_order_value, p.minor_digits);
  }
  if (c.holdout_bp > 0) out[at + "holdout"] = percent_text(c.holdout_bp);
  out[at + "multiplier"] = multiplier_text(c.multiplier_bp);
  if (!c.rules.empty()) out[at + "rules"] = list_text(c.rules);
  out[at + "exclusive"] = c.exclusive ? "true" : "false";
  const int digits = wallet_digits(p, c.wallet);
  if (!c.wallet.empty()) out[at + "wallet"] = c.wallet;
  if (c.bonus > 0) {
    out[at + "bonus"] = format_major_units(c.bonus, digits);
    out[at + "source"] = c.source;
  }
  if (c.expires) out[at + "expires"] = ledger::to_string(*c.expires);
  budget_settings(at, c.budget, digits, out);
  if (c.even_pacing) out[at + "pacing"] = "even";
}

// Tier settings, as the file writes them (config/program_file.cpp). Levels are
// keyed by id; their order follows from their entries, which ascend, except
// for paid-only levels (entry "paid only"), placed by `above`: the level
// just below them.
void tier_settings(const Program& p, std::map<std::string, std::string>& out) {
  const rules::Tiers& t = p.rules.tiers;
  using T = rules::Tiers;
  const bool spend = t.basis == T::Basis::kPaidSpend;
  out["tiers.basis"] = spend ? "paid_spend" : "order_count";
  out["tiers.count_on"] = t.count_on == T::CountOn::kCompleted ? "completed" : "paid";
  switch (t.window) {
    case T::Window::kLifetime:
      out["tiers.window"] = "lifetime";
      break;
    case T::Window::kCalendarYear:
      out["tiers.window"] = "calendar_year";
      break;
    case T::Window::kRollingMonths:
      out["tiers.window"] = "rolling_months";
      out["tiers.window_months"] = std::to_string(t.window_months);
      break;
    case T::Window::kSinceTierStart:
      out["tiers.window"] = "since_tier_start";
      break;
  }
  out["tiers.period_months"] = std::to_string(t.period_months);
  out["tiers.downgrade"] =
      t.downgrade == T::Downgrade::kToQualifying ? "to_qualifying" : "one_step";
  out["tiers.warn_days"] = std::to_string(t.warn_days);
  auto value = [&](int64_t v) {
    if (v == rules::kPaidOnlyEntry) return std::string("paid only");
    return spend ? format_major_units(v, p.minor_digits) : std::to_string(v);
  };
  for (std::size_t i = 0; i < t.levels.size(); ++i) {
    const rules::TierLevel& l = t.levels[i];
    const std::string at = "tiers.levels." + l.id + ".";
    out[at + "name"] = l.name;
    out[at + "entry"] = value(l.entry);
    if (i > 0) out[at + "retain"] = value(l.retain);  // the first level has none
    // Moving a paid-only level changes no entry: its place is a setting.
    if (i > 0 && l.entry == rules::kPaidOnlyEntry) out[at + "above"] = t.levels[i - 1].id;
    if (!l.membership_sku.empty()) {
      out[at + "membership_sku"] = l.membership_sku;
      out[at + "membership_months"] = std::to_string(l.membership_months);
    }
  }
}

// What one whole unit of the wallet pays, in major units of the currency, as
// the file writes it ("0.1", "1"): value_num / value_den minor units per
// wallet minor unit, scaled. Six decimals, the file's precision, trailing
// zeros dropped.
std::string unit_value_text(const Program& p, const rules::RedeemRule& r) {
  __extension__ using Wide = __int128;
  auto pow10 = [](int n) {
    Wide out = 1;
    for (int i = 0; i < n; ++i) out *= 10;
    return out;
  };
  const Wide micro = Wide{r.value_num} * pow10(wallet_digits(p, r.wallet)) * pow10(6) /
                     (Wide{r.value_den} * pow10(p.minor_digits));
  std::string text = format_major_units(static_cast<int64_t>(micro), 6);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

// A wallet's redemption rule, as the file writes it (config/redemption_section.cpp).
void redeem_settings(const Program& p, const rules::RedeemRule& r,
                     std::map<std::string, std::string>& out) {
  std::string at = "wallets." + r.wallet + ".redeem.";
  out[at + "enabled"] = r.enabled ? "true" : "false";
  out[at + "unit_value"] = unit_value_text(p, r);
  out[at + "min_order"] = format_major_units(r.min_order, p.minor_digits);
  out[at + "max_amount"] = format_major_units(r.max_amount, p.minor_digits);
  out[at + "max_percent"] = percent_text(r.max_percent_bp);
  out[at + "step"] = std::to_string(r.step);
  out[at + "tiers"] = list_text(r.tiers);
  out[at + "exclude_categories"] = list_text(r.exclude_categories);
  out[at + "exclude_brands"] = list_text(r.exclude_brands);
  out[at + "exclude_skus"] = list_text(r.exclude_skus);
  out[at + "pays_shipping"] = r.pays_shipping ? "true" : "false";
  out[at + "with_coupons"] = r.with_coupons ? "true" : "false";
}

// A catalog item, as the file writes it (config/catalog_section.cpp); every
// field, so that any change to an item is a change of the program.
void catalog_settings(const Program& p, const rules::CatalogItem& item,
                      std::map<std::string, std::string>& out) {
  const std::string at = "catalog." + item.id + ".";
  out[at + "name"] = item.name;
  out[at + "wallet"] = item.wallet;
  out[at + "price"] = format_major_units(item.price, wallet_digits(p, item.wallet));
  out[at + "kind"] = std::string(rules::to_string(item.kind));
  switch (item.kind) {
    case rules::CatalogItem::Kind::kCoupon:
      coupon_offer_settings(p, at + "coupon.", item.coupon, out);
      break;
    case rules::CatalogItem::Kind::kGift:
      out[at + "sku"] = item.sku;
      break;
    case rules::CatalogItem::Kind::kCredit:
      out[at + "credit.wallet"] = item.credit_wallet;
      out[at + "credit.amount"] =
          format_major_units(item.credit_amount, wallet_digits(p, item.credit_wallet));
      if (item.credit_expires) out[at + "credit.expires"] = ledger::to_string(*item.credit_expires);
      break;
  }
  if (item.stock > 0) out[at + "stock"] = std::to_string(item.stock);
  for (auto [key, value] : {std::pair{"limit.per_day", item.limits.per_day},
                            std::pair{"limit.per_month", item.limits.per_month},
                            std::pair{"limit.per_year", item.limits.per_year},
                            std::pair{"limit.lifetime", item.limits.lifetime}}) {
    if (value > 0) out[at + key] = std::to_string(value);
  }
  if (!item.tiers.empty()) out[at + "tiers"] = list_text(item.tiers);
  if (item.starts_at) out[at + "starts"] = format_instant(*item.starts_at);
  if (item.ends_at) out[at + "ends"] = format_instant(*item.ends_at);
  out[at + "enabled"] = item.enabled ? "true" : "false";
}

}  // namespace

Program default_program() {
  Program p;
  p.id = kDefaultProgram;
  p.currency = "TWD";
  p.minor_digits = 0;
  p.time_zone = "Asia/Taipei";
  p.wallets = {ledger::default_credit_policy(nullptr), ledger::default_points_policy(nullptr)};
  return p;
}

Result<const date::time_zone*> resolve_zone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInvalidArgument, "time_zone", "unknown time zone '" + name + "'");
  }
}

Result<const ledger::WalletPolicy*> ResolvedProgram::wallet(const std::string& name) const {
  auto it = wallets.find(name);
  if (it == wallets.end()) {
    std::string known;
    for (const auto& [n, w] : wallets) known += (known.empty() ? "" : ", ") + n;
    return fail(ErrorCode::kNotFound, "wallet",
                "program " + program.id + " has no wallet '" + name + "' (wallets: " + known + ")");
  }
  return &it->second;
}

Result<Programs> Programs::load(Store& store) {
  auto list = store.programs();
  if (!list) return std::unexpected(list.error());
  if (list->empty()) {
    if (auto r = store.begin(); !r) return std::unexpected(r.error());
    if (auto r = store.put_program(default_program()); !r) {
      store.rollback();
      return std::unexpected(r.error());
    }
    if (auto r = store.commit(); !r) return std::unexpected(r.error());
    list = store.programs();
    if (!list) return std::unexpected(list.error());
  }
  return resolve(std::move(*list));
}

Programs Programs::resolve(std::vector<Program> list) {
  Programs out;
  for (Program& p : list) {
    auto zone = resolve_zone(p.time_zone);
    if (!zone) {
      out.unresolved_[p.id] = zone.error().message;
      continue;
    }
    ResolvedProgram resolved;
    resolved.zone = *zone;
    for (const WalletConfig& c : p.wallets) {
      ledger::WalletPolicy w = c;
      w.zone = *zone;
      resolved.wallets.emplace(c.name, std::move(w));
    }
    resolved.program = std::move(p);
    std::string id = resolved.program.id;
    out.by_id_.emplace(std::move(id), std::move(resolved));
  }
  return out;
}

Result<const ResolvedProgram*> Programs::find(const std::string& id) const {
  auto it = by_id_.find(id);
  if (auto broken = unresolved_.find(id); broken != unresolved_.end()) {
    return fail(ErrorCode::kFailedPrecondition, "program",
                "program '" + id + "' cannot be used by this process: " + broken->second +
                    " (restart patron after a tz database update)");
  }
  if (it == by_id_.end()) {
    return fail(ErrorCode::kNotFound, "program", "no program '" + id + "'");
  }
  return &it->second;
}

namespace {

// "a, b"; `empty` when there are none.
std::string joined(const std::vector<std::string>& items, const char* empty = "none") {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? empty : out;
}

void messages_settings(const rules::Messages& m, std::map<std::string, std::string>& out) {
  if (!m.enabled) {
    out["messages"] = "off";
    return;
  }
  out["messages"] = "on";
  out["messages.locale"] = m.locale;
  out["messages.channels"] = joined(m.channels);
  out["messages.quiet_hours"] = m.quiet_hours() ? rules::quiet_hours_text(m) : "none";
  out["messages.max_per_day"] = std::to_string(m.max_per_day);
  out["messages.max_per_week"] = std::to_string(m.max_per_week);
  out["messages.skip"] = joined(m.skip);
  for (const auto& [type, by_locale] : m.templates) {
    for (const auto& [locale, tpl] : by_locale) {
      const std::string at = "messages.templates." + type + "." + locale;
      out[at + ".subject"] = tpl.subject;
      out[at + ".body"] = tpl.body;
    }
  }
}

// [replenishment]: every field, or "none" when the program has none.
void replenishment_settings(const Program& p, std::map<std::string, std::string>& out) {
  if (!p.rules.replenishment) {
    out["replenishment"] = "none";
    return;
  }
  const rules::Replenishment& r = *p.rules.replenishment;
  out["replenishment.lead_days"] = std::to_string(r.lead_days);
  out["replenishment.late_days"] = std::to_string(r.late_days);
  out["replenishment.min_interval_days"] = std::to_string(r.min_interval_days);
  out["replenishment.categories"] = joined(r.categories, "any");
  out["replenishment.skus"] = joined(r.skus, "any");
}

}  // namespace

std::map<std::string, std::string> program_settings(const Program& p) {
  std::map<std::string, std::string> out;
  out["program.currency"] = p.currency;
  out["program.minor_digits"] = std::to_string(p.minor_digits);
  out["program.time_zone"] = p.time_zone;
  for (const WalletConfig& w : p.wallets) {
    std::string at = "wallets." + w.name + ".";
    out[at + "unit"] = w.unit;
    out[at + "minor_digits"] = std::to_string(w.minor_digits);
    out[at + "default_expiry"] = ledger::to_string(w.default_expiry);
    out[at + "hold_ttl_s"] = std::to_string(w.hold_ttl_s);
    out[at + "debt_policy"] = std::string(ledger::to_string(w.debt));
    out[at + "restore_policy"] = std::string(ledger::to_string(w.restore));
    out[at + "restored_lot_expiry"] = ledger::to_string(w.restored_lot_expiry);
    for (const auto& [source, rule] : w.expiry_by_source) {
      out[at + "expiry_by_source." + source] = ledger::to_string(rule);
    }
  }
  for (const rules::RedeemRule& r : p.rules.redeem) redeem_settings(p, r, out);
  out["earning.earn_on"] = rules::to_string(p.rules.earn_on);
  out["earning.return_window_days"] = std::to_string(p.rules.return_window_days);
  std::string expiry_days;
  for (int64_t d : p.rules.reminders.expiry_days) {
    expiry_days += (expiry_days.empty() ? "" : ", ") + std::to_string(d);
  }
  out["reminders.expiry_days"] = expiry_days.empty() ? "none" : expiry_days;
  messages_settings(p.rules.messages, out);
  if (p.rules.carts.enabled) {
    out["carts.remind_after_hours"] = std::to_string(p.rules.carts.remind_after_hours);
    out["carts.ignore_after_hours"] = std::to_string(p.rules.carts.ignore_after_hours);
    out["carts.min_total"] = format_major_units(p.rules.carts.min_total, p.minor_digits);
  } else {
    out["carts"] = "off";
  }
  out["new_products.lookback_days"] =
      p.rules.new_products.enabled ? std::to_string(p.rules.new_products.lookback_days) : "off";
  replenishment_settings(p, out);
  for (const rules::EarnRule& rule : p.rules.earn) rule_settings(p, rule, out);
  for (const rules::MemberDay& day : p.rules.member_days) member_day_settings(day, out);
  if (p.rules.tiers.enabled()) tier_settings(p, out);
  for (const rules::Reward& r : p.rules.rewards) reward_settings(p, r, out);
  if (p.rules.referrals.enabled()) referral_settings(p, out);
  for (const rules::Campaign& c : p.rules.campaigns) campaign_settings(p, c, out);
  for (const rules::CatalogItem& item : p.rules.catalog) catalog_settings(p, item, out);
  return out;
}

std::vector<SettingChange> setting_changes(const Program& before, const Program& after) {
  auto a = program_settings(before);
  auto b = program_settings(after);
  std::vector<SettingChange> out;
  for (const auto& [key, value] : a) {
    auto it = b.find(key);
    if (it == b.end()) {
      out.push_back({key, value, std::nullopt});
    } else if (it->second != value) {
      out.push_back({key, value, it->second});
    }
  }
  for (const auto& [key, value] : b) {
    if (!a.count(key)) out.push_back({key, std::nullopt, value});
  }
  std::sort(out.begin(), out.end(),
            [](const SettingChange& x, const SettingChange& y) { return x.key < y.key; });
  return out;
}

}  // namespace patron::app
