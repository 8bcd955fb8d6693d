#include "rules/earn.h"

#include <date/tz.h>

#include <algorithm>

#include "core/assert.h"
#include "core/limits.h"

namespace patron::rules {

namespace {

__extension__ using Wide = __int128;  // GCC builtin; pedantic wants the marker

bool listed(const std::vector<std::string>& list, const std::string& value) {
  if (value.empty()) return false;
  return std::find(list.begin(), list.end(), value) != list.end();
}

// The product of the multipliers matching `line`, in basis points, capped so
// a pathological configuration cannot overflow.
int64_t line_factor_bp(const EarnRule& rule, const OrderLine& line) {
  Wide factor = 10000;
  for (const auto& m : rule.multipliers) {
    bool match = (!m.category.empty() && m.category == line.category) ||
                 (!m.brand.empty() && m.brand == line.brand) ||
                 (!m.sku.empty() && m.sku == line.sku);
    if (!match) continue;
    factor = factor * m.factor_bp / 10000;
    if (factor == 0) return 0;
    factor = std::min<Wide>(factor, Wide{10000} * 10000);
  }
  return static_cast<int64_t>(factor);
}

// What a line may earn on: its net for the units not refunded, less what was
// paid with wallet value when the rule excludes it.
int64_t line_value(const EarnRule& rule, const OrderLine& line) {
  if (line.reward || line.quantity <= 0) return 0;
  const EarnBase& base = rule.base;
  if (listed(base.exclude_categories, line.category) || listed(base.exclude_brands, line.brand) ||
      listed(base.exclude_skus, line.sku)) {
    return 0;
  }
  int64_t kept = line.quantity - std::clamp<int64_t>(line.refunded_quantity, 0, line.quantity);
  if (kept == 0) return 0;
  Wide value = Wide{line.net()};
  if (base.exclude_paid_with_value) value -= line.paid_with_value;
  if (value <= 0) return 0;
  value = value * kept / line.quantity;
  return static_cast<int64_t>(std::min<Wide>(value, limits::kAmountMax));
}

int64_t capped(Wide v) {
  return static_cast<int64_t>(std::clamp<Wide>(v, 0, limits::kAmountMax));
}

}  // namespace

int64_t EarnOutcome::total(std::string_view wallet) const {
  int64_t sum = 0;
  for (const auto& r : rules) {
    if (r.rule->wallet == wallet) sum += r.amount;
  }
  return sum;
}

const Rate& rate_for(const EarnRule& rule, std::string_view tier) {
  if (!tier.empty()) {
    for (const auto& t : rule.tier_rates) {
      if (t.tier == tier) return t.rate;
    }
  }
  return rule.rate;
}

const MemberDay* member_day_for(const Rules& rules, Instant at, std::string_view tier,
                                const date::time_zone* zone) {
  if (rules.member_days.empty()) return nullptr;
  PATRON_ASSERT(zone != nullptr);
  auto ymd = local_date(at, zone);
  int day = static_cast<int>(static_cast<unsigned>(ymd.day()));
  int weekday = static_cast<int>(std::chrono::weekday{std::chrono::sys_days{ymd}}.c_encoding());
  const MemberDay* best = nullptr;
  for (const auto& d : rules.member_days) {
    bool on =
        (d.day_of_month > 0 && d.day_of_month == day) || (d.weekday >= 0 && d.weekday == weekday);
    if (!on) continue;
    if (!d.tiers.empty() && std::find(d.tiers.begin(), d.tiers.end(), tier) == d.tiers.end()) {
      continue;
    }
    if (best == nullptr || d.multiplier_bp > best->multiplier_bp) best = &d;
  }
  return best;
}

void evaluate_earn(const Rules& rules, const Order& order, const EarnContext& context,
                   EarnOutcome& out) {
  out.rules.resize(rules.earn.size());
  const MemberDay* day = nullptr;
  bool day_known = false;
  // Weights of the order's lines (+ shipping) for one rule; reused.
  thread_local std::vector<Wide> weights;
  for (std::size_t r = 0; r < rules.earn.size(); ++r) {
    const EarnRule& rule = rules.earn[r];
    RuleEarn& result = out.rules[r];
    result.rule = &rule;
    result.base = 0;
    result.amount = 0;
    result.multiplier_bp = 10000;
    result.member_day = nullptr;
    result.campaigns.clear();
    result.capped = false;
    result.shares.clear();

    std::size_t slots = order.lines.size() + 1;
    weights.assign(slots, 0);
    Wide base = 0;
    Wide weight_bp = 0;  // sum of value x factor_bp
    for (std::size_t i = 0; i < order.lines.size(); ++i) {
      int64_t value = line_value(rule, order.lines[i]);
      if (value == 0) continue;
      int64_t factor = line_factor_bp(rule, order.lines[i]);
      if (factor == 0) continue;  // a 0x multiplier excludes the line from the base too
      base += value;
      weights[i] = Wide{value} * factor;
      weight_bp += weights[i];
    }
    if (rule.base.include_shipping && order.shipping > 0) {
      base += order.shipping;
      weights[slots - 1] = Wide{order.shipping} * 10000;
      weight_bp += weights[slots - 1];
    }
    result.base = capped(base);
    if (base == 0 || base < rule.min_base) continue;

    const Rate& rate = rate_for(rule, context.tier);
    Wide earned = 0;
    if (rate.kind == Rate::Kind::kPercent) {
      earned = weight_bp * rate.bp / (Wide{10000} * 10000);
    } else {
      PATRON_ASSERT(rate.every > 0);
      earned = weight_bp / (Wide{rate.every} * 10000) * rate.get;
    }
    const Campaign* exclusive = nullptr;
    for (const Campaign* c : context.campaigns) {
      if (c->exclusive && multiplies(*c, rule.id) &&
          (exclusive == nullptr || c->multiplier_bp > exclusive->multiplier_bp)) {
        exclusive = c;
      }
    }
    if (exclusive != nullptr) {
      earned = earned * exclusive->multiplier_bp / 10000;
      result.campaigns.push_back(exclusive);
    } else {
      if (rule.member_days) {
        if (!day_known) {
          day = member_day_for(rules, order.placed_at, context.tier, context.zone);
          day_known = true;
        }
        if (day != nullptr) {
          earned = earned * day->multiplier_bp / 10000;
          result.multiplier_bp = day->multiplier_bp;
          result.member_day = day;
        }
      }
      for (const Campaign* c : context.campaigns) {
        if (c->exclusive || !multiplies(*c, rule.id)) continue;
        earned = earned * c->multiplier_bp / 10000;
        result.campaigns.push_back(c);
      }
    }
    if (rule.per_order_max > 0 && earned > rule.per_order_max) {
      earned = rule.per_order_max;
      result.capped = true;
    }
    result.amount = capped(earned);
    if (result.amount == 0) continue;

    // Largest remainder: floor shares, then one more unit to the largest
    // remainders (earlier line on ties) until the shares sum to the amount.
    thread_local std::vector<Wide> remainders;
    remainders.clear();
    Wide given = 0;
    for (std::size_t i = 0; i < slots; ++i) {
      if (weights[i] == 0) continue;
      Wide exact = Wide{result.amount} * weights[i];
      Wide share = exact / weight_bp;
      given += share;
      remainders.push_back(exact % weight_bp);
      result.shares.push_back(
          ledger::LineShare{i + 1 == slots ? std::string(kShippingLine) : order.lines[i].line_id,
                            static_cast<int64_t>(share), 0});
    }
    Wide left = Wide{result.amount} - given;
    PATRON_ASSERT(left >= 0 && left <= static_cast<Wide>(remainders.size()));
    for (; left > 0; --left) {
      std::size_t best = 0;
      for (std::size_t k = 1; k < remainders.size(); ++k) {
        if (remainders[k] > remainders[best]) best = k;
      }
      result.shares[best].amount += 1;
      remainders[best] = -1;
    }
  }
}

EarnOutcome evaluate_earn(const Rules& rules, const Order& order, const EarnContext& context) {
  EarnOutcome out;
  evaluate_earn(rules, order, context, out);
  return out;
}

}  // namespace patron::rules
