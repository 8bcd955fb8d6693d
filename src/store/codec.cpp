#include "store/codec.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <optional>

#include "core/assert.h"
#include "core/limits.h"
#include "core/text.h"

namespace patron::store {

namespace json = boost::json;

namespace {

std::unexpected<Error> corrupt(std::string_view what, std::string_view text) {
  return fail(
      ErrorCode::kCorruption, "",
      "cannot decode " + std::string(what) + ": '" + std::string(text.substr(0, 200)) + "'");
}

Result<json::value> parse(std::string_view text, std::string_view what) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return corrupt(what, text);
  return v;
}

json::array strings(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& s : items) out.emplace_back(s);
  return out;
}

bool read_strings(const json::object& o, const char* key, std::vector<std::string>& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return true;
  if (!v->is_array()) return false;
  for (const auto& item : v->as_array()) {
    if (!item.is_string()) return false;
    out.emplace_back(item.as_string());
  }
  return true;
}

bool read_int(const json::object& o, const char* key, int64_t& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_int64()) return false;
  out = v->as_int64();
  return true;
}

bool read_string(const json::object& o, const char* key, std::string& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return true;
  if (!v->is_string()) return false;
  out = std::string(v->as_string());
  return true;
}

// Reads the optional keys of one JSON object into fields that keep their
// defaults when a key is missing; any present key of the wrong type (or an
// int out of range) clears ok.
class Fields {
 public:
  explicit Fields(const json::object& o) : o_(o) {}
  bool ok() const { return ok_; }

  Fields& text(const char* key, std::string& out) {
    ok_ = ok_ && read_string(o_, key, out);
    return *this;
  }
  Fields& texts(const char* key, std::vector<std::string>& out) {
    ok_ = ok_ && read_strings(o_, key, out);
    return *this;
  }
  Fields& integer(const char* key, int64_t& out) {
    if (o_.contains(key)) ok_ = ok_ && read_int(o_, key, out);
    return *this;
  }
  Fields& integer(const char* key, int& out) {
    int64_t wide = out;
    integer(key, wide);
    if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
      ok_ = false;
    } else {
      out = static_cast<int>(wide);
    }
    return *this;
  }
  Fields& flag(const char* key, bool& out) {
    const json::value* v = o_.if_contains(key);
    if (v == nullptr) return *this;
    if (!v->is_bool()) {
      ok_ = false;
    } else {
      out = v->as_bool();
    }
    return *this;
  }
  // The object or array under `key`, or null when missing; a value of
  // another kind clears ok.
  const json::object* object(const char* key) {
    const json::value* v = o_.if_contains(key);
    if (v == nullptr) return nullptr;
    if (!v->is_object()) ok_ = false;
    return v->if_object();
  }
  const json::array* array(const char* key) {
    const json::value* v = o_.if_contains(key);
    if (v == nullptr) return nullptr;
    if (!v->is_array()) ok_ = false;
    return v->if_array();
  }
  void fail() { ok_ = false; }

 private:
  const json::object& o_;
  bool ok_ = true;
};

// Decodes every element of `items` (objects) with `read`; false on the first
// element that is not an object or does not decode.
template <class T, class Read>
bool read_each(const json::array* items, std::vector<T>& out, Read read) {
  if (items == nullptr) return true;
  for (const auto& item : *items) {
    if (!item.is_object()) return false;
    T value;
    if (!read(item.as_object(), value)) return false;
    out.push_back(std::move(value));
  }
  return true;
}

const char* to_string(rules::Rate::Kind kind) {
  return kind == rules::Rate::Kind::kSteps ? "steps" : "percent";
}

json::object encode_rate(const rules::Rate& r) {
  return json::object{
      {"kind", to_string(r.kind)}, {"bp", r.bp}, {"every", r.every}, {"get", r.get}};
}

bool decode_rate(const json::object& o, rules::Rate& r) {
  std::string kind = to_string(r.kind);
  Fields f(o);
  f.text("kind", kind).integer("bp", r.bp).integer("every", r.every).integer("get", r.get);
  if (kind == "percent") {
    r.kind = rules::Rate::Kind::kPercent;
  } else if (kind == "steps") {
    r.kind = rules::Rate::Kind::kSteps;
  } else {
    f.fail();
  }
  return f.ok();
}

bool decode_nested_rate(Fields& f, rules::Rate& r) {
  const json::object* o = f.object("rate");
  return f.ok() && (o == nullptr || decode_rate(*o, r));
}

json::object encode_member_caps(const rules::MemberCaps& c) {
  return json::object{{"per_day", c.per_day}, {"per_month", c.per_month}, {"per_year", c.per_year}};
}

json::object encode_budget(const rules::Budget& b) {
  return json::object{{"value", b.value}, {"count", b.count}};
}

// Both are absent from rules stored before they existed: all 0, no limit.
bool decode_member_caps(Fields& f, rules::MemberCaps& c) {
  const json::object* o = f.object("member_caps");
  if (!f.ok() || o == nullptr) return f.ok();
  Fields cf(*o);
  cf.integer("per_day", c.per_day)
      .integer("per_month", c.per_month)
      .integer("per_year", c.per_year);
  return cf.ok();
}

bool decode_budget(Fields& f, rules::Budget& b) {
  const json::object* o = f.object("budget");
  if (!f.ok() || o == nullptr) return f.ok();
  Fields bf(*o);
  bf.integer("value", b.value).integer("count", b.count);
  return bf.ok();
}

json::object encode_earn_rule(const rules::EarnRule& e) {
  json::array tier_rates;
  for (const auto& t : e.tier_rates) {
    tier_rates.emplace_back(json::object{{"tier", t.tier}, {"rate", encode_rate(t.rate)}});
  }
  json::array multipliers;
  for (const auto& m : e.multipliers) {
    multipliers.emplace_back(json::object{
        {"category", m.category}, {"brand", m.brand}, {"sku", m.sku}, {"factor_bp", m.factor_bp}});
  }
  json::object base{{"include_shipping", e.base.include_shipping},
                    {"exclude_paid_with_value", e.base.exclude_paid_with_value},
                    {"exclude_categories", strings(e.base.exclude_categories)},
                    {"exclude_brands", strings(e.base.exclude_brands)},
                    {"exclude_skus", strings(e.base.exclude_skus)}};
  return json::object{{"id", e.id},
                      {"wallet", e.wallet},
                      {"source", e.source},
                      {"rate", encode_rate(e.rate)},
                      {"tier_rates", std::move(tier_rates)},
                      {"base", std::move(base)},
                      {"multipliers", std::move(multipliers)},
                      {"min_base", e.min_base},
                      {"per_order_max", e.per_order_max},
                      {"member_days", e.member_days},
                      {"member_caps", encode_member_caps(e.member_caps)},
                      {"budget", encode_budget(e.budget)}};
}

bool decode_earn_base(const json::object& o, rules::EarnBase& b) {
  Fields f(o);
  f.flag("include_shipping", b.include_shipping)
      .flag("exclude_paid_with_value", b.exclude_paid_with_value)
      .texts("exclude_categories", b.exclude_categories)
      .texts("exclude_brands", b.exclude_brands)
      .texts("exclude_skus", b.exclude_skus);
  return f.ok();
}

bool decode_earn_rule(const json::object& o, rules::EarnRule& e) {
  Fields f(o);
  f.text("id", e.id)
      .text("wallet", e.wallet)
      .text("source", e.source)
      .integer("min_base", e.min_base)
      .integer("per_order_max", e.per_order_max)
      .flag("member_days", e.member_days);
  if (!decode_nested_rate(f, e.rate) || !decode_member_caps(f, e.member_caps) ||
      !decode_budget(f, e.budget)) {
    return false;
  }
  const json::object* base = f.object("base");
  if (!f.ok() || (base != nullptr && !decode_earn_base(*base, e.base))) return false;
  const json::array* tier_rates = f.array("tier_rates");
  const json::array* multipliers = f.array("multipliers");
  return f.ok() &&
         read_each(tier_rates, e.tier_rates,
                   [](const json::object& item, rules::TierRate& t) {
                     Fields tf(item);
                     tf.text("tier", t.tier);
                     return decode_nested_rate(tf, t.rate);
                   }) &&
         read_each(multipliers, e.multipliers, [](const json::object& item, rules::Multiplier& m) {
           Fields mf(item);
           mf.text("category", m.category)
               .text("brand", m.brand)
               .text("sku", m.sku)
               .integer("factor_bp", m.factor_bp);
           return mf.ok();
         });
}

json::object encode_member_day(const rules::MemberDay& d) {
  return json::object{{"id", d.id},
                      {"day_of_month", d.day_of_month},
                      {"weekday", d.weekday},
                      {"multiplier_bp", d.multiplier_bp},
                      {"tiers", strings(d.tiers)}};
}

bool decode_member_day(const json::object& o, rules::MemberDay& d) {
  Fields f(o);
  f.text("id", d.id)
      .integer("day_of_month", d.day_of_month)
      .integer("weekday", d.weekday)
      .integer("multiplier_bp", d.multiplier_bp)
      .texts("tiers", d.tiers);
  return f.ok();
}

// Tier enums as stored: the names docs/config.md uses.
const char* to_string(rules::Tiers::Basis b) {
  return b == rules::Tiers::Basis::kOrderCount ? "order_count" : "paid_spend";
}
const char* to_string(rules::Tiers::CountOn c) {
  return c == rules::Tiers::CountOn::kCompleted ? "completed" : "paid";
}
const char* to_string(rules::Tiers::Window w) {
  switch (w) {
    case rules::Tiers::Window::kLifetime:
      return "lifetime";
    case rules::Tiers::Window::kCalendarYear:
      return "calendar_year";
    case rules::Tiers::Window::kRollingMonths:
      return "rolling_months";
    case rules::Tiers::Window::kSinceTierStart:
      return "since_tier_start";
  }
  return "rolling_months";
}
const char* to_string(rules::Tiers::Downgrade d) {
  return d == rules::Tiers::Downgrade::kToQualifying ? "to_qualifying" : "one_step";
}

// Reward enums as stored: the names docs/config.md uses (rules::to_string
// for `on`).
const char* to_string(rules::BirthdayOn b) {
  return b == rules::BirthdayOn::kDay ? "day" : "month_start";
}
const char* to_string(rules::Feb29 f) {
  return f == rules::Feb29::kMar1 ? "mar1" : "feb28";
}

// Sets `out` to the enum value whose name is `text`; false when none is.
template <class E>
bool parse_enum(std::string_view text, std::initializer_list<E> values, E& out) {
  for (E v : values) {
    if (text == to_string(v)) {
      out = v;
      return true;
    }
  }
  return false;
}

json::object encode_tiers(const rules::Tiers& t) {
  json::array levels;
  for (const auto& l : t.levels) {
    // A paid-only level's entry (and retain) is rules::kPaidOnlyEntry,
    // INT64_MAX: a JSON integer that Boost.JSON reads back as int64.
    levels.emplace_back(json::object{{"id", l.id},
                                     {"name", l.name},
                                     {"entry", l.entry},
                                     {"retain", l.retain},
                                     {"membership_sku", l.membership_sku},
                                     {"membership_months", l.membership_months}});
  }
  return json::object{{"basis", to_string(t.basis)},      {"count_on", to_string(t.count_on)},
                      {"window", to_string(t.window)},    {"window_months", t.window_months},
                      {"period_months", t.period_months}, {"downgrade", to_string(t.downgrade)},
                      {"warn_days", t.warn_days},         {"levels", std::move(levels)}};
}

bool decode_tiers(const json::object& o, rules::Tiers& t) {
  using T = rules::Tiers;
  std::string basis = to_string(t.basis);
  std::string count_on = to_string(t.count_on);
  std::string window = to_string(t.window);
  std::string downgrade = to_string(t.downgrade);
  Fields f(o);
  f.text("basis", basis)
      .text("count_on", count_on)
      .text("window", window)
      .integer("window_months", t.window_months)
      .integer("period_months", t.period_months)
      .text("downgrade", downgrade)
      .integer("warn_days", t.warn_days);
  if (!parse_enum(basis, {T::Basis::kPaidSpend, T::Basis::kOrderCount}, t.basis) ||
      !parse_enum(count_on, {T::CountOn::kPaid, T::CountOn::kCompleted}, t.count_on) ||
      !parse_enum(window,
                  {T::Window::kLifetime, T::Window::kCalendarYear, T::Window::kRollingMonths,
                   T::Window::kSinceTierStart},
                  t.window) ||
      !parse_enum(downgrade, {T::Downgrade::kOneStep, T::Downgrade::kToQualifying}, t.downgrade)) {
    f.fail();
  }
  const json::array* levels = f.array("levels");
  return f.ok() && read_each(levels, t.levels, [](const json::object& item, rules::TierLevel& l) {
           Fields lf(item);
           lf.text("id", l.id)
               .text("name", l.name)
               .integer("entry", l.entry)
               .integer("retain", l.retain)
               .text("membership_sku", l.membership_sku)
               .integer("membership_months", l.membership_months);
           return lf.ok();
         });
}

constexpr std::string_view kCouponKinds[] = {"fixed", "percent", "free_shipping"};

json::object coupon_terms_object(const rules::CouponTerms& t) {
  json::object o{{"kind", kCouponKinds[static_cast<std::size_t>(t.kind)]},
                 {"amount", t.amount},
                 {"percent_bp", t.percent_bp},
                 {"max_discount", t.max_discount},
                 {"min_spend", t.min_spend},
                 {"categories", strings(t.categories)},
                 {"brands", strings(t.brands)},
                 {"skus", strings(t.skus)},
                 {"limit_total", t.limit_total},
                 {"limit_per_member", t.limit_per_member},
                 {"stackable", t.stackable},
                 {"enabled", t.enabled}};
  if (t.starts_at) o["starts_at"] = to_unix_seconds(*t.starts_at);
  if (t.ends_at) o["ends_at"] = to_unix_seconds(*t.ends_at);
  return o;
}

bool read_coupon_terms(const json::object& o, rules::CouponTerms& t) {
  Fields f(o);
  std::string kind;
  int64_t starts = 0;
  int64_t ends = 0;
  f.text("kind", kind)
      .integer("amount", t.amount)
      .integer("percent_bp", t.percent_bp)
      .integer("max_discount", t.max_discount)
      .integer("min_spend", t.min_spend)
      .texts("categories", t.categories)
      .texts("brands", t.brands)
      .texts("skus", t.skus)
      .integer("limit_total", t.limit_total)
      .integer("limit_per_member", t.limit_per_member)
      .flag("stackable", t.stackable)
      .flag("enabled", t.enabled)
      .integer("starts_at", starts)
      .integer("ends_at", ends);
  auto k = std::find(std::begin(kCouponKinds), std::end(kCouponKinds), kind);
  if (!f.ok() || k == std::end(kCouponKinds)) return false;
  t.kind = static_cast<rules::CouponTerms::Kind>(k - std::begin(kCouponKinds));
  if (o.contains("starts_at")) t.starts_at = from_unix_seconds(starts);
  if (o.contains("ends_at")) t.ends_at = from_unix_seconds(ends);
  return true;
}

json::object encode_limits(const rules::RewardLimits& l) {
  return json::object{{"per_day", l.per_day},
                      {"per_month", l.per_month},
                      {"per_year", l.per_year},
                      {"lifetime", l.lifetime}};
}

bool decode_limits(const json::object& o, rules::RewardLimits& l) {
  Fields f(o);
  f.integer("per_day", l.per_day)
      .integer("per_month", l.per_month)
      .integer("per_year", l.per_year)
      .integer("lifetime", l.lifetime);
  return f.ok();
}

json::object encode_reward(const rules::Reward& r) {
  json::array tier_amounts;
  for (const auto& t : r.tier_amounts) {
    tier_amounts.emplace_back(json::object{{"tier", t.tier}, {"amount", t.amount}});
  }
  json::object o{{"id", r.id},
                 {"on", rules::to_string(r.on)},
                 {"event", r.event},
                 {"wallet", r.wallet},
                 {"source", r.source},
                 {"amount", r.amount},
                 {"tier_amounts", std::move(tier_amounts)},
                 {"tiers", strings(r.tiers)},
                 {"limits", encode_limits(r.limits)},
                 {"budget", encode_budget(r.budget)},
                 {"birthday_on", to_string(r.birthday_on)},
                 {"feb29", to_string(r.feb29)},
                 {"grace_days", r.grace_days},
                 {"inactive_days", r.inactive_days},
                 {"churn_above_bp", r.churn_above_bp}};
  // Absent: the wallet's rule for the reward's source applies.
  if (r.expires) o["expires"] = ledger::to_string(*r.expires);
  // Absent: the reward gives value.
  if (r.coupon) {
    o["coupon"] = coupon_terms_object(r.coupon->terms);
    o["coupon_valid_days"] = r.coupon->valid_days;
  }
  return o;
}

bool decode_reward(const json::object& o, rules::Reward& r) {
  std::string on(rules::to_string(r.on));
  std::string birthday_on = to_string(r.birthday_on);
  std::string feb29 = to_string(r.feb29);
  Fields f(o);
  f.text("id", r.id)
      .text("on", on)
      .text("event", r.event)
      .text("wallet", r.wallet)
      .text("source", r.source)
      .integer("amount", r.amount)
      .texts("tiers", r.tiers)
      .text("birthday_on", birthday_on)
      .text("feb29", feb29)
      .integer("grace_days", r.grace_days);
  // Programs stored before win-back rewards existed have none.
  if (const json::value* v = o.if_contains("inactive_days")) {
    if (!v->is_int64()) return false;
    r.inactive_days = v->as_int64();
  }
  if (const json::value* v = o.if_contains("churn_above_bp")) {
    if (!v->is_int64() || v->as_int64() < 0 || v->as_int64() > 9999) return false;
    r.churn_above_bp = v->as_int64();
  }
  if (const json::value* v = o.if_contains("expires")) {
    if (!v->is_string()) return false;
    auto rule = ledger::parse_expiry_rule(std::string_view(v->as_string()), "expires");
    if (!rule) return false;
    r.expires = *rule;
  }
  if (const json::value* v = o.if_contains("coupon")) {
    rules::CouponOffer offer;
    const json::value* days = o.if_contains("coupon_valid_days");
    if (!v->is_object() || !read_coupon_terms(v->as_object(), offer.terms) || days == nullptr ||
        !days->is_int64()) {
      return false;
    }
    offer.valid_days = days->as_int64();
    r.coupon = std::move(offer);
  }
  auto trigger = rules::parse_reward_on(on);
  if (!trigger) return false;
  r.on = *trigger;
  if (!parse_enum(birthday_on, {rules::BirthdayOn::kMonthStart, rules::BirthdayOn::kDay},
                  r.birthday_on) ||
      !parse_enum(feb29, {rules::Feb29::kFeb28, rules::Feb29::kMar1}, r.feb29) ||
      !decode_budget(f, r.budget)) {
    return false;
  }
  const json::object* limits = f.object("limits");
  if (!f.ok()) return false;
  if (limits != nullptr && !decode_limits(*limits, r.limits)) return false;
  const json::array* tier_amounts = f.array("tier_amounts");
  return f.ok() && read_each(tier_amounts, r.tier_amounts,
                             [](const json::object& item, rules::TierAmount& t) {
                               Fields tf(item);
                               tf.text("tier", t.tier).integer("amount", t.amount);
                               return tf.ok();
                             });
}

json::object encode_referrals(const rules::ReferralRules& r) {
  json::object o{{"wallet", r.wallet},
                 {"referrer_amount", r.referrer_amount},
                 {"referee_amount", r.referee_amount},
                 {"source", r.source},
                 {"min_order", r.min_order},
                 {"review_over_per_month", r.review_over_per_month},
                 {"review_over_per_year", r.review_over_per_year},
                 {"review_same_contact", r.review_same_contact}};
  // Absent: the wallet's rule for the referral source applies.
  if (r.expires) o["expires"] = ledger::to_string(*r.expires);
  return o;
}

// Absent from rules stored before referrals existed: the defaults (no wallet,
// disabled).
bool decode_referrals(const json::object& o, rules::ReferralRules& r) {
  Fields f(o);
  f.text("wallet", r.wallet)
      .integer("referrer_amount", r.referrer_amount)
      .integer("referee_amount", r.referee_amount)
      .text("source", r.source)
      .integer("min_order", r.min_order)
      .integer("review_over_per_month", r.review_over_per_month)
      .integer("review_over_per_year", r.review_over_per_year)
      .flag("review_same_contact", r.review_same_contact);
  if (const json::value* v = o.if_contains("expires")) {
    if (!v->is_string()) return false;
    auto rule = ledger::parse_expiry_rule(std::string_view(v->as_string()), "expires");
    if (!rule) return false;
    r.expires = *rule;
  }
  return f.ok();
}

json::object encode_redeem(const rules::RedeemRule& r) {
  return json::object{{"wallet", r.wallet},
                      {"enabled", r.enabled},
                      {"value_num", r.value_num},
                      {"value_den", r.value_den},
                      {"min_order", r.min_order},
                      {"max_amount", r.max_amount},
                      {"max_percent_bp", r.max_percent_bp},
                      {"step", r.step},
                      {"tiers", strings(r.tiers)},
                      {"exclude_categories", strings(r.exclude_categories)},
                      {"exclude_brands", strings(r.exclude_brands)},
                      {"exclude_skus", strings(r.exclude_skus)},
                      {"pays_shipping", r.pays_shipping},
                      {"with_coupons", r.with_coupons}};
}

bool decode_redeem(const json::object& o, rules::RedeemRule& r) {
  Fields f(o);
  f.text("wallet", r.wallet)
      .flag("enabled", r.enabled)
      .integer("value_num", r.value_num)
      .integer("value_den", r.value_den)
      .integer("min_order", r.min_order)
      .integer("max_amount", r.max_amount)
      .integer("max_percent_bp", r.max_percent_bp)
      .integer("step", r.step)
      .texts("tiers", r.tiers)
      .texts("exclude_categories", r.exclude_categories)
      .texts("exclude_brands", r.exclude_brands)
      .texts("exclude_skus", r.exclude_skus)
      .flag("pays_shipping", r.pays_shipping)
      .flag("with_coupons", r.with_coupons);
  return f.ok() && r.value_num > 0 && r.value_den > 0 && r.step > 0;
}

json::array ints(const std::vector<int>& items) {
  json::array out;
  for (int i : items) out.emplace_back(i);
  return out;
}

// An array of ints; false when it is not one (or an element is not an int).
bool read_ints(const json::object& o, const char* key, std::vector<int>& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return true;
  if (!v->is_array()) return false;
  for (const auto& item : v->as_array()) {
    if (!item.is_int64() || item.as_int64() < std::numeric_limits<int>::min() ||
        item.as_int64() > std::numeric_limits<int>::max()) {
      return false;
    }
    out.push_back(static_cast<int>(item.as_int64()));
  }
  return true;
}

// An optional instant as unix seconds; absent: nullopt.
bool read_instant(const json::object& o, const char* key, std::optional<Instant>& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return true;
  if (!v->is_int64()) return false;
  out = from_unix_seconds(v->as_int64());
  return true;
}

json::object encode_campaign(const rules::Campaign& c) {
  json::object o{{"id", c.id},
                 {"name", c.name},
                 {"days_of_month", ints(c.days_of_month)},
                 {"weekdays", ints(c.weekdays)},
                 {"start_minute", c.start_minute},
                 {"end_minute", c.end_minute},
                 {"tiers", strings(c.tiers)},
                 {"tags", strings(c.tags)},
                 {"min_purchases", c.min_purchases},
                 {"max_purchases", c.max_purchases},
                 {"min_order_value", c.min_order_value},
                 {"holdout_bp", c.holdout_bp},
                 {"multiplier_bp", c.multiplier_bp},
                 {"rules", strings(c.rules)},
                 {"exclusive", c.exclusive},
                 {"wallet", c.wallet},
                 {"bonus", c.bonus},
                 {"source", c.source},
                 {"budget", encode_budget(c.budget)}};
  // Absent: an open end of the window; the wallet's rule for the source.
  if (c.starts) o["starts"] = to_unix_seconds(*c.starts);
  if (c.ends) o["ends"] = to_unix_seconds(*c.ends);
  if (c.expires) o["expires"] = ledger::to_string(*c.expires);
  if (c.even_pacing) o["pacing"] = "even";  // absent: none (programs stored before pacing)
  return o;
}

bool decode_campaign(const json::object& o, rules::Campaign& c) {
  Fields f(o);
  f.text("id", c.id)
      .text("name", c.name)
      .integer("start_minute", c.start_minute)
      .integer("end_minute", c.end_minute)
      .texts("tiers", c.tiers)
      .texts("tags", c.tags)
      .integer("min_purchases", c.min_purchases)
      .integer("max_purchases", c.max_purchases)
      .integer("min_order_value", c.min_order_value)
      .integer("holdout_bp", c.holdout_bp)
      .integer("multiplier_bp", c.multiplier_bp)
      .texts("rules", c.rules)
      .flag("exclusive", c.exclusive)
      .text("wallet", c.wallet)
      .integer("bonus", c.bonus)
      .text("source", c.source);
  if (!read_ints(o, "days_of_month", c.days_of_month) || !read_ints(o, "weekdays", c.weekdays) ||
      !read_instant(o, "starts", c.starts) || !read_instant(o, "ends", c.ends)) {
    return false;
  }
  if (const json::value* v = o.if_contains("expires")) {
    if (!v->is_string()) return false;
    auto rule = ledger::parse_expiry_rule(std::string_view(v->as_string()), "expires");
    if (!rule) return false;
    c.expires = *rule;
  }
  if (const json::value* v = o.if_contains("pacing")) {
    if (!v->is_string() || v->as_string() != "even") return false;
    c.even_pacing = true;
  }
  return f.ok() && decode_budget(f, c.budget);
}

std::optional<rules::EarnTrigger> parse_earn_trigger(std::string_view text) {
  for (auto t : {rules::EarnTrigger::kPaid, rules::EarnTrigger::kFulfilled,
                 rules::EarnTrigger::kCompleted}) {
    if (text == rules::to_string(t)) return t;
  }
  return std::nullopt;
}

// Writes JSON into a buffer sized for the worst case first, so that no
// token checks capacity: the encoders of order bodies and line shares (every
// order and every lot a command writes) spent most of their time in
// std::string's append and push_back.
class JsonWriter {
 public:
  // The most bytes a string takes written: every byte escaped as \u00XX.
  static std::size_t string_bound(std::string_view text) { return 6 * text.size() + 2; }
  static constexpr std::size_t kIntBound = 20;  // INT64_MIN is 20 characters

  explicit JsonWriter(std::size_t bound) : out_(bound, '\0'), p_(out_.data()) {}

  JsonWriter& raw(std::string_view text) {
    std::memcpy(p_, text.data(), text.size());
    p_ += text.size();
    return *this;
  }
  JsonWriter& ch(char c) {
    *p_++ = c;
    return *this;
  }
  JsonWriter& integer(int64_t v) {
    p_ = std::to_chars(p_, p_ + kIntBound, v).ptr;
    return *this;
  }
  // `text` as a JSON string (RFC 8259 escapes; UTF-8 passes through).
  JsonWriter& string(std::string_view text) {
    *p_++ = '"';
    for (char c : text) {
      auto u = static_cast<unsigned char>(c);
      if (u == '"' || u == '\\') {
        *p_++ = '\\';
        *p_++ = c;
      } else if (u < 0x20) {
        static constexpr char kHex[] = "0123456789abcdef";
        const char escape[] = {'\\', 'u', '0', '0', kHex[u >> 4], kHex[u & 15]};
        raw(std::string_view(escape, sizeof escape));
      } else {
        *p_++ = c;
      }
    }
    *p_++ = '"';
    return *this;
  }
  std::string take() && {
    // The bound is computed from what is written: past it is a bug here.
    PATRON_ASSERT(p_ <= out_.data() + out_.size());
    out_.resize(static_cast<std::size_t>(p_ - out_.data()));
    return std::move(out_);
  }

 private:
  std::string out_;
  char* p_;
};

// An order line is stored as a positional array (orders are the bulk of a
// database: 40 bytes a line instead of 160):
//   [line_id, sku, category, brand, quantity, unit_price, discount,
//    paid_with_value, reward, refunded_quantity]
std::size_t order_line_bound(const rules::OrderLine& l) {
  // The brackets, 8 commas, "false," and five integers, then the texts.
  return 2 + 8 + 6 + 5 * JsonWriter::kIntBound + JsonWriter::string_bound(l.line_id) +
         JsonWriter::string_bound(l.sku) + JsonWriter::string_bound(l.category) +
         JsonWriter::string_bound(l.brand);
}

void write_order_line(JsonWriter& out, const rules::OrderLine& l) {
  out.ch('[').string(l.line_id).ch(',').string(l.sku).ch(',').string(l.category).ch(',');
  out.string(l.brand).ch(',').integer(l.quantity).ch(',').integer(l.unit_price).ch(',');
  out.integer(l.discount).ch(',').integer(l.paid_with_value).ch(',');
  out.raw(l.reward ? "true," : "false,").integer(l.refunded_quantity).ch(']');
}

bool decode_order_line(const json::value& v, rules::OrderLine& l) {
  const json::array* a = v.if_array();
  if (a == nullptr || a->size() != 10) return false;
  std::string* texts[] = {&l.line_id, &l.sku, &l.category, &l.brand};
  for (std::size_t i = 0; i < 4; ++i) {
    const json::string* t = (*a)[i].if_string();
    if (t == nullptr) return false;
    texts[i]->assign(t->data(), t->size());
  }
  int64_t* numbers[] = {&l.quantity, &l.unit_price, &l.discount, &l.paid_with_value};
  for (std::size_t i = 0; i < 4; ++i) {
    const int64_t* n = (*a)[4 + i].if_int64();
    if (n == nullptr) return false;
    *numbers[i] = *n;
  }
  const bool* reward = (*a)[8].if_bool();
  const int64_t* refunded = (*a)[9].if_int64();
  if (reward == nullptr || refunded == nullptr) return false;
  l.reward = *reward;
  l.refunded_quantity = *refunded;
  return true;
}

}  // namespace

std::string encode_scope(const ledger::Scope& s) {
  if (s.unrestricted()) return "{}";
  json::object o;
  if (!s.channels.empty()) o["channels"] = strings(s.channels);
  if (!s.categories.empty()) o["categories"] = strings(s.categories);
  if (!s.brands.empty()) o["brands"] = strings(s.brands);
  if (!s.skus.empty()) o["skus"] = strings(s.skus);
  return json::serialize(o);
}

Result<ledger::Scope> decode_scope(std::string_view text) {
  if (text == "{}" || text.empty()) return ledger::Scope{};
  auto v = parse(text, "scope");
  if (!v) return std::unexpected(v.error());
  if (!v->is_object()) return corrupt("scope", text);
  ledger::Scope s;
  const auto& o = v->as_object();
  if (!read_strings(o, "channels", s.channels) || !read_strings(o, "categories", s.categories) ||
      !read_strings(o, "brands", s.brands) || !read_strings(o, "skus", s.skus)) {
    return corrupt("scope", text);
  }
  return s;
}

// Line shares are positional arrays [line_id, amount, clawed] (a long
// order's lot has thousands), written directly. Lots written before
// session 3 hold objects {"line_id", "amount", "clawed"}: both decode.
std::string encode_line_shares(const std::vector<ledger::LineShare>& shares) {
  if (shares.empty()) return "[]";
  std::size_t bound = 2;
  for (const auto& share : shares) {
    bound += 5 + JsonWriter::string_bound(share.line_id) + 2 * JsonWriter::kIntBound;
  }
  JsonWriter out(bound);
  out.ch('[');
  for (std::size_t i = 0; i < shares.size(); ++i) {
    if (i > 0) out.ch(',');
    out.ch('[').string(shares[i].line_id).ch(',').integer(shares[i].amount).ch(',');
    out.integer(shares[i].clawed).ch(']');
  }
  out.ch(']');
  return std::move(out).take();
}

Result<std::vector<ledger::LineShare>> decode_line_shares(std::string_view text) {
  std::vector<ledger::LineShare> out;
  if (text == "[]" || text.empty()) return out;
  auto v = parse(text, "line shares");
  if (!v) return std::unexpected(v.error());
  if (!v->is_array()) return corrupt("line shares", text);
  out.reserve(v->as_array().size());
  for (const auto& item : v->as_array()) {
    ledger::LineShare s;
    if (const json::array* a = item.if_array()) {
      const json::string* id = a->size() == 3 ? (*a)[0].if_string() : nullptr;
      const int64_t* amount = a->size() == 3 ? (*a)[1].if_int64() : nullptr;
      const int64_t* clawed = a->size() == 3 ? (*a)[2].if_int64() : nullptr;
      if (id == nullptr || amount == nullptr || clawed == nullptr) {
        return corrupt("line shares", text);
      }
      s.line_id.assign(id->data(), id->size());
      s.amount = *amount;
      s.clawed = *clawed;
    } else if (const json::object* o = item.if_object()) {
      if (!read_string(*o, "line_id", s.line_id) || !read_int(*o, "amount", s.amount) ||
          !read_int(*o, "clawed", s.clawed)) {
        return corrupt("line shares", text);
      }
    } else {
      return corrupt("line shares", text);
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string encode_allocations(const std::vector<ledger::Allocation>& allocations) {
  if (allocations.empty()) return "[]";
  json::array a;
  for (const auto& x : allocations) {
    json::object o{{"lot_id", x.lot_id}, {"amount", x.amount}};
    if (!x.line_id.empty()) o["line_id"] = x.line_id;
    if (x.restored != 0) o["restored"] = x.restored;
    a.emplace_back(std::move(o));
  }
  return json::serialize(a);
}

Result<std::vector<ledger::Allocation>> decode_allocations(std::string_view text) {
  std::vector<ledger::Allocation> out;
  if (text == "[]" || text.empty()) return out;
  auto v = parse(text, "allocations");
  if (!v) return std::unexpected(v.error());
  if (!v->is_array()) return corrupt("allocations", text);
  for (const auto& item : v->as_array()) {
    if (!item.is_object()) return corrupt("allocations", text);
    const auto& o = item.as_object();
    ledger::Allocation x;
    if (!read_int(o, "lot_id", x.lot_id) || !read_int(o, "amount", x.amount) ||
        !read_string(o, "line_id", x.line_id)) {
      return corrupt("allocations", text);
    }
    if (o.contains("restored") && !read_int(o, "restored", x.restored)) {
      return corrupt("allocations", text);
    }
    out.push_back(std::move(x));
  }
  return out;
}

std::string encode_expiry_map(const std::map<std::string, ledger::ExpiryRule>& rules) {
  json::object o;
  for (const auto& [source, rule] : rules) o[source] = ledger::to_string(rule);
  return json::serialize(o);
}

Result<std::map<std::string, ledger::ExpiryRule>> decode_expiry_map(std::string_view text) {
  std::map<std::string, ledger::ExpiryRule> out;
  auto v = parse(text, "expiry map");
  if (!v) return std::unexpected(v.error());
  if (!v->is_object()) return corrupt("expiry map", text);
  for (const auto& [key, value] : v->as_object()) {
    if (!value.is_string()) return corrupt("expiry map", text);
    auto rule = ledger::parse_expiry_rule(std::string_view(value.as_string()), "expiry");
    if (!rule) return corrupt("expiry map", text);
    out[std::string(key)] = *rule;
  }
  return out;
}

namespace {

constexpr std::string_view kItemKinds[] = {"coupon", "gift", "credit"};

json::object encode_catalog_item(const rules::CatalogItem& c) {
  json::object o{{"id", c.id},
                 {"name", c.name},
                 {"wallet", c.wallet},
                 {"price", c.price},
                 {"kind", kItemKinds[static_cast<std::size_t>(c.kind)]},
                 {"coupon", coupon_terms_object(c.coupon.terms)},
                 {"valid_days", c.coupon.valid_days},
                 {"sku", c.sku},
                 {"credit_wallet", c.credit_wallet},
                 {"credit_amount", c.credit_amount},
                 {"stock", c.stock},
                 {"limits", encode_limits(c.limits)},
                 {"tiers", strings(c.tiers)},
                 {"enabled", c.enabled}};
  if (c.credit_expires) o["credit_expires"] = ledger::to_string(*c.credit_expires);
  if (c.starts_at) o["starts_at"] = to_unix_seconds(*c.starts_at);
  if (c.ends_at) o["ends_at"] = to_unix_seconds(*c.ends_at);
  return o;
}

bool decode_catalog_item(const json::object& o, rules::CatalogItem& c) {
  Fields f(o);
  std::string kind;
  int64_t starts = 0;
  int64_t ends = 0;
  f.text("id", c.id)
      .text("name", c.name)
      .text("wallet", c.wallet)
      .integer("price", c.price)
      .text("kind", kind)
      .integer("valid_days", c.coupon.valid_days)
      .text("sku", c.sku)
      .text("credit_wallet", c.credit_wallet)
      .integer("credit_amount", c.credit_amount)
      .integer("stock", c.stock)
      .texts("tiers", c.tiers)
      .flag("enabled", c.enabled)
      .integer("starts_at", starts)
      .integer("ends_at", ends);
  const json::object* coupon = f.object("coupon");
  const json::object* limits = f.object("limits");
  auto k = std::find(std::begin(kItemKinds), std::end(kItemKinds), kind);
  if (!f.ok() || k == std::end(kItemKinds)) return false;
  c.kind = static_cast<rules::CatalogItem::Kind>(k - std::begin(kItemKinds));
  if (coupon != nullptr && !read_coupon_terms(*coupon, c.coupon.terms)) return false;
  if (limits != nullptr && !decode_limits(*limits, c.limits)) return false;
  if (const json::value* v = o.if_contains("credit_expires")) {
    if (!v->is_string()) return false;
    auto rule = ledger::parse_expiry_rule(std::string_view(v->as_string()), "credit_expires");
    if (!rule) return false;
    c.credit_expires = *rule;
  }
  if (o.contains("starts_at")) c.starts_at = from_unix_seconds(starts);
  if (o.contains("ends_at")) c.ends_at = from_unix_seconds(ends);
  return true;
}

}  // namespace

json::object encode_reminders(const rules::Reminders& r) {
  json::array expiry;
  for (int64_t d : r.expiry_days) expiry.emplace_back(d);
  return json::object{{"expiry_days", std::move(expiry)}};
}

// Programs stored before reminders existed have none.
bool decode_reminders(const json::object& o, rules::Reminders& out) {
  const json::value* v = o.if_contains("expiry_days");
  if (v == nullptr) return true;
  if (!v->is_array()) return false;
  for (const json::value& d : v->as_array()) {
    if (!d.is_int64()) return false;
    out.expiry_days.push_back(d.as_int64());
  }
  return true;
}

namespace {

json::object encode_messages(const rules::Messages& m) {
  json::array channels, skip;
  for (const std::string& c : m.channels) channels.emplace_back(c);
  for (const std::string& s : m.skip) skip.emplace_back(s);
  json::object templates;
  for (const auto& [type, by_locale] : m.templates) {
    json::object locales;
    for (const auto& [locale, tpl] : by_locale) {
      locales[locale] = json::object{{"subject", tpl.subject}, {"body", tpl.body}};
    }
    templates[type] = std::move(locales);
  }
  return json::object{{"enabled", m.enabled},
                      {"locale", m.locale},
                      {"channels", std::move(channels)},
                      {"quiet_from", m.quiet_from},
                      {"quiet_to", m.quiet_to},
                      {"max_per_day", m.max_per_day},
                      {"max_per_week", m.max_per_week},
                      {"skip", std::move(skip)},
                      {"templates", std::move(templates)}};
}

// Programs stored before messages existed have none.
bool decode_messages(const json::object& o, rules::Messages& m) {
  auto strings = [](const json::value* v, std::vector<std::string>& out) {
    if (v == nullptr || !v->is_array()) return false;
    for (const json::value& s : v->as_array()) {
      if (!s.is_string()) return false;
      out.emplace_back(s.as_string());
    }
    return true;
  };
  auto integer = [&](const char* key, int64_t& out) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr || !v->is_int64()) return false;
    out = v->as_int64();
    return true;
  };
  const json::value* enabled = o.if_contains("enabled");
  const json::value* locale = o.if_contains("locale");
  const json::value* templates = o.if_contains("templates");
  if (enabled == nullptr || !enabled->is_bool() || locale == nullptr || !locale->is_string() ||
      templates == nullptr || !templates->is_object() ||
      !strings(o.if_contains("channels"), m.channels) || !strings(o.if_contains("skip"), m.skip) ||
      !integer("quiet_from", m.quiet_from) || !integer("quiet_to", m.quiet_to) ||
      !integer("max_per_day", m.max_per_day) || !integer("max_per_week", m.max_per_week)) {
    return false;
  }
  m.enabled = enabled->as_bool();
  m.locale = locale->as_string();
  for (const auto& [type, by_locale] : templates->as_object()) {
    if (!by_locale.is_object()) return false;
    for (const auto& [locale_name, tpl] : by_locale.as_object()) {
      const json::value* subject =
          tpl.is_object() ? tpl.as_object().if_contains("subject") : nullptr;
      const json::value* body = tpl.is_object() ? tpl.as_object().if_contains("body") : nullptr;
      if (subject == nullptr || !subject->is_string() || body == nullptr || !body->is_string()) {
        return false;
      }
      m.templates[std::string(type)][std::string(locale_name)] = {std::string(subject->as_string()),
                                                                  std::string(body->as_string())};
    }
  }
  return true;
}

}  // namespace

namespace {

json::object encode_carts(const rules::Carts& c) {
  return json::object{{"enabled", c.enabled},
                      {"remind_after_hours", c.remind_after_hours},
                      {"ignore_after_hours", c.ignore_after_hours},
                      {"min_total", c.min_total}};
}

json::object encode_new_products(const rules::NewProducts& n) {
  return json::object{{"enabled", n.enabled}, {"lookback_days", n.lookback_days}};
}

// Programs stored before new-product notices existed have none.
bool decode_new_products(const json::object& o, rules::NewProducts& n) {
  const json::value* enabled = o.if_contains("enabled");
  const json::value* lookback = o.if_contains("lookback_days");
  if (enabled == nullptr || !enabled->is_bool() || lookback == nullptr || !lookback->is_int64()) {
    return false;
  }
  n = rules::NewProducts{enabled->as_bool(), lookback->as_int64()};
  return true;
}

// Programs stored before carts existed have none.
bool decode_carts(const json::object& o, rules::Carts& c) {
  const json::value* enabled = o.if_contains("enabled");
  const json::value* remind = o.if_contains("remind_after_hours");
  const json::value* ignore = o.if_contains("ignore_after_hours");
  const json::value* min_total = o.if_contains("min_total");
  if (enabled == nullptr || !enabled->is_bool() || remind == nullptr || !remind->is_int64() ||
      ignore == nullptr || !ignore->is_int64() || min_total == nullptr || !min_total->is_int64()) {
    return false;
  }
  c = rules::Carts{enabled->as_bool(), remind->as_int64(), ignore->as_int64(),
                   min_total->as_int64()};
  return true;
}

json::object encode_replenishment(const rules::Replenishment& r) {
  return json::object{{"lead_days", r.lead_days},
                      {"late_days", r.late_days},
                      {"min_interval_days", r.min_interval_days},
                      {"categories", strings(r.categories)},
                      {"skus", strings(r.skus)}};
}

// Absent keys keep the defaults (none are ever left out when encoding).
bool decode_replenishment(const json::object& o, rules::Replenishment& out) {
  return Fields(o)
      .integer("lead_days", out.lead_days)
      .integer("late_days", out.late_days)
      .integer("min_interval_days", out.min_interval_days)
      .texts("categories", out.categories)
      .texts("skus", out.skus)
      .ok();
}

}  // namespace

std::string encode_rules(const rules::Rules& r) {
  json::array earn;
  for (const auto& e : r.earn) earn.emplace_back(encode_earn_rule(e));
  json::array member_days;
  for (const auto& d : r.member_days) member_days.emplace_back(encode_member_day(d));
  json::array rewards;
  for (const auto& w : r.rewards) rewards.emplace_back(encode_reward(w));
  json::array campaigns;
  for (const auto& c : r.campaigns) campaigns.emplace_back(encode_campaign(c));
  json::array redeem;
  for (const auto& x : r.redeem) redeem.emplace_back(encode_redeem(x));
  json::array catalog;
  for (const auto& x : r.catalog) catalog.emplace_back(encode_catalog_item(x));
  json::object out{{"earn_on", rules::to_string(r.earn_on)},
                   {"return_window_days", r.return_window_days},
                   {"earn", std::move(earn)},
                   {"member_days", std::move(member_days)},
                   {"tiers", encode_tiers(r.tiers)},
                   {"rewards", std::move(rewards)},
                   {"referrals", encode_referrals(r.referrals)},
                   {"campaigns", std::move(campaigns)},
                   {"redeem", std::move(redeem)},
                   {"catalog", std::move(catalog)},
                   {"reminders", encode_reminders(r.reminders)},
                   {"messages", encode_messages(r.messages)},
                   {"carts", encode_carts(r.carts)},
                   {"new_products", encode_new_products(r.new_products)}};
  // Absent: the program has no replenishment reminders (and programs stored
  // before they existed decode the same).
  if (r.replenishment) out["replenishment"] = encode_replenishment(*r.replenishment);
  return json::serialize(out);
}

Result<rules::Rules> decode_rules(std::string_view text) {
  auto v = parse(text, "rules");
  if (!v) return std::unexpected(v.error());
  if (!v->is_object()) return corrupt("rules", text);
  rules::Rules r;
  Fields f(v->as_object());
  std::string earn_on = rules::to_string(r.earn_on);
  f.text("earn_on", earn_on).integer("return_window_days", r.return_window_days);
  const json::array* earn = f.array("earn");
  const json::array* member_days = f.array("member_days");
  const json::object* tiers = f.object("tiers");
  const json::array* rewards = f.array("rewards");
  const json::object* referrals = f.object("referrals");
  const json::array* campaigns = f.array("campaigns");
  const json::array* redeem = f.array("redeem");
  const json::array* catalog = f.array("catalog");
  const json::value* reminders = v->as_object().if_contains("reminders");
  const json::value* messages = v->as_object().if_contains("messages");
  const json::value* carts = v->as_object().if_contains("carts");
  const json::value* new_products = v->as_object().if_contains("new_products");
  const json::value* replenishment = v->as_object().if_contains("replenishment");
  if (replenishment != nullptr) {
    if (!replenishment->is_object() ||
        !decode_replenishment(replenishment->as_object(), r.replenishment.emplace())) {
      return corrupt("rules", text);
    }
  }
  auto trigger = parse_earn_trigger(earn_on);
  if (!f.ok() || !trigger || !read_each(earn, r.earn, decode_earn_rule) ||
      !read_each(member_days, r.member_days, decode_member_day) ||
      !read_each(rewards, r.rewards, decode_reward) ||
      !read_each(campaigns, r.campaigns, decode_campaign) ||
      !read_each(redeem, r.redeem, decode_redeem) ||
      !read_each(catalog, r.catalog, decode_catalog_item) ||
      (tiers != nullptr && !decode_tiers(*tiers, r.tiers)) ||
      (referrals != nullptr && !decode_referrals(*referrals, r.referrals)) ||
      (reminders != nullptr &&
       (!reminders->is_object() || !decode_reminders(reminders->as_object(), r.reminders))) ||
      (messages != nullptr &&
       (!messages->is_object() || !decode_messages(messages->as_object(), r.messages))) ||
      (carts != nullptr && (!carts->is_object() || !decode_carts(carts->as_object(), r.carts))) ||
      (new_products != nullptr &&
       (!new_products->is_object() ||
        !decode_new_products(new_products->as_object(), r.new_products)))) {
    return corrupt("rules", text);
  }
  r.earn_on = *trigger;
  return r;
}

std::string encode_coupon_terms(const checkout::CouponTerms& t) {
  return json::serialize(coupon_terms_object(t));
}

Result<checkout::CouponTerms> decode_coupon_terms(std::string_view text) {
  auto v = parse(text, "coupon terms");
  if (!v) return std::unexpected(v.error());
  checkout::CouponTerms t;
  if (!v->is_object() || !read_coupon_terms(v->as_object(), t))
    return corrupt("coupon terms", text);
  return t;
}

std::string encode_order_body(const app::OrderRecord& order) {
  const std::size_t kIntBound = JsonWriter::kIntBound;
  std::size_t bound = 128 + JsonWriter::string_bound(order.order.channel) + 2 * kIntBound;
  for (const auto& line : order.order.lines) bound += 1 + order_line_bound(line);
  for (const auto& id : order.refund_ids) bound += 1 + JsonWriter::string_bound(id);
  for (const auto& [rule, value] : order.earned) {
    bound += 24 + JsonWriter::string_bound(rule) + kIntBound;
  }
  for (const auto& [line, units] : order.earned_units) {
    bound += 4 + JsonWriter::string_bound(line) + kIntBound;
  }
  JsonWriter out(bound);
  out.raw("{\"channel\":").string(order.order.channel);
  out.raw(",\"shipping\":").integer(order.order.shipping).raw(",\"lines\":[");
  for (std::size_t i = 0; i < order.order.lines.size(); ++i) {
    if (i > 0) out.ch(',');
    write_order_line(out, order.order.lines[i]);
  }
  out.raw("],\"refund_ids\":[");
  for (std::size_t i = 0; i < order.refund_ids.size(); ++i) {
    if (i > 0) out.ch(',');
    out.string(order.refund_ids[i]);
  }
  out.raw("],\"refunded_amount\":").integer(order.refunded_amount).raw(",\"earned\":[");
  for (std::size_t i = 0; i < order.earned.size(); ++i) {
    if (i > 0) out.ch(',');
    out.raw("{\"rule_id\":").string(order.earned[i].first);
    out.raw(",\"value\":").integer(order.earned[i].second).ch('}');
  }
  out.raw("],\"earned_units\":[");
  for (std::size_t i = 0; i < order.earned_units.size(); ++i) {
    if (i > 0) out.ch(',');
    out.ch('[').string(order.earned_units[i].first).ch(',');
    out.integer(order.earned_units[i].second).ch(']');
  }
  out.raw("]}");
  return std::move(out).take();
}

namespace {

// Reads order bodies exactly as encode_order_body writes them, without a
// JSON document: boost::json's DOM (an allocation per value) was a quarter
// of `patron simulate`, which reads every stored order. Anything else (other
// spacing or key order, escapes, integers out of range, bodies written
// before earned_units) makes it give up, and the general decoder reads it.
class BodyReader {
 public:
  explicit BodyReader(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool literal(std::string_view expected) {
    if (static_cast<std::size_t>(end_ - p_) < expected.size() ||
        std::memcmp(p_, expected.data(), expected.size()) != 0) {
      return false;
    }
    p_ += expected.size();
    return true;
  }
  bool literal(char expected) {
    if (p_ == end_ || *p_ != expected) return false;
    ++p_;
    return true;
  }
  // A string without escapes or control characters (those go the long way).
  bool string(std::string& out) {
    if (!literal('"')) return false;
    const char* start = p_;
    bool ascii = true;
    for (; p_ < end_ && *p_ != '"'; ++p_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '\\' || c < 0x20) return false;
      ascii = ascii && c < 0x80;
    }
    if (p_ == end_) return false;
    const std::string_view text(start, static_cast<std::size_t>(p_ - start));
    if (!ascii && !valid_utf8(text)) return false;  // boost::json refuses it: corrupt
    out.assign(text);
    ++p_;
    return true;
  }
  bool integer(int64_t& out) {
    // JSON's -?(0|[1-9][0-9]*) within int64; -0 is not taken (boost::json
    // reads it as a double), nor a fraction or an exponent.
    const char* p = p_;
    const bool negative = p < end_ && *p == '-';
    if (negative) ++p;
    if (p == end_ || *p < '0' || *p > '9') return false;
    if (*p == '0' && (negative || (p + 1 < end_ && p[1] >= '0' && p[1] <= '9'))) return false;
    const char* const digits = p;
    uint64_t v = 0;  // 19 digits cannot overflow it
    for (; p < end_ && *p >= '0' && *p <= '9'; ++p) {
      if (p - digits == 19) return false;
      v = v * 10 + static_cast<uint64_t>(*p - '0');
    }
    constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
    if (v > kMax + (negative ? 1 : 0)) return false;
    if (p < end_ && (*p == '.' || *p == 'e' || *p == 'E')) return false;
    out = negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
    p_ = p;
    return true;
  }
  bool boolean(bool& out) {
    if (literal("true")) {
      out = true;
      return true;
    }
    out = false;
    return literal("false");
  }
  // `[item, item, ...]`, calling item() for each.
  template <class F>
  bool array(F&& item) {
    if (!literal('[')) return false;
    if (literal(']')) return true;
    do {
      if (!item()) return false;
    } while (literal(','));
    return literal(']');
  }
  bool done() const { return p_ == end_; }

 private:
  const char* p_;
  const char* end_;
};

std::optional<app::OrderRecord> read_canonical_order_body(std::string_view text) {
  BodyReader in(text);
  app::OrderRecord out;
  out.order.lines.reserve(text.size() / 32);  // a line takes 30 bytes and more
  auto line = [&] {
    rules::OrderLine& l = out.order.lines.emplace_back();
    return in.literal('[') && in.string(l.line_id) && in.literal(',') && in.string(l.sku) &&
           in.literal(',') && in.string(l.category) && in.literal(',') && in.string(l.brand) &&
           in.literal(',') && in.integer(l.quantity) && in.literal(',') &&
           in.integer(l.unit_price) && in.literal(',') && in.integer(l.discount) &&
           in.literal(',') && in.integer(l.paid_with_value) && in.literal(',') &&
           in.boolean(l.reward) && in.literal(',') && in.integer(l.refunded_quantity) &&
           in.literal(']');
  };
  auto refund_id = [&] { return in.string(out.refund_ids.emplace_back()); };
  auto earned = [&] {
    auto& e = out.earned.emplace_back();
    return in.literal("{\"rule_id\":") && in.string(e.first) && in.literal(",\"value\":") &&
           in.integer(e.second) && in.literal('}');
  };
  auto units = [&] {
    auto& u = out.earned_units.emplace_back();
    return in.literal('[') && in.string(u.first) && in.literal(',') && in.integer(u.second) &&
           in.literal(']');
  };
  bool ok = in.literal("{\"channel\":") && in.string(out.order.channel) &&
            in.literal(",\"shipping\":") && in.integer(out.order.shipping) &&
            in.literal(",\"lines\":") && in.array(line) && in.literal(",\"refund_ids\":") &&
            in.array(refund_id) && in.literal(",\"refunded_amount\":") &&
            in.integer(out.refunded_amount) && in.literal(",\"earned\":") && in.array(earned) &&
            in.literal(",\"earned_units\":") && in.array(units) && in.literal('}') && in.done();
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace

Result<app::OrderRecord> decode_order_body(std::string_view text) {
  if (auto fast = read_canonical_order_body(text)) return std::move(*fast);
  auto v = parse(text, "order body");
  if (!v) return std::unexpected(v.error());
  if (!v->is_object()) return corrupt("order body", text);
  app::OrderRecord out;
  Fields f(v->as_object());
  f.text("channel", out.order.channel)
      .integer("shipping", out.order.shipping)
      .texts("refund_ids", out.refund_ids)
      .integer("refunded_amount", out.refunded_amount);
  const json::array* lines = f.array("lines");
  const json::array* earned = f.array("earned");
  using Earned = std::pair<std::string, int64_t>;
  bool lines_ok = lines != nullptr;
  if (lines_ok) {
    out.order.lines.resize(lines->size());
    for (std::size_t i = 0; i < lines->size() && lines_ok; ++i) {
      lines_ok = decode_order_line((*lines)[i], out.order.lines[i]);
    }
  }
  if (!f.ok() || !lines_ok || !read_each(earned, out.earned, [](const json::object& o, Earned& e) {
        return o.contains("rule_id") && read_string(o, "rule_id", e.first) &&
               read_int(o, "value", e.second);
      })) {
    return corrupt("order body", text);
  }
  // [[line_id, units], ...]; absent in orders that never earned.
  if (const json::value* units = v->as_object().if_contains("earned_units")) {
    const json::array* a = units->if_array();
    if (a == nullptr) return corrupt("order body", text);
    for (const auto& item : *a) {
      const json::array* pair = item.if_array();
      const json::string* id = pair && pair->size() == 2 ? (*pair)[0].if_string() : nullptr;
      const int64_t* n = pair && pair->size() == 2 ? (*pair)[1].if_int64() : nullptr;
      if (id == nullptr || n == nullptr) return corrupt("order body", text);
      out.earned_units.emplace_back(std::string(id->data(), id->size()), *n);
    }
  }
  return out;
}

Result<void> post_to_lot(app::Store::LotBalance& lot, std::string_view from, std::string_view to,
                         int64_t amount) {
  for (auto [account, sign] : {std::pair{to, int64_t{1}}, std::pair{from, int64_t{-1}}}) {
    int64_t* sum = account == ledger::account::kAvailable ? &lot.available
                   : account == ledger::account::kPending ? &lot.pending
                   : account == ledger::account::kHeld    ? &lot.held
                                                          : nullptr;
    if (sum && __builtin_add_overflow(*sum, sign * amount, sum)) {
      return fail(ErrorCode::kStorage, "", "integer overflow");
    }
  }
  return {};
}

Result<std::vector<app::Store::LotBalance>> group_lot_balances(
    std::vector<app::Store::LotBalance> lots) {
  std::map<std::pair<std::string, std::optional<Instant>>, app::Store::LotBalance> groups;
  for (auto& lot : lots) {
    app::Store::LotBalance& g = groups[{lot.wallet, lot.expires_at}];
    g.wallet = std::move(lot.wallet);
    g.expires_at = lot.expires_at;
    if (lot.available + lot.pending > 0) ++g.lots;
    if (__builtin_add_overflow(g.available, lot.available, &g.available) ||
        __builtin_add_overflow(g.pending, lot.pending, &g.pending) ||
        __builtin_add_overflow(g.held, lot.held, &g.held)) {
      return fail(ErrorCode::kStorage, "", "integer overflow");
    }
  }
  std::vector<app::Store::LotBalance> out;
  for (auto& [key, g] : groups) {
    if (g.lots != 0 || g.available != 0 || g.pending != 0 || g.held != 0) {
      out.push_back(std::move(g));
    }
  }
  return out;
}

std::size_t page_limit(std::size_t requested) {
  if (requested == 0) return limits::kPageSizeDefault;
  return std::min(requested, limits::kPageSizeMax);
}

Result<int64_t> id_cursor(const std::string& after) {
  if (after.empty()) return std::numeric_limits<int64_t>::max();
  int64_t id = 0;
  const char* end = after.data() + after.size();
  bool digits =
      std::all_of(after.begin(), after.end(), [](char c) { return c >= '0' && c <= '9'; });
  auto [ptr, ec] = std::from_chars(after.data(), end, id);
  if (!digits || ec != std::errc{} || ptr != end) {
    return fail(ErrorCode::kInvalidArgument, "cursor", "cursor must be a decimal id");
  }
  return id;
}

}  // namespace patron::store
