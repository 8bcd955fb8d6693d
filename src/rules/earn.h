// Purchase earning: what an order earns under a program's earn rules, and
// which lines earned it. Pure and deterministic; no I/O, no clock.
//
// For each rule (docs/config.md "How an order earns"):
//   line value  = the line's net (after its discount) for the units not
//                 refunded, minus the value paid with credit/points when the
//                 rule excludes it; 0 for reward lines and excluded
//                 categories/brands/SKUs; shipping is one more "line" when the
//                 rule includes it.
//   line weight = line value x the product of the multipliers that match it.
//   base        = the sum of line values; below `min_base` the rule earns 0.
//   earned      = percent: floor(sum of weights x bp / 10000);
//                 steps:   floor(sum of weights / every) x get;
//                 then x the best member-day multiplier of the order's local
//                 date (floor), then x each campaign multiplier in turn
//                 (floor each) -- or, when an exclusive campaign applies, x
//                 the best exclusive multiplier alone (no member day, no
//                 other campaign) -- then capped by `per_order_max`.
// The member's tier picks a tier rate instead of the rule's rate. What a rule
// earns is attributed to the lines in proportion to their weights (largest
// remainder, ties to the earlier line), so a refund of some lines can claw
// back exactly what those lines earned.
//
// Thread safety: the functions are reentrant; an EarnOutcome is one caller's.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/types.h"
#include "rules/order.h"
#include "rules/rules.h"

namespace date {
class time_zone;
}

namespace patron::rules {

// The attribution id of shipping when a rule's base includes it.
inline constexpr const char* kShippingLine = "shipping";

struct EarnContext {
  std::string_view tier;                  // the member's tier id; empty: no tier
  const date::time_zone* zone = nullptr;  // program time zone (member days); required
  // Campaigns whose multipliers apply to this order (the app picked them:
  // open, targeted, not held out, budget left), in configuration order.
  std::span<const Campaign* const> campaigns = {};
};

struct RuleEarn {
  const EarnRule* rule = nullptr;
  int64_t base = 0;               // sum of line values
  int64_t amount = 0;             // earned, in minor units of rule->wallet
  int64_t multiplier_bp = 10000;  // the member-day multiplier applied
  const MemberDay* member_day = nullptr;
  std::vector<const Campaign*> campaigns;  // the campaign multipliers applied
  bool capped = false;                     // per_order_max cut it
  std::vector<ledger::LineShare> shares;   // per line with weight > 0; sums to amount
};

struct EarnOutcome {
  std::vector<RuleEarn> rules;  // one per rule of the program, in order (amount may be 0)
  int64_t total(std::string_view wallet) const;
};

// Evaluates every earn rule for `order`. Reuses `out`'s storage.
void evaluate_earn(const Rules& rules, const Order& order, const EarnContext& context,
                   EarnOutcome& out);
EarnOutcome evaluate_earn(const Rules& rules, const Order& order, const EarnContext& context);

// The member day that applies to an order placed at `at` by a member of
// `tier`: the one with the highest multiplier among those matching the local
// date; nullptr when none.
const MemberDay* member_day_for(const Rules& rules, Instant at, std::string_view tier,
                                const date::time_zone* zone);

// The rate a rule uses for `tier`.
const Rate& rate_for(const EarnRule& rule, std::string_view tier);

}  // namespace patron::rules
