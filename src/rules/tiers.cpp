#include "rules/tiers.h"

#include <date/tz.h>

#include <algorithm>

#include "core/assert.h"
#include "core/limits.h"

namespace patron::rules {

namespace {

__extension__ using Wide = __int128;  // GCC builtin; pedantic wants the marker

// Anniversaries a member can have missed between two evaluations; past it
// the loop stops (the next run continues).
constexpr int kAnniversariesPerRunMax = 120;

int64_t entry_of(const Tiers& t, std::size_t level) {
  return t.levels[level].entry;
}

// The first instant of the window that ends at `end`.
std::optional<Instant> window_start(const Tiers& t, const TierState& state, Instant end,
                                    const date::time_zone* zone) {
  switch (t.window) {
    case Tiers::Window::kLifetime:
      return std::nullopt;
    case Tiers::Window::kCalendarYear: {
      auto d = local_date(end, zone);
      return local_midnight(d.year() / std::chrono::January / 1, zone);
    }
    case Tiers::Window::kRollingMonths:
      return local_midnight(add_months(local_date(end, zone), -t.window_months), zone);
    case Tiers::Window::kSinceTierStart:
      return state.since;
  }
  return std::nullopt;
}

// Sum of counted value with from <= at <= to.
int64_t sum_between(const std::vector<CountedOrder>& orders, std::optional<Instant> from,
                    Instant to) {
  Wide sum = 0;
  for (const auto& o : orders) {
    if (o.at > to) continue;
    if (from && o.at < *from) continue;
    sum += o.value;
  }
  return static_cast<int64_t>(std::min<Wide>(sum, limits::kAmountMax));
}

// A new period for `level` starting at `start`, or none for the base level.
void start_period(const Tiers& t, TierState& s, std::size_t level, Instant start,
                  const date::time_zone* zone) {
  s.tier = level == 0 ? "" : t.levels[level].id;
  if (level == 0) {
    s.since.reset();
    s.until.reset();
    return;
  }
  s.since = start;
  s.until = local_midnight(add_months(local_date(start, zone), t.period_months), zone);
}

}  // namespace

int64_t paid_value(const Order& order, int64_t refunded_amount) {
  Wide value = 0;
  for (const auto& l : order.lines) {
    if (l.quantity <= 0) continue;
    int64_t kept = l.quantity - std::clamp<int64_t>(l.refunded_quantity, 0, l.quantity);
    Wide paid = Wide{l.net()} - l.paid_with_value;
    if (paid <= 0 || kept == 0) continue;
    value += paid * kept / l.quantity;
  }
  value -= refunded_amount;
  return static_cast<int64_t>(std::clamp<Wide>(value, 0, limits::kAmountMax));
}

std::size_t level_for(const Tiers& t, int64_t value) {
  std::size_t level = 0;
  for (std::size_t i = 0; i < t.levels.size(); ++i) {
    if (value >= t.levels[i].entry) level = i;
  }
  return level;
}

std::size_t level_index(const Tiers& t, std::string_view id) {
  if (id.empty()) return 0;
  for (std::size_t i = 0; i < t.levels.size(); ++i) {
    if (t.levels[i].id == id) return i;
  }
  return 0;  // a level the configuration no longer has: the base
}

int64_t qualifying_value(const Tiers& t, const TierState& state,
                         const std::vector<CountedOrder>& orders, Instant now,
                         const date::time_zone* zone) {
  return sum_between(orders, window_start(t, state, now, zone), now);
}

std::string effective_tier(const Tiers& t, const TierState& state) {
  if (!t.enabled()) return "";
  return t.levels[level_index(t, state.tier)].id;
}

TierChange on_order(const Tiers& t, const TierState& state, const std::vector<CountedOrder>& orders,
                    const std::string& order_id, bool refunded, Instant now,
                    const date::time_zone* zone) {
  TierChange change{state, state.tier, state.tier, "none"};
  if (!t.enabled()) return change;
  std::size_t current = level_index(t, state.tier);
  int64_t value = qualifying_value(t, state, orders, now, zone);
  std::size_t target = level_for(t, value);
  if (target > current) {
    TierState next;
    start_period(t, next, target, now, zone);
    next.previous = state.tier;
    next.upgraded_by = order_id;
    change.state = next;
    change.to = next.tier;
    change.reason = "upgrade";
    return change;
  }
  // A refund of the order behind the latest upgrade that takes the value
  // back under that level's entry undoes the upgrade.
  if (refunded && !state.upgraded_by.empty() && state.upgraded_by == order_id &&
      value < entry_of(t, current)) {
    // Back to the level before (or what the value still reaches); a new
    // period for it starts now.
    std::size_t back = std::max(level_index(t, state.previous), target);
    TierState next;
    start_period(t, next, back, now, zone);
    change.state = next;
    change.to = next.tier;
    change.reason = "refund_undo";
  }
  return change;
}

TierChange on_anniversary(const Tiers& t, const TierState& state,
                          const std::vector<CountedOrder>& orders, Instant now,
                          const date::time_zone* zone) {
  TierChange change{state, state.tier, state.tier, "none"};
  if (!t.enabled()) return change;
  TierState s = state;
  for (int round = 0; round < kAnniversariesPerRunMax && s.until && *s.until <= now; ++round) {
    Instant anniversary = *s.until;
    std::size_t current = level_index(t, s.tier);
    int64_t value = qualifying_value(t, s, orders, anniversary, zone);
    std::size_t qualifies = level_for(t, value);
    std::size_t next_level = current;
    if (qualifies > current) {
      next_level = qualifies;
      change.reason = "upgrade";
    } else if (value >= t.levels[current].retain) {
      change.reason = "retained";
    } else {
      next_level = t.downgrade == Tiers::Downgrade::kOneStep ? current - 1
                                                             : std::min(qualifies, current - 1);
      change.reason = "downgrade";
    }
    TierState next;
    start_period(t, next, next_level, anniversary, zone);
    s = next;
  }
  change.state = s;
  change.to = s.tier;
  return change;
}

TierChange on_membership(const Tiers& t, const TierState& state, std::size_t level, int64_t units,
                         const std::string& order_id, Instant now, const date::time_zone* zone) {
  TierChange change{state, state.tier, state.tier, "none"};
  if (!t.enabled() || level >= t.levels.size() || units <= 0) return change;
  std::size_t current = level_index(t, state.tier);
  if (level < current) return change;
  int64_t months = std::min<int64_t>(units * t.levels[level].membership_months, 1200);
  TierState next;
  if (level == current && state.until && *state.until > now) {
    next = state;  // renewal: the period goes on from its end
    next.until = local_midnight(add_months(local_date(*state.until, zone), months), zone);
  } else {
    next.tier = t.levels[level].id;
    next.since = now;
    next.until = local_midnight(add_months(local_date(now, zone), months), zone);
    next.previous = state.tier;
  }
  next.upgraded_by = order_id;
  change.state = next;
  change.to = next.tier;
  change.reason = "membership";
  return change;
}

TierChange membership_refunded(const Tiers& t, const TierState& state, std::size_t level,
                               std::vector<MembershipPurchase> left, Instant now,
                               const date::time_zone* zone) {
  TierChange change{state, state.tier, state.tier, "none"};
  if (!t.enabled() || level >= t.levels.size() || level == 0) return change;
  TierState next;
  if (left.empty()) {
    std::size_t back = level_index(t, state.previous);
    if (back >= level) back = level - 1;
    start_period(t, next, back, now, zone);
    change.reason = "refund_undo";
  } else {
    std::sort(left.begin(), left.end(),
              [](const MembershipPurchase& a, const MembershipPurchase& b) { return a.at < b.at; });
    int64_t months = 0;
    for (const auto& p : left) months += p.units * t.levels[level].membership_months;
    months = std::min<int64_t>(months, 1200);
    next.tier = t.levels[level].id;
    next.since = left.front().at;
    next.until = local_midnight(add_months(local_date(left.front().at, zone), months), zone);
    next.previous = state.previous;
    next.upgraded_by = left.back().order_id;
    change.reason = "membership";
  }
  change.state = next;
  change.to = next.tier;
  return change;
}

TierProgress progress(const Tiers& t, const TierState& state,
                      const std::vector<CountedOrder>& orders, Instant now,
                      const date::time_zone* zone) {
  TierProgress p;
  p.tier = state.tier;
  if (!t.enabled()) return p;
  std::size_t current = level_index(t, state.tier);
  p.tier = t.levels[current].id;
  p.value = qualifying_value(t, state, orders, now, zone);
  // The next level spend can reach (paid-only levels are bought, not earned).
  for (std::size_t i = current + 1; i < t.levels.size(); ++i) {
    if (t.levels[i].entry == kPaidOnlyEntry) continue;
    p.next = t.levels[i].id;
    p.to_next = std::max<int64_t>(0, t.levels[i].entry - p.value);
    if (t.window == Tiers::Window::kCalendarYear) {
      const auto year = local_date(now, zone).year() + std::chrono::years{1};
      p.next_by = local_midnight(year / std::chrono::January / 1, zone);
    } else if (t.window == Tiers::Window::kSinceTierStart) {
      p.next_by = state.until;
    }
    break;
  }
  p.until = state.until;
  if (state.until && current > 0) {
    // What the window ending at the anniversary already holds.
    int64_t counted = sum_between(orders, window_start(t, state, *state.until, zone), now);
    int64_t retain = t.levels[current].retain;
    p.to_keep = retain == kPaidOnlyEntry ? 0 : std::max<int64_t>(0, retain - counted);
  }
  return p;
}

}  // namespace patron::rules
