// Tiers in the app: which of a member's orders count (rules/tiers.h), the
// tier part of the member view, and the tiers job's command.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <vector>

#include "app/commands.h"
#include "app/programs.h"
#include "app/service.h"
#include "app/store.h"
#include "rules/tiers.h"

namespace patron::app {

// What an order counts for tiers: from its paid time (count_on paid: the
// earliest of paid, fulfilled, completed) or completed time; never when
// cancelled; its paid value, or 1 per order for order_count (0 once fully
// refunded).
std::optional<rules::CountedOrder> counted(const rules::Tiers& tiers, const OrderSummary& order);

// A member's counted orders; `current` (in memory, maybe not yet stored)
// replaces the stored row of the same id.
Result<std::vector<rules::CountedOrder>> counted_orders(Store& store,
                                                        const ResolvedProgram& program,
                                                        const std::string& member_id,
                                                        const OrderRecord* current);
// The same for a member whose only order is `current` (created by the command
// that placed it): nothing to read.
std::vector<rules::CountedOrder> counted_orders(const ResolvedProgram& program,
                                                const OrderRecord& current);

// {"id", "name", "since", "until", "value", "next", "to_next", "to_keep"}.
boost::json::object tier_json(const ResolvedProgram& program, const rules::TierState& state,
                              const rules::TierProgress& progress);

// Runs due anniversaries, then the order's effect (`refunded`: the command
// refunded or cancelled it); returns the change.
rules::TierChange tier_after_order(const ResolvedProgram& program, const rules::TierState& state,
                                   const std::vector<rules::CountedOrder>& orders,
                                   const std::string& order_id, bool refunded, Instant now);

// The tiers job for one member: anniversaries due at `now`.
Result<Executed> evaluate_tier(Store& store, const ResolvedProgram& program, const Command& c,
                               Instant now);

}  // namespace patron::app
