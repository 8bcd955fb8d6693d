// How a wallet may pay at checkout (redemption rules, `[wallets.<name>.redeem]`
// in docs/config.md): what one unit is worth in the program's currency, the
// smallest order it may pay on, caps per order (absolute and percent), the
// lines it may not pay, tier-only wallets and stacking with coupons. Plain
// data; checkout/quote.h applies it. A wallet without a table redeems 1:1
// (one minor unit of the wallet pays one minor unit of the currency) with
// no limits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace patron::rules {

struct RedeemRule {
  std::string wallet;
  bool enabled = true;  // false: the wallet never pays at checkout (catalog only)
  // One minor unit of the wallet pays value_num / value_den minor units of
  // the currency (points at NT$0.1 each: 1/10). Both > 0, reduced.
  int64_t value_num = 1;
  int64_t value_den = 1;
  int64_t min_order = 0;           // the order value (currency minor units) at least; 0: none
  int64_t max_amount = 0;          // at most this much currency value per order; 0: none
  int64_t max_percent_bp = 0;      // at most this share of the order value; 0: none
  int64_t step = 1;                // used in multiples of this many wallet minor units
  std::vector<std::string> tiers;  // only members of these tiers; empty: everyone
  std::vector<std::string> exclude_categories;
  std::vector<std::string> exclude_brands;
  std::vector<std::string> exclude_skus;
  bool pays_shipping = false;  // may pay the shipping fee too
  bool with_coupons = true;    // false: not usable on an order a coupon applies to
  friend bool operator==(const RedeemRule&, const RedeemRule&) = default;
};

}  // namespace patron::rules
