// Campaigns (design §4.6): a time window (absolute, and/or recurring days of
// the month, weekdays and hours in the program time zone), a target (tiers,
// how many purchases the member made before, the order's paid value), an
// effect on orders placed in the window (a multiplier on purchase earning
// and/or a fixed bonus), a holdout share of members who get nothing and are
// recorded as the control group, a stacking rule, and a budget.
// Plain data configured by the program file (docs/config.md "[[campaigns]]");
// pure functions, no I/O, no clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "ledger/policy.h"
#include "rules/rewards.h"

namespace patron::rules {

struct Campaign {
  std::string id;  // [a-z0-9_]{1,32}, unique among campaigns, rewards and earn rules
  std::string name;
  // Absolute window of the order's placed_at: [starts, ends); either may be open.
  std::optional<Instant> starts;
  std::optional<Instant> ends;
  // Recurring window, local to the program time zone; empty = every day.
  std::vector<int> days_of_month;  // 1..31
  std::vector<int> weekdays;       // 0 Sunday .. 6 Saturday
  int start_minute = 0;            // local time of day, [start_minute, end_minute)
  int end_minute = 24 * 60;
  // Target.
  std::vector<std::string> tiers;  // empty = every tier
  std::vector<std::string> tags;   // the member has at least one; empty = any member
  int64_t min_purchases = 0;       // purchases the member made before this order, at least
  int64_t max_purchases = -1;      // ... at most; -1 = no bound (0: first purchases only)
  int64_t min_order_value = 0;     // the order's paid value at least (currency minor units)
  int64_t holdout_bp = 0;          // share of members held out as control, basis points
  // Effect.
  int64_t multiplier_bp = 10000;   // on purchase earning of `rules`
  std::vector<std::string> rules;  // earn rules it multiplies; empty = every rule
  // Stacking: an exclusive campaign does not combine: the order earns with
  // the best exclusive multiplier alone (no member day, no other campaign).
  // Non-exclusive campaigns multiply with each other and the member day.
  bool exclusive = false;
  std::string wallet;  // the bonus's wallet
  int64_t bonus = 0;   // fixed value per order, minor units of `wallet`
  std::string source = "campaign";
  std::optional<ledger::ExpiryRule> expires;  // the bonus lot; default: the wallet's rule
  Budget budget;  // value: what the campaign added (extra earning + bonus); count: orders
  // Even pacing: the budget is released day by day over the window (which
  // then has both ends), so the first days cannot spend it all; what a day
  // leaves unused carries over. Off: all of it from the start.
  bool even_pacing = false;
  friend bool operator==(const Campaign&, const Campaign&) = default;
};

// The part of the campaign's budget usable by `at`: the whole budget, or
// with even pacing, on local day d of a window touching D local days (day 1
// is the day of `starts`), ceil(budget x d / D) of the value and of the
// count; after the window, all of it.
Budget budget_by(const Campaign& c, Instant at, const date::time_zone* zone);

// Whether an order placed at `at` is in the campaign's window.
bool campaign_open(const Campaign& c, Instant at, const date::time_zone* zone);

// Whether the campaign targets a member of `tier` with `tags` who made
// `purchases` purchases before, for an order paying `paid_value`.
bool campaign_targets(const Campaign& c, std::string_view tier,
                      const std::vector<std::string>& tags, int64_t purchases, int64_t paid_value);

// The member's holdout bucket for a campaign, 0..9999: FNV-1a (64-bit) of
// "<program>/<campaign>/<member>" mod 10000. Deterministic, so a member stays
// in the same group for the whole campaign and analysts can recompute it.
int64_t holdout_bucket(std::string_view program, std::string_view campaign,
                       std::string_view member);
inline bool in_holdout(const Campaign& c, std::string_view program, std::string_view member) {
  return c.holdout_bp > 0 && holdout_bucket(program, c.id, member) < c.holdout_bp;
}

// Whether campaign `c` multiplies earn rule `rule_id`.
bool multiplies(const Campaign& c, std::string_view rule_id);

}  // namespace patron::rules
