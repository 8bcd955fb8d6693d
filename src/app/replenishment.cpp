#include "app/replenishment.h"

#include <boost/json.hpp>

#include "app/orders.h"
#include "app/outbox.h"

namespace patron::app {

namespace json = boost::json;

namespace {

json::object due_json(const rules::ReplenishmentDue& d, int64_t lead_days) {
  return json::object{{"sku", d.sku},
                      {"category", d.category},
                      {"brand", d.brand},
                      {"last_order_id", d.last_order_id},
                      {"last_purchased_on", format_date(d.last_purchased_on)},
                      {"interval_days", d.interval_days},
                      {"basis", rules::to_string(d.basis)},
                      {"expected_on", format_date(d.expected_on)},
                      {"days_left", d.days_left},
                      {"lead_days", lead_days},
                      {"quantity", d.quantity}};
}

}  // namespace

std::string replenishment_key(const rules::ReplenishmentDue& due) {
  return due.sku + ":" + due.last_order_id;
}

void add_purchase(rules::PurchaseHistory& history, const ResolvedProgram& program,
                  const OrderRecord& record) {
  if (purchased(program, record)) history.add(record.order);
}

Result<Executed> send_replenishment(Store& store, const ResolvedProgram& program, const Command& c,
                                    const SendReplenishment& body, Instant now) {
  Executed e;
  e.write.program_id = c.program_id;
  e.write.member_id = c.member_id;
  json::array sent;
  const std::optional<rules::Replenishment>& config = program.program.rules.replenishment;
  if (config) {
    auto orders = store.member_orders(c.program_id, c.member_id);
    if (!orders) return std::unexpected(orders.error());
    rules::PurchaseHistory history(*config, program.zone);
    for (const OrderRecord& record : *orders) add_purchase(history, program, record);
    const std::chrono::sys_days today(local_date(now, program.zone));
    for (const rules::ReplenishmentDue& due : history.due(today, body.sku_intervals)) {
      std::string key = replenishment_key(due);
      auto seen = store.rule_use_exists(c.program_id, c.member_id, kReplenishmentUse, key);
      if (!seen) return std::unexpected(seen.error());
      if (*seen) continue;
      e.write.rule_uses.push_back(
          RuleUse{c.program_id, c.member_id, kReplenishmentUse, key, "", 0, 0, now});
      e.write.events.push_back(make_event(c.program_id, event_type::kReplenishmentDue, c.member_id,
                                          due_json(due, config->lead_days), now));
      sent.emplace_back(json::object{{"sku", due.sku}, {"key", std::move(key)}});
    }
  }
  e.response = json::serialize(json::object{{"member_id", c.member_id}, {"sent", std::move(sent)}});
  return e;
}

}  // namespace patron::app
