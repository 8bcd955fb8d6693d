// The checkout quote: for one member and one cart, what each wallet may pay
// and why not more, which lots it would use, what each coupon does, the
// totals, what the order would earn and where it leaves the member's tier.
// Pure and side-effect free: the app loads the member's wallets (settled at
// `now`), the coupons and the tier history, and passes them in.
//
// The order of work (docs/checkout.md):
//   1. coupons, in the order given (checkout/coupons.h), take their discount
//      off the lines (and free shipping off the shipping fee);
//   2. the order value is the lines' net after coupons (no shipping): it is
//      what `min_order` and `max_percent` look at;
//   3. wallets, in program order, each pay what is left of the lines they may
//      pay (not excluded by their redeem rule, covered by a lot's scope), up
//      to the smallest of: the spendable lots, `max_amount`, `max_percent` of
//      the order value, and what the shopper asked for; rounded down to the
//      rule's `step`. A wallet that is disabled, tier-only for other tiers,
//      under `min_order`, or not combinable with a coupon that applied pays 0;
//   4. the projected earn evaluates the program's earn rules on the order as
//      it would be paid (coupon discounts as discounts, wallet value as
//      paid-with-value), and the tier progress counts its paid value.
//
// Fails (kInvalidArgument naming the field) only on a cart that could not
// be an order: no lines, a negative quantity or price, a discount above the
// line, totals beyond limits::kAmountMax.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checkout/coupons.h"
#include "core/error.h"
#include "ledger/policy.h"
#include "ledger/types.h"
#include "rules/earn.h"
#include "rules/order.h"
#include "rules/rules.h"
#include "rules/tiers.h"

namespace patron::checkout {

// Why a wallet cannot pay more; stable names in the JSON ("capped_by").
enum class Cap {
  kBalance,     // the spendable lots
  kDisabled,    // the wallet does not pay at checkout
  kTier,        // only members of other tiers may use it
  kMinOrder,    // the order value is below min_order
  kCoupon,      // not usable with a coupon that applies
  kMaxAmount,   // the absolute cap per order
  kMaxPercent,  // the percent cap of the order value
  kScope,       // lines the rule excludes, or no lot's scope covers, or already paid
  kStep,        // rounded down to the rule's step
};
std::string_view to_string(Cap cap);

struct WalletInput {
  const ledger::WalletPolicy* policy = nullptr;  // required
  const rules::RedeemRule* rule = nullptr;       // nullptr: 1:1, no limits
  const ledger::WalletState* state = nullptr;    // required; settled at `now`
  std::optional<int64_t> requested;              // wallet minor units; nullopt: as much as allowed
};

struct QuoteInput {
  const rules::Rules* rules = nullptr;  // required
  const rules::Order* cart = nullptr;   // required; member_id, channel, lines, shipping
  std::string_view tier;                // the member's tier id; empty: no tiers
  const date::time_zone* zone = nullptr;
  Instant now{};
  std::span<const WalletInput> wallets;
  const std::vector<CouponInput>* coupons = nullptr;  // nullptr: none
  std::span<const rules::Campaign* const> campaigns;  // apply to the projected earn
  // Tier progress after the order; both nullptr when the program has no tiers.
  const rules::TierState* tier_state = nullptr;
  const std::vector<rules::CountedOrder>* counted_orders = nullptr;
};

struct LotUse {
  int64_t lot_id = 0;
  std::string line_id;
  int64_t amount = 0;  // wallet minor units
};

struct WalletQuote {
  std::string wallet;
  int64_t balance = 0;           // spendable lot value now, wallet minor units
  int64_t max_usable = 0;        // wallet minor units
  int64_t max_usable_value = 0;  // what max_usable pays, currency minor units
  std::vector<Cap> capped_by;    // empty when the wallet could pay everything left
  // The limits that were computed (wallet minor units); nullopt when the rule has none.
  std::optional<int64_t> max_amount;
  std::optional<int64_t> max_percent;
  int64_t payable = 0;  // what the lines it may pay leave for it, wallet units
  int64_t use = 0;      // what the quote uses: min(requested, max_usable)
  int64_t use_value = 0;
  std::vector<LotUse> lots;                 // where `use` comes from
  std::vector<std::string> excluded_lines;  // lines the rule does not let it pay
};

struct Quote {
  int64_t subtotal = 0;         // lines' net before coupons
  int64_t coupon_discount = 0;  // lines
  int64_t shipping = 0;         // after a free-shipping coupon
  int64_t shipping_discount = 0;
  int64_t order_value = 0;  // subtotal - coupon_discount: what caps look at
  int64_t value_used = 0;   // currency value the wallets pay
  int64_t total = 0;        // what is left to pay: order_value + shipping - value_used
  std::vector<CouponResult> coupons;
  std::vector<WalletQuote> wallets;
  rules::EarnOutcome earn;  // projected
  std::optional<rules::TierProgress> tier_after;
  std::string tier_after_id;  // the tier the member would be in after the order
};

// Validates the cart (the kInvalidArgument cases above).
Result<void> check_cart(const rules::Order& cart);

Result<Quote> quote(const QuoteInput& input);

// Currency value of `units` of a wallet under `rule` (rounded down), and the
// most units whose value does not exceed `value`.
int64_t value_of(const rules::RedeemRule* rule, int64_t units);
// The unit a wallet is used in: the rule's step, made a multiple of the value
// denominator so that every usable amount is worth whole currency minor units
// (15 points at NT$0.1 would otherwise pay NT$1 and lose half a point).
int64_t effective_step(const rules::RedeemRule* rule);
int64_t units_for(const rules::RedeemRule* rule, int64_t value);

}  // namespace patron::checkout
