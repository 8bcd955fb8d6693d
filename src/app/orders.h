// Order use cases: upsert an order, apply a lifecycle event. They earn
// (rules/earn.h) when the program's trigger event arrives, set the return
// window when the order is fulfilled, release pending value when it
// completes, and claw back / restore value on refunds and cancellation, in
// every wallet of the program. Called by execute() (service.h) inside the
// writer's transaction; writes nothing itself.
#pragma once

#include "app/commands.h"
#include "app/programs.h"
#include "app/rewards.h"
#include "app/service.h"
#include "app/store.h"

namespace patron::app {

Result<Executed> upsert_order(Store& store, const ResolvedProgram& program, ledger::IdSource& ids,
                              const Command& c, const UpsertOrder& upsert, Instant now);
Result<Executed> order_event(Store& store, const ResolvedProgram& program, ledger::IdSource& ids,
                             const Command& c, const OrderEvent& event, Instant now);

// When pending purchase value becomes spendable once the order is fulfilled:
// the local midnight that ends the return window (鑑賞期: N whole days
// counted from the day after fulfilment).
Instant return_window_end(const ResolvedProgram& program, Instant fulfilled_at);

// Whether an order was a purchase: it reached the program's earn trigger
// and was not cancelled (first purchases, referrals, campaign targeting).
bool purchased(const ResolvedProgram& program, const OrderSummary& order);
bool purchased(const ResolvedProgram& program, const OrderRecord& record);
// The scalar facts of a stored order (id, subtotal and paid value left 0).
OrderSummary order_times(const OrderRecord& record);

// The campaigns of an order: open when it was placed and targeting its
// member (tier, tags, purchases before it, paid value) with budget left at `now`
// (rules::budget_by: paced budgets); `control` are those the member is held
// out of.
struct CampaignPick {
  std::vector<const rules::Campaign*> treated;
  std::vector<const rules::Campaign*> control;
};
Result<CampaignPick> pick_campaigns(Store& store, const ResolvedProgram& program,
                                    RuleLimits& limits, const OrderRecord& record,
                                    const std::string& tier, const std::vector<std::string>& tags,
                                    Instant now);

// Validates an order as given by a shop: ids, quantities, prices, totals.
Result<void> check_order(const rules::Order& order);

}  // namespace patron::app
