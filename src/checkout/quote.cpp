#include "checkout/quote.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "core/assert.h"
#include "core/limits.h"
#include "ledger/allocation.h"
#include "rules/rewards.h"

namespace patron::checkout {

namespace {

__extension__ using Wide = __int128;

// The line id a wallet pays shipping under (the same id earn attribution uses).
constexpr const char* kShipping = rules::kShippingLine;

bool listed(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

bool excluded(const rules::RedeemRule* rule, const rules::OrderLine& line) {
  if (line.reward) return true;
  if (rule == nullptr) return false;
  return listed(rule->exclude_categories, line.category) ||
         listed(rule->exclude_brands, line.brand) || listed(rule->exclude_skus, line.sku);
}

int64_t floor_to(int64_t value, int64_t step) {
  return value - value % step;
}

// The gate that keeps the wallet from paying at all, if any.
std::optional<Cap> gate(const rules::RedeemRule* rule, std::string_view tier, int64_t order_value,
                        bool coupon_applied) {
  if (rule == nullptr) return std::nullopt;
  if (!rule->enabled) return Cap::kDisabled;
  if (!rule->tiers.empty() &&
      std::find(rule->tiers.begin(), rule->tiers.end(), tier) == rule->tiers.end()) {
    return Cap::kTier;
  }
  if (rule->min_order > 0 && order_value < rule->min_order) return Cap::kMinOrder;
  if (!rule->with_coupons && coupon_applied) return Cap::kCoupon;
  return std::nullopt;
}

// What is left of the cart for the wallets: per line and shipping, currency.
struct Remaining {
  std::vector<int64_t> lines;
  int64_t shipping = 0;
};

// Decides the wallet's max_usable and use, and takes what it uses off `left`.
void quote_wallet(const QuoteInput& in, const WalletInput& w, int64_t order_value,
                  bool coupon_applied, const Remaining& after_coupons, Remaining& left,
                  WalletQuote& out) {
  const rules::Order& cart = *in.cart;
  const rules::RedeemRule* rule = w.rule;
  out.wallet = w.policy->name;
  auto order = ledger::spendable_in_order(w.state->lots, in.now);
  for (std::size_t i : order) out.balance += w.state->lots[i].remaining;
  if (auto g = gate(rule, in.tier, order_value, coupon_applied)) {
    out.capped_by.push_back(*g);
    return;
  }
  // The lines it may pay and how much of each, in wallet units.
  std::vector<ledger::PayLine> pay;
  std::vector<std::size_t> pay_line_index;  // cart line index; lines.size() for shipping
  int64_t full = 0;                         // every line's value left, as if nothing excluded
  int64_t payable = 0;
  pay.reserve(cart.lines.size() + 1);
  for (std::size_t i = 0; i < cart.lines.size(); ++i) {
    const rules::OrderLine& line = cart.lines[i];
    int64_t units = units_for(rule, left.lines[i]);
    if (!line.reward) full += units_for(rule, after_coupons.lines[i]);
    if (excluded(rule, line)) {
      out.excluded_lines.push_back(line.line_id);
      continue;
    }
    if (units <= 0) continue;
    pay.push_back({line.line_id, line.sku, line.category, line.brand, cart.channel, units});
    pay_line_index.push_back(i);
    payable += units;
  }
  if (rule != nullptr && rule->pays_shipping) {
    full += units_for(rule, after_coupons.shipping);
    if (int64_t units = units_for(rule, left.shipping); units > 0) {
      pay.push_back({kShipping, "", "", "", cart.channel, units});
      pay_line_index.push_back(cart.lines.size());
      payable += units;
    }
  }
  out.payable = payable;
  int64_t bound = std::min(payable, out.balance);
  if (rule != nullptr && rule->max_amount > 0) {
    out.max_amount = units_for(rule, rule->max_amount);
    bound = std::min(bound, *out.max_amount);
  }
  if (rule != nullptr && rule->max_percent_bp > 0) {
    auto value = static_cast<int64_t>(Wide{order_value} * rule->max_percent_bp / 10000);
    out.max_percent = units_for(rule, value);
    bound = std::min(bound, *out.max_percent);
  }
  auto pieces = ledger::allocate(w.state->lots, order, pay, bound);
  int64_t flowed = 0;
  for (const ledger::Piece& p : pieces) flowed += p.amount;
  int64_t step = effective_step(rule);
  out.max_usable = floor_to(flowed, step);
  out.max_usable_value = value_of(rule, out.max_usable);
  // Why not more: each limit that equals what could flow, then scope when
  // lots could not reach the lines (or lines were excluded or already paid),
  // then the step rounding.
  if (out.max_usable < full) {
    if (out.balance == flowed) out.capped_by.push_back(Cap::kBalance);
    if (out.max_amount && *out.max_amount == flowed) out.capped_by.push_back(Cap::kMaxAmount);
    if (out.max_percent && *out.max_percent == flowed) out.capped_by.push_back(Cap::kMaxPercent);
    if ((payable == flowed && payable < full) || flowed < bound) {
      out.capped_by.push_back(Cap::kScope);
    }
    if (out.max_usable < flowed) out.capped_by.push_back(Cap::kStep);
  }
  out.use = out.max_usable;
  if (w.requested) out.use = std::min(out.use, floor_to(std::max<int64_t>(*w.requested, 0), step));
  if (out.use != flowed) pieces = ledger::allocate(w.state->lots, order, pay, out.use);
  // Units per paid line, then the value they pay spread over those lines.
  std::vector<int64_t> units_per_line(pay.size(), 0);
  out.lots.reserve(pieces.size());
  for (const ledger::Piece& p : pieces) {
    units_per_line[p.line_index] += p.amount;
    out.lots.push_back({w.state->lots[p.lot_index].id, pay[p.line_index].line_id, p.amount});
  }
  out.use_value = value_of(rule, out.use);
  if (out.use_value <= 0) return;
  auto values = rules::split_by_weight(out.use_value, units_per_line);
  for (std::size_t k = 0; k < pay.size(); ++k) {
    std::size_t i = pay_line_index[k];
    int64_t& target = i < cart.lines.size() ? left.lines[i] : left.shipping;
    target -= values[k];
    PATRON_ASSERT(target >= 0);
  }
}

// The cart as it would be paid: coupon discounts on the lines, wallet value
// as paid-with-value, for the projected earn and the tier count.
rules::Order as_paid(const rules::Order& cart, const Remaining& after_coupons,
                     const Remaining& after_wallets) {
  rules::Order paid = cart;
  for (std::size_t i = 0; i < paid.lines.size(); ++i) {
    rules::OrderLine& line = paid.lines[i];
    line.discount = line.gross() - after_coupons.lines[i];
    line.paid_with_value = after_coupons.lines[i] - after_wallets.lines[i];
  }
  paid.shipping = after_wallets.shipping;
  return paid;
}

}  // namespace

std::string_view to_string(Cap cap) {
  switch (cap) {
    case Cap::kBalance:
      return "balance";
    case Cap::kDisabled:
      return "disabled";
    case Cap::kTier:
      return "tier";
    case Cap::kMinOrder:
      return "min_order";
    case Cap::kCoupon:
      return "coupon";
    case Cap::kMaxAmount:
      return "max_amount";
    case Cap::kMaxPercent:
      return "max_percent";
    case Cap::kScope:
      return "scope";
    case Cap::kStep:
      return "step";
  }
  return "balance";
}

int64_t effective_step(const rules::RedeemRule* rule) {
  if (rule == nullptr) return 1;
  return std::lcm(rule->step, rule->value_den);
}

int64_t value_of(const rules::RedeemRule* rule, int64_t units) {
  if (rule == nullptr) return units;
  return static_cast<int64_t>(Wide{units} * rule->value_num / rule->value_den);
}

int64_t units_for(const rules::RedeemRule* rule, int64_t value) {
  if (rule == nullptr) return value;
  Wide units = Wide{value} * rule->value_den / rule->value_num;
  return static_cast<int64_t>(std::min<Wide>(units, limits::kAmountMax));
}

Result<void> check_cart(const rules::Order& cart) {
  if (cart.lines.empty()) {
    return fail(ErrorCode::kInvalidArgument, "cart.lines", "must have at least one line");
  }
  if (cart.lines.size() > limits::kLinesMax) {
    return fail(ErrorCode::kInvalidArgument, "cart.lines",
                "has more than " + std::to_string(limits::kLinesMax) + " lines");
  }
  if (cart.shipping < 0 || cart.shipping > limits::kAmountMax) {
    return fail(ErrorCode::kInvalidArgument, "cart.shipping", "must be between 0 and 10^14");
  }
  int64_t total = cart.shipping;
  for (std::size_t i = 0; i < cart.lines.size(); ++i) {
    const rules::OrderLine& line = cart.lines[i];
    std::string at = "cart.lines[" + std::to_string(i) + "]";
    if (line.line_id.empty()) return fail(ErrorCode::kInvalidArgument, at + ".line_id", "is empty");
    for (std::size_t k = 0; k < i; ++k) {
      if (cart.lines[k].line_id == line.line_id) {
        return fail(ErrorCode::kInvalidArgument, at + ".line_id",
                    "repeats line '" + line.line_id + "'");
      }
    }
    if (line.quantity <= 0) {
      return fail(ErrorCode::kInvalidArgument, at + ".quantity", "must be more than 0");
    }
    if (line.unit_price < 0) {
      return fail(ErrorCode::kInvalidArgument, at + ".unit_price", "must not be negative");
    }
    if (Wide{line.quantity} * line.unit_price > limits::kAmountMax) {
      return fail(ErrorCode::kInvalidArgument, at + ".quantity",
                  "quantity x unit_price is more than 10^14 minor units");
    }
    if (line.discount < 0 || line.discount > line.gross()) {
      return fail(ErrorCode::kInvalidArgument, at + ".discount",
                  "must be between 0 and the line's quantity x unit_price");
    }
    total += line.net();
    if (total > limits::kAmountMax) {
      return fail(ErrorCode::kInvalidArgument, "cart.lines",
                  "the cart's total is more than 10^14 minor units");
    }
  }
  return {};
}

Result<Quote> quote(const QuoteInput& in) {
  PATRON_ASSERT(in.rules != nullptr && in.cart != nullptr);
  const rules::Order& cart = *in.cart;
  if (auto ok = check_cart(cart); !ok) return std::unexpected(ok.error());
  Quote q;
  Remaining left;
  left.lines.reserve(cart.lines.size());
  for (const rules::OrderLine& line : cart.lines) {
    left.lines.push_back(line.net());
    q.subtotal += line.net();
  }
  left.shipping = cart.shipping;
  bool coupon_applied = false;
  if (in.coupons != nullptr && !in.coupons->empty()) {
    q.coupons = apply_coupons(cart, cart.member_id, *in.coupons, in.now, left.lines, left.shipping);
    for (const CouponResult& c : q.coupons) {
      coupon_applied = coupon_applied || c.valid;
      q.coupon_discount += c.discount;
      q.shipping_discount += c.shipping_discount;
    }
  }
  q.order_value = q.subtotal - q.coupon_discount;
  q.shipping = left.shipping;
  Remaining after_coupons = left;
  q.wallets.resize(in.wallets.size());
  for (std::size_t k = 0; k < in.wallets.size(); ++k) {
    PATRON_ASSERT(in.wallets[k].policy != nullptr && in.wallets[k].state != nullptr);
    quote_wallet(in, in.wallets[k], q.order_value, coupon_applied, after_coupons, left,
                 q.wallets[k]);
    q.value_used += q.wallets[k].use_value;
  }
  q.total = q.order_value + q.shipping - q.value_used;
  PATRON_ASSERT(q.total >= 0);
  rules::Order paid = as_paid(cart, after_coupons, left);
  rules::EarnContext context{in.tier, in.zone, in.campaigns};
  rules::evaluate_earn(*in.rules, paid, context, q.earn);
  const rules::Tiers& tiers = in.rules->tiers;
  if (tiers.enabled() && in.tier_state != nullptr && in.counted_orders != nullptr) {
    std::vector<rules::CountedOrder> orders = *in.counted_orders;
    int64_t value =
        tiers.basis == rules::Tiers::Basis::kOrderCount ? 1 : rules::paid_value(paid, 0);
    const std::string id = "(this order)";
    orders.push_back({id, in.now, value});
    auto change = rules::on_order(tiers, *in.tier_state, orders, id, false, in.now, in.zone);
    q.tier_after = rules::progress(tiers, change.state, orders, in.now, in.zone);
    q.tier_after_id = rules::effective_tier(tiers, change.state);
  }
  return q;
}

}  // namespace patron::checkout
