#include "app/tiering.h"

#include <algorithm>
#include <boost/json.hpp>

#include "app/json_codec.h"
#include "app/outbox.h"

namespace patron::app {

namespace json = boost::json;

std::optional<rules::CountedOrder> counted(const rules::Tiers& tiers, const OrderSummary& o) {
  if (o.cancelled_at) return std::nullopt;
  std::optional<Instant> at;
  if (tiers.count_on == rules::Tiers::CountOn::kCompleted) {
    at = o.completed_at;
  } else {
    for (const auto& t : {o.paid_at, o.fulfilled_at, o.completed_at}) {
      if (t && (!at || *t < *at)) at = t;
    }
  }
  if (!at) return std::nullopt;
  int64_t value =
      tiers.basis == rules::Tiers::Basis::kOrderCount ? (o.paid_value > 0 ? 1 : 0) : o.paid_value;
  return rules::CountedOrder{o.id, *at, value};
}

Result<std::vector<rules::CountedOrder>> counted_orders(Store& store,
                                                        const ResolvedProgram& program,
                                                        const std::string& member_id,
                                                        const OrderRecord* current) {
  const rules::Tiers& tiers = program.program.rules.tiers;
  std::vector<rules::CountedOrder> out;
  auto summaries = store.member_order_summaries(program.program.id, member_id);
  if (!summaries) return std::unexpected(summaries.error());
  for (const auto& s : *summaries) {
    if (current && s.id == current->order.id) continue;
    if (auto c = counted(tiers, s)) out.push_back(std::move(*c));
  }
  if (current) {
    for (auto& c : counted_orders(program, *current)) out.push_back(std::move(c));
  }
  return out;
}

std::vector<rules::CountedOrder> counted_orders(const ResolvedProgram& program,
                                                const OrderRecord& current) {
  OrderSummary s{
      current.order.id,         current.order.placed_at,
      current.paid_at,          current.fulfilled_at,
      current.completed_at,     current.cancelled_at,
      current.order.subtotal(), rules::paid_value(current.order, current.refunded_amount)};
  std::vector<rules::CountedOrder> out;
  if (auto c = counted(program.program.rules.tiers, s)) out.push_back(std::move(*c));
  return out;
}

json::object tier_json(const ResolvedProgram& program, const rules::TierState& state,
                       const rules::TierProgress& p) {
  const rules::Tiers& tiers = program.program.rules.tiers;
  std::size_t level = rules::level_index(tiers, state.tier);
  auto opt = [](const std::optional<Instant>& t) {
    return t ? json::value(format_instant(*t)) : json::value(nullptr);
  };
  json::object out{{"id", tiers.levels[level].id},
                   {"name", tiers.levels[level].name},
                   {"since", opt(state.since)},
                   {"until", opt(state.until)},
                   {"value", p.value},
                   {"next", p.next.empty() ? json::value(nullptr) : json::value(p.next)},
                   {"to_next", p.to_next},
                   {"next_by", opt(p.next_by)},
                   {"to_keep", p.to_keep}};
  if (!p.next.empty()) {
    out["next_name"] = tiers.levels[rules::level_index(tiers, p.next)].name;
  }
  return out;
}

rules::TierChange tier_after_order(const ResolvedProgram& program, const rules::TierState& state,
                                   const std::vector<rules::CountedOrder>& orders,
                                   const std::string& order_id, bool refunded, Instant now) {
  const rules::Tiers& tiers = program.program.rules.tiers;
  rules::TierChange due = rules::on_anniversary(tiers, state, orders, now, program.zone);
  rules::TierChange change =
      rules::on_order(tiers, due.state, orders, order_id, refunded, now, program.zone);
  change.from = rules::effective_tier(tiers, state);
  change.to = rules::effective_tier(tiers, change.state);
  if (change.reason == "none") change.reason = due.reason;
  return change;
}

Result<Executed> evaluate_tier(Store& store, const ResolvedProgram& program, const Command& c,
                               Instant now) {
  auto member = store.find_member(c.program_id, c.member_id);
  if (!member) return std::unexpected(member.error());
  if (!*member) {
    return fail(ErrorCode::kNotFound, "member_id", "no member '" + c.member_id + "'");
  }
  auto orders = counted_orders(store, program, c.member_id, nullptr);
  if (!orders) return std::unexpected(orders.error());
  rules::TierChange change = rules::on_anniversary(program.program.rules.tiers, (*member)->tier,
                                                   *orders, now, program.zone);
  Executed e;
  json::object out{{"member_id", c.member_id},
                   {"from", rules::effective_tier(program.program.rules.tiers, (*member)->tier)},
                   {"to", rules::effective_tier(program.program.rules.tiers, change.state)},
                   {"reason", change.reason}};
  e.response = json::serialize(out);
  e.write.program_id = c.program_id;
  e.write.member_id = c.member_id;
  if (change.state != (*member)->tier) {
    if (auto ev =
            tier_event(program, c.member_id, (*member)->tier, change.state, change.reason, now)) {
      e.write.events.push_back(std::move(*ev));
    }
    Member m = **member;
    m.tier = change.state;
    m.updated_at = now;
    e.write.member = std::move(m);
  }
  return e;
}

}  // namespace patron::app
