// Membership tiers (會員分級): ordered levels with entry thresholds on a
// qualifying value (paid spend, order count or points earned — never the
// spendable balance) over a window; immediate upgrade; retention (續會) at
// the end of each tier period; downgrade one step or to the qualifying tier.
// Pure: the app gives the member's counted orders and the clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "rules/order.h"

namespace date {
class time_zone;
}

namespace patron::rules {

// A level no qualifying value reaches: only a paid membership buys it.
inline constexpr int64_t kPaidOnlyEntry = INT64_MAX;

struct TierLevel {
  std::string id;      // [a-z0-9_]{1,32}: what earn rules' tier_rates name
  std::string name;    // display name (一般, 銀卡, 金卡, VIP)
  int64_t entry = 0;   // qualifying value to reach the level (0 for the first level;
                       // kPaidOnlyEntry: only by membership)
  int64_t retain = 0;  // qualifying value over the period to keep it at the anniversary
  // Paid membership: an order line with this SKU, once the order counts,
  // buys the level for `membership_months` per unit (renewing extends it).
  std::string membership_sku;
  int64_t membership_months = 12;
  friend bool operator==(const TierLevel&, const TierLevel&) = default;
};

struct Tiers {
  enum class Basis { kPaidSpend, kOrderCount };
  enum class Window { kLifetime, kCalendarYear, kRollingMonths, kSinceTierStart };
  enum class Downgrade { kOneStep, kToQualifying };
  enum class CountOn { kPaid, kCompleted };  // when an order starts to count
  Basis basis = Basis::kPaidSpend;
  CountOn count_on = CountOn::kPaid;
  Window window = Window::kRollingMonths;
  int64_t window_months = 12;  // kRollingMonths
  int64_t period_months = 12;  // how long a reached tier lasts before retention is judged
  Downgrade downgrade = Downgrade::kOneStep;
  int64_t warn_days = 30;         // "will downgrade" this many days before the anniversary
  std::vector<TierLevel> levels;  // ascending; levels[0].entry == 0; empty: no tiers
  bool enabled() const { return !levels.empty(); }
  friend bool operator==(const Tiers&, const Tiers&) = default;
};

// A member's tier. `level` indexes Tiers::levels (0: the base level).
struct TierState {
  std::string tier;              // level id; empty: the base level (never evaluated)
  std::optional<Instant> since;  // start of the current period
  std::optional<Instant> until;  // the anniversary: retention is judged then
  // Set by an upgrade an order caused: a refund of that order that takes the
  // qualifying value back under the entry returns the member to `previous`.
  std::string previous;
  std::string upgraded_by;  // order id
  friend bool operator==(const TierState&, const TierState&) = default;
};

// One order as tiers count it: when it counted and its value net of refunds.
struct CountedOrder {
  std::string id;
  Instant at{};
  int64_t value = 0;  // paid spend net of refunds (kPaidSpend); 1 per order (kOrderCount)
};

// What an order counts as paid spend: its lines' net for the units not
// refunded, less what was paid with credit or points, less amount-only
// refunds; never below 0. Shipping does not count.
int64_t paid_value(const Order& order, int64_t refunded_amount);

// The qualifying value at `now` for the member's window.
int64_t qualifying_value(const Tiers& tiers, const TierState& state,
                         const std::vector<CountedOrder>& orders, Instant now,
                         const date::time_zone* zone);

// Index of the highest level whose entry `value` reaches.
std::size_t level_for(const Tiers& tiers, int64_t value);
std::size_t level_index(const Tiers& tiers, std::string_view id);  // 0 when unknown

struct TierChange {
  TierState state;
  std::string from;
  std::string to;
  std::string reason;  // upgrade, retained, downgrade, refund_undo, none
  bool changed() const { return from != to; }
};

// After an order counted or was refunded (`order_id`): upgrade at once when
// the value reaches a higher entry; when `refunded` (the command refunded or
// cancelled the order) and the order caused the last upgrade, a value now
// under that level's entry undoes it. Other events never undo an upgrade.
TierChange on_order(const Tiers& tiers, const TierState& state,
                    const std::vector<CountedOrder>& orders, const std::string& order_id,
                    bool refunded, Instant now, const date::time_zone* zone);

// The level id a state stands for ("" is the first level's id); "" when the
// program has no tiers (then tier rates and tier-only member days apply to
// nobody).
std::string effective_tier(const Tiers& tiers, const TierState& state);

// At the anniversary (`state.until <= now`): keep the level when the value
// over the period reaches `retain` (a new period starts at `until`), else
// downgrade; an upgrade is judged too. Repeats for missed anniversaries.
TierChange on_anniversary(const Tiers& tiers, const TierState& state,
                          const std::vector<CountedOrder>& orders, Instant now,
                          const date::time_zone* zone);

// A paid membership for level `level` bought by `order_id` (`units` x the
// level's months): a lower level moves up to it for the bought period
// (reason "membership"; a refund of the order undoes it like an upgrade); the
// same level extends its period from its current end; a higher level keeps
// what it has (no change). At the period's end the usual anniversary rules
// apply: a paid-only level cannot be retained by spend.
TierChange on_membership(const Tiers& tiers, const TierState& state, std::size_t level,
                         int64_t units, const std::string& order_id, Instant now,
                         const date::time_zone* zone);

// A membership purchase still paid for (the refund of another one recounts them).
struct MembershipPurchase {
  std::string order_id;
  Instant at{};  // when it counted
  int64_t units = 0;
};

// A member on paid level `level` gave one purchase back: the period is
// recounted from the purchases `left` (from the earliest, their months one
// after the other; reason "membership"), or, with none left, the member goes
// back to the level before the membership for a new period (reason
// "refund_undo").
TierChange membership_refunded(const Tiers& tiers, const TierState& state, std::size_t level,
                               std::vector<MembershipPurchase> left, Instant now,
                               const date::time_zone* zone);

struct TierProgress {
  std::string tier;
  std::string next;     // empty at the top level
  int64_t to_next = 0;  // value still needed to reach `next`
  // When the window gives to_next a deadline, the instant it must be reached
  // before: the next 1 January (calendar_year) or the anniversary
  // (since_tier_start). None for rolling and lifetime windows, or no `next`.
  std::optional<Instant> next_by;
  int64_t to_keep = 0;  // value still needed by `until` to keep the level
  std::optional<Instant> until;
  int64_t value = 0;  // the qualifying value now
};
TierProgress progress(const Tiers& tiers, const TierState& state,
                      const std::vector<CountedOrder>& orders, Instant now,
                      const date::time_zone* zone);

}  // namespace patron::rules
