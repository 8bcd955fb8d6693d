#include "app/orders.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <memory>
#include <set>
#include <string_view>
#include <unordered_set>

#include "app/coupons.h"
#include "app/json_codec.h"
#include "app/outbox.h"
#include "app/referrals.h"
#include "app/rewards.h"
#include "app/tiering.h"
#include "app/wallets.h"
#include "core/limits.h"
#include "core/money.h"
#include "core/text.h"
#include "rules/earn.h"

namespace patron::app {

namespace json = boost::json;

namespace {

Result<void> check_text(const std::string& value, const std::string& field, bool required,
                        std::size_t max = limits::kIdBytesMax) {
  return patron::check_text(value, field, required, max);
}

// The order events, in lifecycle order.
enum class Event { kPlaced, kPaid, kFulfilled, kCompleted, kCancelled, kRefunded, kReturned };

std::optional<Event> parse_event(std::string_view name) {
  if (name == "placed") return Event::kPlaced;
  if (name == "paid") return Event::kPaid;
  if (name == "fulfilled") return Event::kFulfilled;
  if (name == "completed") return Event::kCompleted;
  if (name == "cancelled") return Event::kCancelled;
  if (name == "refunded") return Event::kRefunded;
  if (name == "returned") return Event::kReturned;
  return std::nullopt;
}

// Whether the order has reached the event the program earns on. A later
// stage implies the earlier ones (a `completed` that arrives before `paid`).
bool trigger_reached(const OrderRecord& r, rules::EarnTrigger trigger) {
  switch (trigger) {
    case rules::EarnTrigger::kPaid:
      return r.paid_at || r.fulfilled_at || r.completed_at;
    case rules::EarnTrigger::kFulfilled:
      return r.fulfilled_at || r.completed_at;
    case rules::EarnTrigger::kCompleted:
      return r.completed_at.has_value();
  }
  return false;
}

Instant window_end(const ResolvedProgram& program, Instant fulfilled_at) {
  return return_window_end(program, fulfilled_at);
}

// Purchases the member made before this order (other orders that reached
// the earn trigger and were not cancelled).
Result<int64_t> earlier_purchases(Store& store, const ResolvedProgram& program,
                                  const OrderRecord& record) {
  auto orders = store.member_order_summaries(program.program.id, record.order.member_id);
  if (!orders) return std::unexpected(orders.error());
  int64_t count = 0;
  for (const OrderSummary& o : *orders) {
    if (o.id != record.order.id && purchased(program, o)) ++count;
  }
  return count;
}

// Where value an order earns lands: pending until its return window ends (or
// released at once when completed), tied to the order, attributed to its
// lines by what is kept of them, so a refund of some lines takes back their
// part and a full refund all of it.
RewardLot order_lot(const ResolvedProgram& program, const OrderRecord& record, Instant now) {
  RewardLot lot;
  lot.order_id = record.order.id;
  if (record.completed_at) {
    lot.available_at = now;  // completed: nothing left to wait for
  } else if (record.fulfilled_at) {
    lot.available_at = std::max(now, window_end(program, *record.fulfilled_at));
  } else {
    lot.pending_until_release = true;  // the window starts at fulfilment
  }
  bool weighed = false;
  for (const auto& l : record.order.lines) {
    int64_t open = l.quantity - l.refunded_quantity;
    int64_t weight = l.reward ? 0 : *scale(l.net(), open, l.quantity, Rounding::kFloor);
    lot.line_ids.push_back(l.line_id);
    lot.line_weights.push_back(weight);
    weighed = weighed || weight > 0;
  }
  if (!weighed) std::fill(lot.line_weights.begin(), lot.line_weights.end(), 1);
  return lot;
}

}  // namespace

namespace {

// Coupons of the order: paid now -> its pending codes are confirmed;
// cancelled now -> every code it used is released.
Result<void> settle_coupons(Store& store, const OrderRecord& record, bool paid_before,
                            bool cancelled_before, CommandWrite& write) {
  bool cancelled = record.cancelled_at && !cancelled_before;
  bool paid = record.paid_at && !paid_before;
  if (!cancelled && !paid) return {};
  auto rows = settle_order_coupons(store, write.program_id, record.order.id, cancelled);
  if (!rows) return std::unexpected(rows.error());
  write.coupon_redemptions = std::move(*rows);
  return {};
}

}  // namespace

Result<CampaignPick> pick_campaigns(Store& store, const ResolvedProgram& program,
                                    RuleLimits& limits, const OrderRecord& record,
                                    const std::string& tier, const std::vector<std::string>& tags,
                                    Instant now) {
  CampaignPick pick;
  std::optional<int64_t> purchases;
  const int64_t paid = rules::paid_value(record.order, record.refunded_amount);
  for (const rules::Campaign& c : program.program.rules.campaigns) {
    if (!rules::campaign_open(c, record.order.placed_at, program.zone)) continue;
    if (!purchases && (c.min_purchases > 0 || c.max_purchases >= 0)) {
      auto n = earlier_purchases(store, program, record);
      if (!n) return std::unexpected(n.error());
      purchases = *n;
    }
    if (!rules::campaign_targets(c, tier, tags, purchases.value_or(0), paid)) continue;
    // A spent budget ends the campaign for both groups.
    auto left = limits.budget_left(c.id, rules::budget_by(c, now, program.zone), 0);
    if (!left) return std::unexpected(left.error());
    if (!*left) continue;
    if (rules::in_holdout(c, program.program.id, record.order.member_id)) {
      pick.control.push_back(&c);
    } else {
      pick.treated.push_back(&c);
    }
  }
  return pick;
}

namespace {

// Earns for the order under the current rules: one pending lot per rule that
// earned, attributed to lines, with the campaigns' multipliers, each cut to
// the member's caps and the rule's budget; then campaign bonuses, and the
// first-purchase rewards when this is the member's first.
Result<void> earn(Wallets& wallets, RuleLimits& limits, const ResolvedProgram& program,
                  OrderRecord& record, const std::string& tier,
                  const std::vector<std::string>& tags, Instant now) {
  const rules::Rules& rules = program.program.rules;
  record.earned_at = now;
  record.program_version = program.program.version;
  record.earned.clear();
  record.earned_units.clear();
  for (const auto& l : record.order.lines) {
    record.earned_units.emplace_back(l.line_id, l.quantity - l.refunded_quantity);
  }
  if (record.order.member_id.empty()) return {};  // guests earn nothing
  RewardLot lot = order_lot(program, record, now);
  CampaignPick pick;
  if (!rules.campaigns.empty()) {
    auto picked = pick_campaigns(wallets.store(), program, limits, record, tier, tags, now);
    if (!picked) return std::unexpected(picked.error());
    pick = std::move(*picked);
  }
  rules::EarnContext context{tier, program.zone, pick.treated};
  rules::EarnOutcome outcome = rules::evaluate_earn(rules, record.order, context);
  // What each rule would earn without the campaigns: the campaigns' share
  // of a rule's grant (after caps) is what it granted above that.
  std::optional<rules::EarnOutcome> base;
  if (std::any_of(outcome.rules.begin(), outcome.rules.end(),
                  [](const rules::RuleEarn& r) { return !r.campaigns.empty(); })) {
    base = rules::evaluate_earn(rules, record.order, rules::EarnContext{tier, program.zone, {}});
  }
  std::vector<int64_t> extra(pick.treated.size(), 0);
  for (rules::RuleEarn& r : outcome.rules) {
    if (r.amount == 0) continue;
    auto room = limits.earn_room(*r.rule, r.amount, now);
    if (!room) return std::unexpected(room.error());
    if (*room == 0) continue;
    if (*room < r.amount) {
      // Cut: the shares shrink in proportion, still summing to the lot.
      std::vector<int64_t> weights;
      for (const auto& share : r.shares) weights.push_back(share.amount);
      std::vector<int64_t> cut = rules::split_by_weight(*room, weights);
      std::vector<ledger::LineShare> shares;
      for (std::size_t i = 0; i < cut.size(); ++i) {
        if (cut[i] > 0) shares.push_back({r.shares[i].line_id, cut[i], 0});
      }
      r.shares = std::move(shares);
      r.amount = *room;
    }
    record.earned.emplace_back(r.rule->id, r.amount);
    auto result = wallets.with(
        r.rule->wallet, [&](ledger::WalletLedger& w, WalletEffect& effect) -> Result<void> {
          ledger::Grant g;
          g.amount = r.amount;
          g.source = r.rule->source;
          g.reason =
              "rule " + r.rule->id + " (program v" + std::to_string(program.program.version) + ")";
          g.order_id = record.order.id;
          g.line_shares = r.shares;
          g.available_at = lot.available_at;
          g.pending_until_release = lot.pending_until_release;
          auto granted = w.grant(g);
          if (!granted) return std::unexpected(granted.error());
          effect.earned += r.amount;
          limits.record(r.rule->id, record.order.id, r.rule->wallet, r.amount, granted->lot_id,
                        now);
          return {};
        });
    if (!result) return result;
  }
  if (base) {
    for (std::size_t k = 0; k < outcome.rules.size(); ++k) {
      const rules::RuleEarn& r = outcome.rules[k];
      int64_t granted = 0;
      for (const auto& [id, value] : record.earned) {
        if (id == r.rule->id) granted = value;
      }
      int64_t added = granted - base->rules[k].amount;
      if (added <= 0 || r.campaigns.empty()) continue;
      // Shared by the campaigns that multiplied this rule, by how much each
      // multiplies; budgets count value in the campaign's wallet only.
      std::vector<int64_t> weights(pick.treated.size(), 0);
      for (std::size_t i = 0; i < pick.treated.size(); ++i) {
        const rules::Campaign* c = pick.treated[i];
        bool applied = std::find(r.campaigns.begin(), r.campaigns.end(), c) != r.campaigns.end();
        if (applied) weights[i] = std::max<int64_t>(1, c->multiplier_bp - 10000);
      }
      std::vector<int64_t> parts = rules::split_by_weight(added, weights);
      for (std::size_t i = 0; i < parts.size(); ++i) {
        const rules::Campaign* c = pick.treated[i];
        if (c->wallet.empty() || c->wallet == r.rule->wallet) extra[i] += parts[i];
      }
    }
  }
  // Campaigns: bonuses that fit their budgets; every treated campaign and
  // every control is recorded (uplift analysis, budgets).
  for (std::size_t i = 0; i < pick.treated.size(); ++i) {
    const rules::Campaign& c = *pick.treated[i];
    int64_t bonus = 0, lot_id = 0;
    if (c.bonus > 0) {
      auto fits =
          limits.budget_left(c.id, rules::budget_by(c, now, program.zone), extra[i] + c.bonus);
      if (!fits) return std::unexpected(fits.error());
      if (*fits) {
        auto done = grant_lot(program, wallets, c.wallet, c.bonus, c.source, "campaign " + c.id,
                              c.expires, lot);
        if (!done) return std::unexpected(done.error());
        bonus = c.bonus;
        lot_id = done->lot_id;
        record.earned.emplace_back(c.id, c.bonus);
      }
    }
    limits.record(c.id, record.order.id, c.wallet, extra[i] + bonus, lot_id, now);
  }
  for (const rules::Campaign* c : pick.control) {
    limits.record(c->id + "#control", record.order.id, "", 0, 0, now);
  }
  bool first_purchase_rewards =
      std::any_of(rules.rewards.begin(), rules.rewards.end(),
                  [](const rules::Reward& rw) { return rw.on == rules::RewardOn::kFirstPurchase; });
  if (!first_purchase_rewards) return {};
  auto earlier = earlier_purchases(wallets.store(), program, record);
  if (!earlier) return std::unexpected(earlier.error());
  if (*earlier > 0) return {};
  json::array granted, skipped;
  RewardTrigger trigger{rules::RewardOn::kFirstPurchase, "", "first", now, ""};
  return grant_rewards(program, wallets, limits, tier, trigger, lot, granted, skipped,
                       &record.earned);
}

// Claws back what the refunded part earned and restores value spent on it,
// in every wallet. `lines`: per refunded line, the fraction of what it earned
// to take back (empty: the order's n/d of everything). n/d: the order's
// fraction given back by this refund (1/1: everything still open), which also
// applies to value spent without line attribution (a hold captured without
// lines) and, with `lines` empty, to every share.
Result<void> refund_value(Wallets& wallets, OrderRecord& record,
                          const std::vector<ledger::RefundLine>& lines, int64_t n, int64_t d) {
  const std::string& order_id = record.order.id;
  // Looked up per allocation: a set, not a scan of up to 5,000 lines each time.
  std::unordered_set<std::string_view> order_lines;
  for (const auto& l : record.order.lines) order_lines.insert(l.line_id);
  auto is_order_line = [&](const std::string& id) { return order_lines.count(id) > 0; };
  auto part = [](int64_t amount, int64_t open, int64_t num, int64_t den) {
    return num == den ? open : std::min(open, *scale(amount, num, den, Rounding::kFloor));
  };
  return wallets.each([&](ledger::WalletLedger& w, WalletEffect& effect) -> Result<void> {
    bool earned_here = false;
    bool spent_here = false;
    for (const auto& lot : w.state().lots) earned_here = earned_here || lot.order_id == order_id;
    for (const auto& r : w.state().redemptions) spent_here = spent_here || r.order_id == order_id;
    if (earned_here && record.earned_at) {
      ledger::Clawback cb;
      cb.order_id = order_id;
      cb.lines = lines;
      cb.numerator = n;
      cb.denominator = d;
      auto r = w.clawback(cb);
      if (!r) return std::unexpected(r.error());
      effect.clawed_back += r->from_pending + r->from_available;
      effect.debt_added += r->debt_added;
      effect.written_off += r->written_off;
    }
    if (!spent_here) return {};
    // Per restore: the allocations' line ids it may take from, and how much.
    std::map<std::string, int64_t> by_line;  // refunded lines with spent value
    int64_t unattributed = 0;                // spent on the order, not on a line
    std::vector<std::string> unattributed_ids;
    for (const auto& red : w.state().redemptions) {
      if (red.order_id != order_id) continue;
      for (const auto& a : red.allocations) {
        int64_t open = a.amount - a.restored;
        if (open <= 0) continue;
        if (!is_order_line(a.line_id)) {
          unattributed += part(a.amount, open, n, d);
          if (std::find(unattributed_ids.begin(), unattributed_ids.end(), a.line_id) ==
              unattributed_ids.end()) {
            unattributed_ids.push_back(a.line_id);
          }
          continue;
        }
        if (lines.empty()) {
          by_line[a.line_id] += part(a.amount, open, n, d);
          continue;
        }
        for (const auto& l : lines) {
          if (l.line_id == a.line_id)
            by_line[a.line_id] += part(a.amount, open, l.numerator, l.denominator);
        }
      }
    }
    auto restore = [&](std::vector<std::string> ids, int64_t amount) -> Result<void> {
      if (amount <= 0) return {};
      ledger::Restore rs;
      rs.order_id = order_id;
      rs.amount = amount;
      rs.line_ids = std::move(ids);
      auto r = w.restore(rs);
      if (!r) return std::unexpected(r.error());
      effect.restored += r->restored;
      return {};
    };
    std::vector<std::string> ids;
    int64_t attributed = 0;
    for (const auto& [id, amount] : by_line) {
      if (amount <= 0) continue;
      ids.push_back(id);
      attributed += amount;
    }
    if (auto r = restore(std::move(ids), attributed); !r) return r;
    return restore(std::move(unattributed_ids), unattributed);
  });
}

// An event's time may not be far ahead of patron's clock.
Result<void> check_event_time(const OrderEvent& ev, const std::string& prefix, Instant now) {
  if (ev.at && *ev.at > now + std::chrono::seconds(limits::kClockSkewSecondsMax)) {
    return fail(ErrorCode::kInvalidArgument, prefix + "at", "is in the future");
  }
  return {};
}

// Checks an event's shape before anything is loaded. `prefix` names where
// it sits in the request ("" or "events[2].").
Result<Event> check_event(const OrderEvent& ev, const std::string& prefix) {
  auto bad = [&](const std::string& field, std::string message) {
    return fail(ErrorCode::kInvalidArgument, prefix + field, std::move(message));
  };
  auto kind = parse_event(ev.event);
  if (!kind) {
    return bad("event",
               "must be one of placed, paid, fulfilled, completed, cancelled, refunded, "
               "returned; got '" +
                   ev.event + "'");
  }
  bool refund = *kind == Event::kRefunded || *kind == Event::kReturned;
  if (!refund && (!ev.lines.empty() || ev.amount || !ev.refund_id.empty())) {
    return bad(ev.amount          ? "amount"
               : ev.lines.empty() ? "refund_id"
                                  : "lines",
               "only refunded and returned events take refund_id, lines or amount");
  }
  if (refund) {
    if (auto ok = check_text(ev.refund_id, prefix + "refund_id", false); !ok) {
      return std::unexpected(ok.error());
    }
    if (*kind == Event::kReturned && ev.lines.empty()) {
      return bad("lines", "a return names the lines given back");
    }
    if (!ev.lines.empty() && ev.amount) return bad("amount", "give lines or an amount, not both");
    bool whole = ev.lines.empty() && !ev.amount;
    if (!whole && ev.refund_id.empty()) {
      return bad("refund_id",
                 "is required for a partial refund (it makes a repeated delivery harmless)");
    }
    if (ev.amount) {
      if (auto ok = positive_amount(*ev.amount, prefix + "amount"); !ok) {
        return std::unexpected(ok.error());
      }
    }
    if (ev.lines.size() > limits::kOrderLinesMax) return bad("lines", "too many lines");
  }
  return *kind;
}

// The order's open checkout holds in every wallet: captured in full when it
// is paid, released when it is cancelled (docs/checkout.md).
Result<void> settle_order_holds(Wallets& wallets, const std::string& order_id, bool capture) {
  return wallets.each_ledger([&](ledger::WalletLedger& w) -> Result<void> {
    std::vector<int64_t> open;
    for (const ledger::Hold& h : w.state().holds) {
      if (h.order_id == order_id && h.state == ledger::HoldState::kOpen) open.push_back(h.id);
    }
    for (int64_t id : open) {
      auto r = capture ? w.capture(id, std::nullopt) : w.release(id);
      if (!r) return std::unexpected(r.error());
    }
    return {};
  });
}

// A member's tags; a guest has none.
const std::vector<std::string>& member_tags(const std::optional<Member>& member) {
  static const std::vector<std::string> kNone;
  return member ? member->tags : kNone;
}

// Applies one event to an order in memory and its wallets; `note` says why
// nothing happened when nothing did.
Result<void> apply_event(const ResolvedProgram& program, Wallets& wallets, RuleLimits& limits,
                         OrderRecord& record, const std::string& tier,
                         const std::vector<std::string>& tags, const OrderEvent& ev, Event kind,
                         const std::string& prefix, Instant now, std::string& note) {
  Instant at = ev.at.value_or(now);
  const std::string& member_id = record.order.member_id;
  auto set_once = [&](std::optional<Instant>& field) {
    if (field) {
      note = "repeated event: already " + ev.event + " at " + format_instant(*field);
      return false;
    }
    field = at;
    return true;
  };
  bool earned_before = record.earned_at.has_value();
  const bool member = !member_id.empty();

  if (record.cancelled_at && kind != Event::kCancelled) {
    note = "ignored: the order was cancelled at " + format_instant(*record.cancelled_at);
  } else {
    switch (kind) {
      case Event::kPlaced:
        note = "placed: recorded when the order was created";
        break;
      case Event::kPaid:
        if (set_once(record.paid_at) && member) {
          if (auto r = settle_order_holds(wallets, record.order.id, true); !r) return r;
        }
        break;
      case Event::kFulfilled:
        if (set_once(record.fulfilled_at) && earned_before && member && !record.completed_at) {
          Instant due = std::max(now, window_end(program, at));
          auto r = wallets.each([&](ledger::WalletLedger& w, WalletEffect& e) -> Result<void> {
            auto s = w.schedule_order(record.order.id, due);
            if (!s) return std::unexpected(s.error());
            e.scheduled += s->amount;
            return {};
          });
          if (!r) return std::unexpected(r.error());
        }
        break;
      case Event::kCompleted:
        if (set_once(record.completed_at) && earned_before && member) {
          auto r = wallets.each([&](ledger::WalletLedger& w, WalletEffect& e) -> Result<void> {
            auto s = w.release_order(record.order.id);
            if (!s) return std::unexpected(s.error());
            e.released += s->amount;
            return {};
          });
          if (!r) return std::unexpected(r.error());
        }
        break;
      case Event::kCancelled:
        if (set_once(record.cancelled_at) && member) {
          // Everything still open goes back: held value, earned value, and spent value.
          if (auto r = settle_order_holds(wallets, record.order.id, false); !r) return r;
          auto r = refund_value(wallets, record, {}, 1, 1);
          if (!r) return std::unexpected(r.error());
        }
        break;
      case Event::kRefunded:
      case Event::kReturned: {
        if (!ev.refund_id.empty() && std::find(record.refund_ids.begin(), record.refund_ids.end(),
                                               ev.refund_id) != record.refund_ids.end()) {
          note = "repeated refund " + ev.refund_id + ": already applied";
          break;
        }
        std::vector<ledger::RefundLine> lines;
        int64_t n = 1, d = 1;
        int64_t refunded_value = 0;
        if (!ev.lines.empty()) {
          std::set<std::string> seen;
          for (std::size_t i = 0; i < ev.lines.size(); ++i) {
            const LineQuantity& q = ev.lines[i];
            std::string field = "lines[" + std::to_string(i) + "]";
            auto it =
                std::find_if(record.order.lines.begin(), record.order.lines.end(),
                             [&](const rules::OrderLine& l) { return l.line_id == q.line_id; });
            if (it == record.order.lines.end()) {
              return fail(ErrorCode::kInvalidArgument, prefix + field + ".line_id",
                          "order " + record.order.id + " has no line '" + q.line_id + "'");
            }
            if (!seen.insert(q.line_id).second) {
              return fail(ErrorCode::kInvalidArgument, prefix + field + ".line_id",
                          "appears twice");
            }
            int64_t open = it->quantity - it->refunded_quantity;
            if (q.quantity <= 0 || q.quantity > open) {
              return fail(
                  ErrorCode::kInvalidArgument, prefix + field + ".quantity",
                  "must be between 1 and the " + std::to_string(open) + " units not yet refunded");
            }
            it->refunded_quantity += q.quantity;
            bool all = it->refunded_quantity == it->quantity;
            // What the line earned was earned on the units kept at the time.
            int64_t earned_on = it->quantity;
            for (const auto& [id, units] : record.earned_units) {
              if (id == q.line_id) earned_on = units;
            }
            if (all) {
              lines.push_back({q.line_id, 1, 1});
            } else if (record.earned_at && earned_on > 0) {
              lines.push_back({q.line_id, std::min(q.quantity, earned_on), earned_on});
            } else {
              lines.push_back({q.line_id, q.quantity, it->quantity});
            }
            refunded_value += *scale(it->net(), q.quantity, it->quantity, Rounding::kFloor);
          }
          // Value spent on the order without line attribution goes back in
          // proportion to the refunded value; all of it with the last unit.
          bool every_unit = std::all_of(
              record.order.lines.begin(), record.order.lines.end(),
              [](const rules::OrderLine& l) { return l.refunded_quantity == l.quantity; });
          int64_t subtotal = record.order.subtotal();
          n = every_unit || subtotal == 0 ? 1 : refunded_value;
          d = every_unit || subtotal == 0 ? 1 : subtotal;
        } else if (ev.amount) {
          int64_t total = record.order.subtotal() + record.order.shipping;
          int64_t left = total - record.refunded_amount;
          if (*ev.amount > left) {
            return fail(ErrorCode::kInvalidArgument, prefix + "amount",
                        "is more than the " + std::to_string(left) + " not yet refunded");
          }
          record.refunded_amount += *ev.amount;
          bool all = record.refunded_amount == total;
          n = all ? 1 : *ev.amount;
          d = all ? 1 : total;
        } else {
          // The whole order: every unit not yet refunded, and whatever is
          // still open of what it earned (shipping's share included).
          bool any = false;
          for (auto& l : record.order.lines) {
            any = any || l.refunded_quantity < l.quantity;
            l.refunded_quantity = l.quantity;
          }
          // Every unit already back: a first whole refund still takes what is
          // open (shipping's share); a repeated one changes nothing.
          bool repeated = std::find(record.refund_ids.begin(), record.refund_ids.end(), "full") !=
                          record.refund_ids.end();
          if (!any && repeated) {
            note = "repeated refund: the whole order is already refunded";
            break;
          }
        }
        record.refund_ids.push_back(ev.refund_id.empty() ? "full" : ev.refund_id);
        if (member) {
          auto r = refund_value(wallets, record, lines, n, d);
          if (!r) return std::unexpected(r.error());
        }
        break;
      }
    }
    // Earn when the trigger is reached, once, unless cancelled.
    if (!record.earned_at && !record.cancelled_at &&
        trigger_reached(record, program.program.rules.earn_on)) {
      if (auto r = earn(wallets, limits, program, record, tier, tags, now); !r) {
        return std::unexpected(r.error());
      }
    }
  }
  return {};
}

// After an order command: runs due anniversaries and the order's effect on
// the member's tier, including a paid membership the order bought; puts the
// changed member into `first`. Returns the change when the level changed.
Result<std::optional<rules::TierChange>> update_tier(Store& store, const ResolvedProgram& program,
                                                     RuleLimits& limits,
                                                     std::optional<Member>& member,
                                                     const OrderRecord& record, bool refunded,
                                                     Instant now, CommandWrite& first) {
  const rules::Tiers& tiers = program.program.rules.tiers;
  if (!tiers.enabled() || !member) return std::nullopt;
  // A member created by this command has no stored order but this one.
  auto orders = limits.new_member() ? counted_orders(program, record)
                                    : counted_orders(store, program, member->id, &record);
  if (!orders) return std::unexpected(orders.error());
  // Paid membership (付費會員): a line with a level's membership SKU.
  std::size_t level = 0;
  int64_t units = 0;
  bool membership_line = false;
  for (std::size_t i = 0; i < tiers.levels.size() && !membership_line; ++i) {
    if (tiers.levels[i].membership_sku.empty()) continue;
    for (const auto& l : record.order.lines) {
      if (l.sku != tiers.levels[i].membership_sku) continue;
      membership_line = true;
      level = i;
      units = l.quantity - l.refunded_quantity;
      break;
    }
  }
  // Only giving the membership back undoes it, not a refund of other lines;
  // an amount refund counts once nothing of the order is left paid.
  const bool paid_back = rules::paid_value(record.order, record.refunded_amount) == 0;
  bool undo =
      refunded && (!membership_line || units == 0 || paid_back || record.cancelled_at.has_value());
  rules::TierChange change =
      tier_after_order(program, member->tier, *orders, record.order.id, undo, now);
  bool counts = std::any_of(orders->begin(), orders->end(),
                            [&](const rules::CountedOrder& o) { return o.id == record.order.id; });
  const std::string key = "#membership";  // not a rule id: ids are [a-z0-9_]
  if (membership_line && undo && rules::level_index(tiers, member->tier.tier) == level) {
    // This order's membership was given back: recount what is still paid.
    auto bought = store.rule_use_exists(program.program.id, member->id, key, record.order.id);
    if (!bought) return std::unexpected(bought.error());
    if (*bought) {
      auto all = store.member_orders(program.program.id, member->id);
      if (!all) return std::unexpected(all.error());
      std::vector<rules::MembershipPurchase> left;
      const std::string& sku = tiers.levels[level].membership_sku;
      for (const OrderRecord& o : *all) {
        if (o.order.id == record.order.id || o.cancelled_at) continue;
        std::optional<Instant> at = o.paid_at        ? o.paid_at
                                    : o.fulfilled_at ? o.fulfilled_at
                                                     : o.completed_at;
        if (!at || rules::paid_value(o.order, o.refunded_amount) == 0) continue;
        for (const auto& l : o.order.lines) {
          int64_t open = l.quantity - l.refunded_quantity;
          if (l.sku == sku && open > 0) left.push_back({o.order.id, *at, open});
        }
      }
      rules::TierChange back = rules::membership_refunded(tiers, member->tier, level,
                                                          std::move(left), now, program.zone);
      change.state = back.state;
      change.to = rules::effective_tier(tiers, back.state);
      change.reason = back.reason;
    }
  }
  if (membership_line && units > 0 && counts && !paid_back && !record.cancelled_at) {
    auto bought = store.rule_use_exists(program.program.id, member->id, key, record.order.id);
    if (!bought) return std::unexpected(bought.error());
    if (!*bought) {
      rules::TierChange paid = rules::on_membership(tiers, change.state, level, units,
                                                    record.order.id, now, program.zone);
      if (paid.reason == "membership") {
        change.state = paid.state;
        change.to = rules::effective_tier(tiers, paid.state);
        change.reason = "membership";
      }
      limits.record(key, record.order.id, "", 0, 0, now);
    }
  }
  if (change.state == member->tier) return std::nullopt;
  if (auto ev = tier_event(program, member->id, member->tier, change.state, change.reason, now)) {
    first.events.push_back(std::move(*ev));
  }
  member->tier = change.state;
  member->updated_at = now;
  first.member = *member;
  if (!change.changed()) return std::nullopt;
  return change;
}

// Before an order command earns: judges anniversaries already due, so the
// order earns at the level the member really has now. Returns the tier id
// to earn at ("" without tiers).
Result<std::string> tier_for_earning(Store& store, const ResolvedProgram& program,
                                     std::optional<Member>& member, Instant now,
                                     CommandWrite& first) {
  const rules::Tiers& tiers = program.program.rules.tiers;
  if (!tiers.enabled() || !member) return std::string();
  if (member->tier.until && *member->tier.until <= now) {
    auto orders = counted_orders(store, program, member->id, nullptr);
    if (!orders) return std::unexpected(orders.error());
    rules::TierChange due = rules::on_anniversary(tiers, member->tier, *orders, now, program.zone);
    if (due.state != member->tier) {
      if (auto ev = tier_event(program, member->id, member->tier, due.state, due.reason, now)) {
        first.events.push_back(std::move(*ev));
      }
      member->tier = due.state;
      member->updated_at = now;
      first.member = *member;
    }
  }
  return rules::effective_tier(tiers, member->tier);
}

json::object tier_change_json(const rules::TierChange& change) {
  return json::object{{"from", change.from}, {"to", change.to}, {"reason", change.reason}};
}

}  // namespace

bool purchased(const ResolvedProgram& program, const OrderSummary& o) {
  if (o.cancelled_at) return false;
  OrderRecord probe;
  probe.paid_at = o.paid_at;
  probe.fulfilled_at = o.fulfilled_at;
  probe.completed_at = o.completed_at;
  return trigger_reached(probe, program.program.rules.earn_on);
}

OrderSummary order_times(const OrderRecord& record) {
  OrderSummary summary;
  summary.placed_at = record.order.placed_at;
  summary.paid_at = record.paid_at;
  summary.fulfilled_at = record.fulfilled_at;
  summary.completed_at = record.completed_at;
  summary.cancelled_at = record.cancelled_at;
  return summary;
}

bool purchased(const ResolvedProgram& program, const OrderRecord& record) {
  return purchased(program, order_times(record));
}

Instant return_window_end(const ResolvedProgram& program, Instant fulfilled_at) {
  int64_t days = program.program.rules.return_window_days;
  if (days <= 0) return fulfilled_at;
  return local_midnight_after(fulfilled_at, days + 1, program.zone);
}

Result<void> check_order(const rules::Order& o) {
  if (auto r = check_text(o.id, "order_id", true); !r) return r;
  if (auto r = check_text(o.member_id, "member_id", false); !r) return r;
  if (auto r = check_text(o.channel, "channel", false, 32); !r) return r;
  if (o.lines.empty()) return fail(ErrorCode::kInvalidArgument, "lines", "must not be empty");
  if (o.lines.size() > limits::kOrderLinesMax) {
    return fail(ErrorCode::kInvalidArgument, "lines",
                "has more than " + std::to_string(limits::kOrderLinesMax) + " lines");
  }
  if (o.shipping < 0 || o.shipping > limits::kAmountMax) {
    return fail(ErrorCode::kInvalidArgument, "shipping", "must be between 0 and 10^14");
  }
  // Sorted ids find duplicates without a node per line (orders have thousands).
  std::vector<std::pair<std::string_view, std::size_t>> ids;
  ids.reserve(o.lines.size());
  int64_t subtotal = 0;
  for (std::size_t i = 0; i < o.lines.size(); ++i) {
    const rules::OrderLine& l = o.lines[i];
    auto at = [i] { return "lines[" + std::to_string(i) + "]"; };  // built only on error
    if (l.line_id.empty() || l.line_id.size() > limits::kIdBytesMax ||
        l.line_id == rules::kShippingLine) {
      if (auto r = check_text(l.line_id, at() + ".line_id", true); !r) return r;
      return fail(ErrorCode::kInvalidArgument, at() + ".line_id",
                  "'shipping' is reserved for the shipping charge");
    }
    ids.emplace_back(l.line_id, i);
    for (auto [text, name] : {std::pair{&l.line_id, ".line_id"}, std::pair{&l.sku, ".sku"},
                              std::pair{&l.category, ".category"}, std::pair{&l.brand, ".brand"}}) {
      if (auto r = check_text(*text, "", false); !r) {
        return fail(ErrorCode::kInvalidArgument, at() + name, r.error().message);
      }
    }
    if (l.quantity <= 0 || l.quantity > 1'000'000) {
      return fail(ErrorCode::kInvalidArgument, at() + ".quantity", "must be between 1 and 1000000");
    }
    if (l.unit_price < 0 || l.unit_price > limits::kAmountMax) {
      return fail(ErrorCode::kInvalidArgument, at() + ".unit_price", "must be between 0 and 10^14");
    }
    auto gross = checked_mul(l.quantity, l.unit_price);
    if (!gross || *gross > limits::kAmountMax) {
      return fail(ErrorCode::kInvalidArgument, at() + ".quantity",
                  "quantity x unit_price is more than 10^14");
    }
    if (l.discount < 0 || l.discount > *gross) {
      return fail(ErrorCode::kInvalidArgument, at() + ".discount",
                  "must be between 0 and quantity x unit_price");
    }
    if (l.paid_with_value < 0 || l.paid_with_value > *gross - l.discount) {
      return fail(ErrorCode::kInvalidArgument, at() + ".paid_with_value",
                  "must be between 0 and the line's net amount");
    }
    subtotal += *gross - l.discount;
    if (subtotal > limits::kAmountMax) {
      return fail(ErrorCode::kInvalidArgument, "lines", "the order total is more than 10^14");
    }
  }
  std::sort(ids.begin(), ids.end());
  for (std::size_t k = 1; k < ids.size(); ++k) {
    if (ids[k].first == ids[k - 1].first) {
      std::size_t later = std::max(ids[k].second, ids[k - 1].second);
      return fail(ErrorCode::kInvalidArgument, "lines[" + std::to_string(later) + "].line_id",
                  "'" + o.lines[later].line_id + "' appears twice in the order");
    }
  }
  return {};
}

Result<Executed> upsert_order(Store& store, const ResolvedProgram& program, ledger::IdSource& ids,
                              const Command& c, const UpsertOrder& upsert, Instant now) {
  rules::Order order = upsert.order;
  for (auto& l : order.lines) l.refunded_quantity = 0;  // refunds come only from events
  if (auto ok = check_order(order); !ok) return std::unexpected(ok.error());
  if (upsert.placed_at_given &&
      order.placed_at > now + std::chrono::seconds(limits::kClockSkewSecondsMax)) {
    return fail(ErrorCode::kInvalidArgument, "placed_at", "is in the future");
  }
  for (std::size_t i = 0; i < upsert.events.size(); ++i) {
    if (auto ok = check_event_time(upsert.events[i], "events[" + std::to_string(i) + "].", now);
        !ok) {
      return std::unexpected(ok.error());
    }
  }
  if (upsert.events.size() > limits::kOrderEventsMax) {
    return fail(ErrorCode::kInvalidArgument, "events",
                "has more than " + std::to_string(limits::kOrderEventsMax) + " events");
  }
  std::vector<Event> kinds;
  for (std::size_t i = 0; i < upsert.events.size(); ++i) {
    auto kind = check_event(upsert.events[i], "events[" + std::to_string(i) + "].");
    if (!kind) return std::unexpected(kind.error());
    kinds.push_back(*kind);
  }
  auto existing = store.find_order(c.program_id, order.id);
  if (!existing) return std::unexpected(existing.error());
  if (!upsert.placed_at_given) order.placed_at = *existing ? (**existing).order.placed_at : now;
  OrderRecord record;
  bool created = !existing->has_value();
  if (created) {
    record.program_id = c.program_id;
    record.created_at = now;
  } else {
    record = std::move(**existing);
    if (record.order.member_id != order.member_id) {
      return fail(ErrorCode::kConflict, "member_id",
                  "order " + order.id + " belongs to member '" + record.order.member_id + "'");
    }
    // Keep what refunds recorded; a line that was refunded cannot go away.
    for (const auto& old : record.order.lines) {
      auto it = std::find_if(order.lines.begin(), order.lines.end(),
                             [&](const rules::OrderLine& l) { return l.line_id == old.line_id; });
      if (it != order.lines.end()) {
        it->refunded_quantity = std::min(old.refunded_quantity, it->quantity);
      } else if (old.refunded_quantity > 0) {
        return fail(ErrorCode::kConflict, "lines",
                    "line " + old.line_id + " was refunded and cannot be removed");
      }
    }
    bool fixed = record.earned_at || record.cancelled_at || !record.refund_ids.empty() ||
                 record.refunded_amount > 0;
    if (fixed && order != record.order) {
      return fail(ErrorCode::kConflict, "order_id",
                  "order " + order.id +
                      " has earned, been refunded or cancelled: its lines are fixed; send "
                      "refund events instead");
    }
  }
  record.order = std::move(order);
  record.updated_at = now;
  CommandWrite first;
  first.program_id = c.program_id;
  first.member_id = record.order.member_id;
  std::optional<Member> member;
  bool member_created = false;
  if (!record.order.member_id.empty()) {
    auto found_member = store.find_member(c.program_id, record.order.member_id);
    if (!found_member) return std::unexpected(found_member.error());
    member = std::move(*found_member);
    if (!member) {
      auto code = new_referral_code(store, c.program_id);
      if (!code) return std::unexpected(code.error());
      member = Member{c.program_id, record.order.member_id,
                      {},           "",
                      "",           now,
                      now,          {},
                      *code,        "",
                      "",           "",
                      {},           {}};
      first.member = member;
      member_created = true;
    }
  }
  auto earning_tier = tier_for_earning(store, program, member, now, first);
  if (!earning_tier) return std::unexpected(earning_tier.error());
  const std::string tier = std::move(*earning_tier);
  const std::size_t refunds_before = record.refund_ids.size();
  const bool cancelled_before = record.cancelled_at.has_value();
  const bool paid_before = record.paid_at.has_value();
  Wallets wallets(store, program, ids, now, record.order.member_id, record.order.id, true);
  RuleLimits limits(store, program, record.order.member_id);
  if (member_created) {
    wallets.member_is_new();
    limits.member_is_new();
  }
  json::array rewarded, skipped;
  if (member_created) {
    // A member created by its first order gets the signup rewards.
    RewardTrigger trigger{rules::RewardOn::kSignup, "", "signup", now, ""};
    if (auto r = grant_rewards(program, wallets, limits, tier, trigger, {}, rewarded, skipped);
        !r) {
      return std::unexpected(r.error());
    }
  }
  // Events sent with the order, in the order given.
  json::array notes;
  for (std::size_t i = 0; i < upsert.events.size(); ++i) {
    std::string note;
    std::string prefix = "events[" + std::to_string(i) + "].";
    if (auto r = apply_event(program, wallets, limits, record, tier, member_tags(member),
                             upsert.events[i], kinds[i], prefix, now, note);
        !r) {
      return std::unexpected(r.error());
    }
    if (!note.empty()) notes.emplace_back("events[" + std::to_string(i) + "]: " + note);
  }
  const bool refunded =
      record.refund_ids.size() > refunds_before || (record.cancelled_at && !cancelled_before);
  auto tier_change = update_tier(store, program, limits, member, record, refunded, now, first);
  if (!tier_change) return std::unexpected(tier_change.error());
  if (auto ok = settle_coupons(store, record, paid_before, cancelled_before, first); !ok) {
    return std::unexpected(ok.error());
  }
  Executed e;
  if (c.needs_response()) {
    json::object out{{"order", order_record_json(record)},
                     {"created", created},
                     {"wallets", wallets.effects_json()}};
    if (!notes.empty()) out["notes"] = std::move(notes);
    if (!rewarded.empty()) out["rewards"] = std::move(rewarded);
    if (*tier_change) out["tier"] = tier_change_json(**tier_change);
    e.response = json::serialize(out);
  }
  first.order = std::move(record);
  first.rule_uses = limits.take();
  wallets.finish(e, std::move(first));
  return e;
}

Result<Executed> order_event(Store& store, const ResolvedProgram& program, ledger::IdSource& ids,
                             const Command& c, const OrderEvent& ev, Instant now) {
  if (auto ok = check_text(ev.order_id, "order_id", true); !ok) return std::unexpected(ok.error());
  auto kind = check_event(ev, "");
  if (!kind) return std::unexpected(kind.error());
  if (auto ok = check_event_time(ev, "", now); !ok) return std::unexpected(ok.error());
  auto found = store.find_order(c.program_id, ev.order_id);
  if (!found) return std::unexpected(found.error());
  if (!*found) {
    return fail(ErrorCode::kNotFound, "order_id",
                "no order '" + ev.order_id + "' in program " + c.program_id);
  }
  OrderRecord record = std::move(**found);
  Wallets wallets(store, program, ids, now, record.order.member_id, record.order.id, true);
  RuleLimits limits(store, program, record.order.member_id);
  std::string note;
  CommandWrite first;
  first.program_id = c.program_id;
  first.member_id = record.order.member_id;
  std::optional<Member> member;
  if (!record.order.member_id.empty()) {
    auto found_member = store.find_member(c.program_id, record.order.member_id);
    if (!found_member) return std::unexpected(found_member.error());
    member = std::move(*found_member);
  }
  auto earning_tier = tier_for_earning(store, program, member, now, first);
  if (!earning_tier) return std::unexpected(earning_tier.error());
  const std::string tier = std::move(*earning_tier);
  const std::size_t refunds_before = record.refund_ids.size();
  const bool cancelled_before = record.cancelled_at.has_value();
  const bool paid_before = record.paid_at.has_value();
  if (auto r = apply_event(program, wallets, limits, record, tier, member_tags(member), ev, *kind,
                           "", now, note);
      !r) {
    return std::unexpected(r.error());
  }
  record.updated_at = now;
  const bool refunded =
      record.refund_ids.size() > refunds_before || (record.cancelled_at && !cancelled_before);
  auto tier_change = update_tier(store, program, limits, member, record, refunded, now, first);
  if (!tier_change) return std::unexpected(tier_change.error());
  if (auto ok = settle_coupons(store, record, paid_before, cancelled_before, first); !ok) {
    return std::unexpected(ok.error());
  }
  Executed e;
  if (c.needs_response()) {
    json::object out{{"order", order_record_json(record)},
                     {"event", ev.event},
                     {"wallets", wallets.effects_json()}};
    if (!note.empty()) out["note"] = note;
    if (*tier_change) out["tier"] = tier_change_json(**tier_change);
    e.response = json::serialize(out);
  }
  first.order = std::move(record);
  first.rule_uses = limits.take();
  wallets.finish(e, std::move(first));
  return e;
}

}  // namespace patron::app
