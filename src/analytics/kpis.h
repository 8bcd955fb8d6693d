// Program KPIs from plain summaries (issue 8 item 1; every figure is defined
// in docs/analytics.md). Order figures are folded one member at a time, so a
// caller streaming a million orders keeps one member's purchases in memory;
// wallet figures come from ledger account flows summed per (wallet, from
// account, to account). Pure; thread-safe (no shared state).
//
// Order figures over the period [from, to), for purchases as the caller
// counts them (the app: purchased() with a paid value above 0):
//   buyers              members with at least one purchase placed in the period
//   repeat_buyers       buyers with two or more purchases placed in the period
//   repurchase_rate     repeat_buyers / buyers
//   orders, revenue     purchases placed in the period and the sum of their values
//   average_order_value revenue / orders
//   purchase_frequency  orders / buyers
//   active_members      members whose last purchase before `to` was placed at or
//                       after to - churn_days
//   churned_members     members with a purchase before `to` but none at or after
//                       to - churn_days (active + churned = members who ever bought)
// Ratios are empty when their denominator is 0.
//
// Wallet figures, from net flows (inflow - outflow) of the system accounts in
// the period, and of the member accounts from the start of history to `to`:
//   issued      outflow - inflow of every issued:<source> account (by source too)
//   redeemed    net inflow of `redeemed` (restores by refunds reduce it)
//   expired     net inflow of `expired` (expired value a refund took back leaves it)
//   clawed_back net inflow of `clawed_back`; adjusted: net inflow of `adjusted`
//   written_off net outflow of `written_off` (debt the program absorbed)
//   outstanding the sum of every member:* account's balance at `to` (available
//               + pending + held - debt): the program's liability
//   redemption_rate  redeemed / issued (a period may redeem value issued
//                    before it, so the rate can exceed 1)
//   breakage_rate    expired / (redeemed + expired): of the value members
//                    used or lost in the period, the share they lost
//
// Fails (kInvalidArgument, field named) on from > to, churn days outside
// 1..kChurnDaysMax, a purchase value outside 0..limits::kAmountMax, a flow
// amount below 0; (kFailedPrecondition) when a sum would overflow int64.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace patron::analytics {

// "No order in N days": 90 is the common e-commerce lapse window.
inline constexpr int64_t kChurnDaysDefault = 90;
// Ten years: a longer window would call nobody churned in any real history.
inline constexpr int64_t kChurnDaysMax = 3'650;

struct Purchase {
  Instant placed_at;
  int64_t value_minor = 0;
};

struct KpiPeriod {
  Instant from;
  Instant to;  // exclusive
  int64_t churn_days = kChurnDaysDefault;
};

struct OrderKpis {
  int64_t buyers = 0;
  int64_t repeat_buyers = 0;
  int64_t orders = 0;
  int64_t revenue_minor = 0;
  int64_t active_members = 0;
  int64_t churned_members = 0;
  std::optional<double> repurchase_rate;
  std::optional<double> average_order_value_minor;
  std::optional<double> purchase_frequency;
};

Result<void> validate_period(const KpiPeriod& period);

// Adds one member's purchases (any order) to the counts of `totals`; the
// ratios are left to finish_order_kpis. Assumes a validated period.
Result<void> add_member_purchases(OrderKpis& totals, std::span<const Purchase> purchases,
                                  const KpiPeriod& period);

// Sets the ratios from the counts.
void finish_order_kpis(OrderKpis& totals);

// A ledger flow: `amount_minor` moved from one account to another in one wallet.
struct AccountFlow {
  std::string wallet;
  std::string from_account;
  std::string to_account;
  int64_t amount_minor = 0;
};

struct WalletKpis {
  std::string wallet;
  int64_t issued_minor = 0;
  std::map<std::string, int64_t> issued_by_source_minor;
  int64_t redeemed_minor = 0;
  int64_t expired_minor = 0;
  int64_t clawed_back_minor = 0;
  int64_t written_off_minor = 0;
  int64_t adjusted_minor = 0;
  int64_t outstanding_minor = 0;
  std::optional<double> redemption_rate;
  std::optional<double> breakage_rate;
};

// One entry per name in `wallets`, then one per other wallet seen in the
// flows, in name order. `period` are the flows of the period, `history` those
// from the start of history to the end of the period.
Result<std::vector<WalletKpis>> wallet_kpis(std::span<const std::string> wallets,
                                            std::span<const AccountFlow> period,
                                            std::span<const AccountFlow> history);

}  // namespace patron::analytics
