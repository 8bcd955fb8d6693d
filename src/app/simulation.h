// Backtesting a program change (docs/analytics.md "simulate"): the stored
// order history is replayed, in memory, through the current program and
// through a proposed one, and the two outcomes are reported side by side.
// Nothing is written to the real store.
//
// The replay: every member is created at their created_at (with their
// birthday: signup and birthday rewards), every order placed at placed_at
// and then paid, fulfilled, completed or cancelled at the times stored, its
// refunded units and amount-only refunds given back after its last event;
// the birthdays and monthly jobs run at each local midnight, and maturation,
// expiry and tier anniversaries are brought up to the end. Redemptions are
// not replayed (a member's spending depends on what the program gave them):
// both columns show value issued, expired and outstanding as if nobody spent.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "app/programs.h"
#include "app/store.h"

namespace patron::app {

struct SimulationRequest {
  Program proposed;                                 // parsed, with the current program's id
  std::optional<std::chrono::year_month_day> from;  // orders placed from this local day
  std::optional<std::chrono::year_month_day> to;    // through this local day
};

// {"program", "from", "to", "orders", "members", "revenue", "current": R,
//  "proposed": R, "difference": {...}} where R is {"version", "wallets":
//  {NAME: {"issued", "issued_by_source", "expired", "clawed_back",
//  "outstanding"}}, "tiers": {LEVEL: members}, "value_issued",
//  "cost_share"}; value in currency minor units through each wallet's
//  redemption value. `make_store` opens an empty scratch store each call
//  (the CLI: a private in-memory SQLite database); null: it could not. It is
//  called twice on this thread; the two replays then run on two threads.
Result<boost::json::object> simulate_program(
    Store& reader, const ResolvedProgram& current, const SimulationRequest& request,
    const std::function<std::unique_ptr<StoreFactory>()>& make_store);

}  // namespace patron::app
