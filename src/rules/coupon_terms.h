// The terms of a coupon (fixed amount, percent with a maximum, free
// shipping; a spend threshold; the products it applies to; a validity
// window; usage limits). Plain data shared by coupon batches
// (checkout/coupons.h applies them to a cart) and by the program rules that
// issue coupons (the reward catalog, rules/catalog.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"

namespace patron::rules {

struct CouponTerms {
  enum class Kind { kFixed, kPercent, kFreeShipping };
  std::string batch_id;  // the batch (or shared coupon) the code belongs to
  Kind kind = Kind::kFixed;
  int64_t amount = 0;        // kFixed: currency minor units off the eligible lines
  int64_t percent_bp = 0;    // kPercent: share off the eligible lines
  int64_t max_discount = 0;  // kPercent: at most this much; 0 = no maximum
  int64_t min_spend = 0;     // eligible lines' value at least (currency minor units)
  // Lines it applies to: each non-empty list must contain the line's value.
  std::vector<std::string> categories;
  std::vector<std::string> brands;
  std::vector<std::string> skus;
  std::optional<Instant> starts_at;
  std::optional<Instant> ends_at;  // exclusive
  int64_t limit_total = 0;         // redemptions over every code of the batch; 0 = none
  int64_t limit_per_member = 0;    // redemptions by one member; 0 = none
  bool stackable = true;           // false: never with another coupon on the same order
  bool enabled = true;
  friend bool operator==(const CouponTerms&, const CouponTerms&) = default;
};

// A coupon a rule issues to one member (a reward catalog item, an
// engagement reward): the terms of the code it makes, valid from the moment
// of issue for `valid_days` days. At issue the app sets the terms' batch id,
// window and limits: one single-use code bound to the member.
struct CouponOffer {
  CouponTerms terms;
  int64_t valid_days = 30;
  friend bool operator==(const CouponOffer&, const CouponOffer&) = default;
};

}  // namespace patron::rules
