// Replenishment reminders (docs/webhooks.md "Replenishment"): the
// replenishment job's command for one member. It judges the member's
// purchased orders (rules/replenishment.h) at the command's local day and
// writes one replenishment.due event per SKU due, with a rule use of
// "#replenishment" keyed "<sku>:<last order id>" in the same write, so a
// rerun of the job sends nothing twice and a new purchase of the SKU starts a
// new cycle (a new last order, a new key).
// A program without [replenishment] sends nothing. Fails only when the store
// does.
#pragma once

#include "app/commands.h"
#include "app/programs.h"
#include "app/service.h"
#include "app/store.h"
#include "rules/replenishment.h"

namespace patron::app {

// The rule id sent reminders are recorded under: not a rule id of the
// program file (those are [a-z0-9_]).
inline constexpr const char* kReplenishmentUse = "#replenishment";

// The rule use key of a reminder: "<sku>:<last order id>".
std::string replenishment_key(const rules::ReplenishmentDue& due);

// Adds `record` to `history` when it was purchased (app/orders.h purchased:
// reached the earn trigger, not cancelled); guest orders are left out by the
// history.
void add_purchase(rules::PurchaseHistory& history, const ResolvedProgram& program,
                  const OrderRecord& record);

Result<Executed> send_replenishment(Store& store, const ResolvedProgram& program, const Command& c,
                                    const SendReplenishment& body, Instant now);

}  // namespace patron::app
