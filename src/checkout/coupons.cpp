#include "checkout/coupons.h"

#include <algorithm>

#include "core/assert.h"
#include "rules/rewards.h"

namespace patron::checkout {

namespace {

bool listed(const std::vector<std::string>& allowed, const std::string& value) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

// The first reason the coupon cannot apply before looking at the lines.
std::string_view standing(const CouponInput& c, std::string_view member_id, Instant now) {
  if (c.terms == nullptr) return "unknown";
  const CouponTerms& t = *c.terms;
  if (!t.enabled) return "disabled";
  if (t.starts_at && now < *t.starts_at) return "not_started";
  if (t.ends_at && now >= *t.ends_at) return "ended";
  if (!c.member_id.empty() && c.member_id != member_id) return "not_yours";
  if (c.single_use && c.used > 0) return "used";
  if (t.limit_total > 0 && c.used_total >= t.limit_total) return "used_up";
  if (t.limit_per_member > 0 && c.used_by_member >= t.limit_per_member) return "member_limit";
  return {};
}

// What the coupon takes off the eligible lines, before spreading it.
int64_t line_discount(const CouponTerms& t, int64_t eligible) {
  __extension__ using Wide = __int128;
  switch (t.kind) {
    case CouponTerms::Kind::kFixed:
      return std::min(t.amount, eligible);
    case CouponTerms::Kind::kPercent: {
      auto off = static_cast<int64_t>(Wide{eligible} * t.percent_bp / 10000);
      if (t.max_discount > 0) off = std::min(off, t.max_discount);
      return std::min(off, eligible);
    }
    case CouponTerms::Kind::kFreeShipping:
      return 0;
  }
  return 0;
}

}  // namespace

bool coupon_covers(const CouponTerms& terms, const rules::OrderLine& line) {
  return !line.reward && listed(terms.categories, line.category) &&
         listed(terms.brands, line.brand) && listed(terms.skus, line.sku);
}

std::vector<CouponResult> apply_coupons(const rules::Order& cart, std::string_view member_id,
                                        const std::vector<CouponInput>& coupons, Instant now,
                                        std::vector<int64_t>& line_left, int64_t& shipping_left) {
  PATRON_ASSERT(line_left.size() == cart.lines.size());
  std::vector<CouponResult> out;
  out.reserve(coupons.size());
  bool applied_any = false;
  bool applied_exclusive = false;
  std::vector<int64_t> weights(cart.lines.size());
  for (const CouponInput& c : coupons) {
    CouponResult& r = out.emplace_back();
    r.code = c.code;
    r.reason = standing(c, member_id, now);
    if (!r.reason.empty()) continue;
    const CouponTerms& t = *c.terms;
    // Eligibility and the threshold look at the lines as the shopper sees
    // them (after their own discounts), not at what earlier coupons left.
    int64_t eligible_value = 0;
    bool any_line = false;
    for (std::size_t i = 0; i < cart.lines.size(); ++i) {
      const rules::OrderLine& line = cart.lines[i];
      bool in = coupon_covers(t, line);
      weights[i] = in ? line_left[i] : 0;
      if (in) {
        any_line = true;
        eligible_value += line.net();
      }
    }
    if (!any_line) {
      r.reason = "no_lines";
      continue;
    }
    if (eligible_value < t.min_spend) {
      r.reason = "min_spend";
      continue;
    }
    if (applied_any && (applied_exclusive || !t.stackable)) {
      r.reason = "not_combinable";
      continue;
    }
    if (t.kind == CouponTerms::Kind::kFreeShipping) {
      if (shipping_left <= 0) {
        r.reason = "no_discount";
        continue;
      }
      r.shipping_discount = shipping_left;
      shipping_left = 0;
    } else {
      int64_t left = 0;
      for (int64_t w : weights) left += w;
      int64_t off = left > 0 ? line_discount(t, std::min(left, eligible_value)) : 0;
      if (off <= 0) {
        r.reason = "no_discount";
        continue;
      }
      r.line_discounts = rules::split_by_weight(off, weights);
      for (std::size_t i = 0; i < line_left.size(); ++i) {
        line_left[i] -= r.line_discounts[i];
        PATRON_ASSERT(line_left[i] >= 0);
      }
      r.discount = off;
    }
    r.valid = true;
    applied_any = true;
    applied_exclusive = applied_exclusive || !t.stackable;
  }
  return out;
}

}  // namespace patron::checkout
