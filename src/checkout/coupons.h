// Coupons at checkout: the terms of a coupon (fixed amount, percent with a
// maximum, free shipping; a spend threshold; the products it applies to; a
// validity window; usage limits) and how one applies to a cart. Pure: the
// app looks the codes up and counts their uses; nothing here writes.
//
// How a cart is judged (docs/checkout.md "Coupons"), in this order, the first
// failing check naming the reason:
//   unknown        no coupon has that code
//   disabled       the coupon (or its batch) was switched off
//   not_started    now < starts_at;   ended   now >= ends_at
//   not_yours      the coupon is bound to another member
//   used           a single-use code was already redeemed
//   used_up        the coupon reached its global limit
//   member_limit   this member reached the per-member limit
//   no_lines       none of the cart's lines is in the coupon's scope
//   min_spend      the eligible lines' value is below the threshold
//   not_combinable another coupon already applies and one of them does not stack
//   no_discount    nothing left to discount (earlier coupons took it all)
// A valid coupon's discount is spread over the eligible lines in proportion
// to what is left of them (largest remainder), so refunds and redemption caps
// see the discount where it belongs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "rules/coupon_terms.h"
#include "rules/order.h"

namespace patron::checkout {

using CouponTerms = rules::CouponTerms;

// One code the shopper entered, as the app found it.
struct CouponInput {
  std::string code;
  const CouponTerms* terms = nullptr;  // nullptr: unknown code
  std::string member_id;               // bound to this member; empty: anyone
  bool single_use = false;             // a unique code of a batch
  int64_t used = 0;                    // redemptions of this code
  int64_t used_total = 0;              // redemptions over the batch
  int64_t used_by_member = 0;          // redemptions of the batch by this member
};

struct CouponResult {
  std::string code;
  bool valid = false;
  std::string reason;                   // why not, one of the list above; empty when valid
  int64_t discount = 0;                 // off the lines, currency minor units
  int64_t shipping_discount = 0;        // kFreeShipping
  std::vector<int64_t> line_discounts;  // per cart line, sums to `discount`
};

// Applies `coupons` in the order given to `cart` for `member_id` at `now`.
// `line_left` is what each cart line still costs (net of its own discount),
// and `shipping_left` the shipping fee; both are reduced by what valid
// coupons take.
std::vector<CouponResult> apply_coupons(const rules::Order& cart, std::string_view member_id,
                                        const std::vector<CouponInput>& coupons, Instant now,
                                        std::vector<int64_t>& line_left, int64_t& shipping_left);

// Whether a line is in a coupon's scope.
bool coupon_covers(const CouponTerms& terms, const rules::OrderLine& line);

}  // namespace patron::checkout
