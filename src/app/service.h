// The use cases: turns one Command into store writes by loading the state it
// needs, running the ledger core, and building the response. Runs inside the
// writer's open transaction; writes nothing itself (the caller applies the
// returned CommandWrite), so a failed command leaves no trace.
#pragma once

#include <string>

#include "app/commands.h"
#include "app/programs.h"
#include "app/store.h"
#include "ledger/wallet_ledger.h"

namespace patron::app {

struct Executed {
  std::string response;   // JSON
  bool replayed = false;  // the idempotency key had been used with the same request
  CommandWrite write;     // empty on replay
  // Further member wallets the same command changed (an order event touches
  // every wallet it earned in): applied after `write`, in the same transaction.
  std::vector<CommandWrite> more;
};

// Applies what a command wrote (`write`, then `more`) inside the open
// transaction. The caller rolls back on failure.
// `events` false: no outbox events (imports of history: a member imported
// with years of orders must not be greeted and told of every old rebate).
// Events are written last, with the messages composed for them
// (app/messages.h); `executed` is left without them.
Result<void> apply_executed(Store& store, const Programs& programs, Executed& executed,
                            bool events = true);

Result<Executed> execute(Store& store, const Programs& programs, ledger::IdSource& ids,
                         const Command& command, Instant now);

}  // namespace patron::app
